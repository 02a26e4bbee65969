"""Field encryption at rest: the key canary table (one row, written at the first start with
FIELD_ENCRYPTION_KEY). Encrypted values need no other schema change: Text columns hold
`enc:v1:…` and JSON columns hold it as a JSON string."""

from __future__ import annotations

from piccolo.engine.base import Engine

STATEMENTS = (
    """CREATE TABLE "field_key_canary" (
        "id" VARCHAR(64) PRIMARY KEY NOT NULL,
        "value" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL)""",
)


async def forwards(engine: Engine) -> None:
    for statement in STATEMENTS:
        await engine.run_ddl(statement)
