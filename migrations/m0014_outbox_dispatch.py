"""Outbox delivery: per-stream ordering (stream_key, gap-free seq), retry bookkeeping, and one
counter/lease row per stream in `outbox_streams`.

Existing rows get their stream_key and a seq in (created_at, id) order, and each stream's
counter starts at its highest seq. Rows still PENDING were delivered by the in-process broker
when their transaction committed (the only delivery there was): they become DELIVERED with
`last_error = 'before m0014'`, so an upgrade never sends stale events to Ably or pushes them.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

STATEMENTS = (
    """ALTER TABLE "outbox" ADD COLUMN "stream_key" VARCHAR(128) NOT NULL DEFAULT ''""",
    'ALTER TABLE "outbox" ADD COLUMN "seq" BIGINT NULL',
    'ALTER TABLE "outbox" ADD COLUMN "next_attempt_at" TIMESTAMPTZ NULL',
    'ALTER TABLE "outbox" ADD COLUMN "external_id" VARCHAR(255) NULL',
    'ALTER TABLE "outbox" ADD COLUMN "parent_id" VARCHAR(64) NULL',
    # events.stream_key: a session's realtime rows share the session's stream.
    """UPDATE "outbox" SET "stream_key" = CASE
        WHEN "session_id" IS NOT NULL
         AND ("channel" LIKE 'session:%' OR "channel" LIKE 'user:%') THEN "session_id"
        ELSE "channel" END""",
    'CREATE INDEX "ix_outbox_stream_created" ON "outbox" ("stream_key", "created_at")',
    # A portable row number: both engines accept the correlated COUNT(*).
    """UPDATE "outbox" SET "seq" = (
        SELECT COUNT(*) FROM "outbox" AS "o2"
        WHERE "o2"."stream_key" = "outbox"."stream_key"
          AND ("o2"."created_at" < "outbox"."created_at"
               OR ("o2"."created_at" = "outbox"."created_at" AND "o2"."id" <= "outbox"."id")))""",
    """UPDATE "outbox" SET "status" = 'DELIVERED', "delivered_at" = "created_at",
        "last_error" = 'before m0014' WHERE "status" = 'PENDING'""",
    """CREATE TABLE "outbox_streams" (
        "key" VARCHAR(128) PRIMARY KEY NOT NULL,
        "last_seq" BIGINT NOT NULL DEFAULT 0,
        "lease_owner" VARCHAR(64) NULL,
        "lease_until" TIMESTAMPTZ NULL)""",
    'INSERT INTO "outbox_streams" ("key", "last_seq") '
    'SELECT "stream_key", MAX("seq") FROM "outbox" GROUP BY "stream_key"',
    # Gap-free and unique per stream (NULLs - not yet sequenced - are distinct on both engines).
    'CREATE UNIQUE INDEX "ux_outbox_stream_seq" ON "outbox" ("stream_key", "seq")',
    'CREATE INDEX "ix_outbox_status_next_attempt" ON "outbox" ("status", "next_attempt_at")',
    # The sequencer's work list stays small: only rows not yet sequenced.
    'CREATE INDEX "ix_outbox_unsequenced" ON "outbox" ("stream_key", "created_at", "id") '
    'WHERE "seq" IS NULL',
    'CREATE INDEX "ix_outbox_streams_lease" ON "outbox_streams" ("lease_until")',
)


async def forwards(engine: Engine) -> None:
    for statement in STATEMENTS:
        await engine.run_ddl(statement)
