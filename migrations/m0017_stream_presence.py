"""Stream presence: people watching a session's live events (SSE / WatchSession) per process,
with an expiry (see mwf_core/adapters/db/realtime_tables.py)."""

from __future__ import annotations

from piccolo.engine.base import Engine

STATEMENTS = (
    """CREATE TABLE "stream_presence" (
        "id" VARCHAR(255) PRIMARY KEY NOT NULL,
        "session_id" VARCHAR(64) NOT NULL,
        "user_id" VARCHAR(64) NOT NULL,
        "instance_id" VARCHAR(64) NOT NULL,
        "expires_at" TIMESTAMPTZ NOT NULL)""",
    'CREATE INDEX "ix_stream_presence_session_user" ON "stream_presence" '
    '("session_id", "user_id")',
)


async def forwards(engine: Engine) -> None:
    for statement in STATEMENTS:
        await engine.run_ddl(statement)
