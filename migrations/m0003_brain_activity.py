"""Telemetry: one `brain_activity` row per model or embedding call.

`session_id`, `turn_id` and `user_id` are plain columns, not foreign keys: telemetry outlives a
deleted session and may describe calls made before their session exists. The cost is an
integer count of 1e-8 USD (exact on both engines; SQLite's NUMERIC would round it).
"""

from __future__ import annotations

from piccolo.columns import BigInt, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.engine.base import Engine
from piccolo.table import Table


def _tables(engine: Engine) -> list[type[Table]]:
    def label(null: bool = True) -> Varchar:
        return Varchar(length=255, null=null, default=None)

    class BrainActivity(Table, tablename="brain_activity", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)
        created_at = Timestamptz(default=None)
        activity_type = Varchar(length=16, default=None)
        call_type = label(null=False)
        model_id = label(null=False)
        session_id = label()
        turn_id = label()
        user_id = label()
        input_tokens = Integer(default=0)
        output_tokens = Integer(default=0)
        cache_read_tokens = Integer(default=0)
        cache_write_tokens = Integer(default=0)
        cost_usd_e8 = BigInt(null=True, default=None)
        price_known = Boolean(default=False)
        duration_ms = Integer(default=0)
        time_to_first_token_ms = Integer(null=True, default=None)
        status = Varchar(length=16, default=None)
        error = Text(null=True, default=None)
        prompt = Text(null=True, default=None)
        response = Text(null=True, default=None)

    return [BrainActivity]


INDEXES = (
    'CREATE INDEX "ix_brain_activity_session" ON "brain_activity" ("session_id", "created_at")',
    'CREATE INDEX "ix_brain_activity_turn" ON "brain_activity" ("turn_id")',
    'CREATE INDEX "ix_brain_activity_created" ON "brain_activity" ("created_at")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in INDEXES:
        await engine.run_ddl(statement)
