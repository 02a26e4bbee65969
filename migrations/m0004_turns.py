"""Conversation turns: one row per send, so a retry never stores a message or calls the model
twice, and a crashed process's turn can be taken over once its lease runs out."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table


def _tables(engine: Engine) -> list[type[Table]]:
    class Users(Table, tablename="users", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)

    class Sessions(Table, tablename="sessions", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)

    class Turns(Table, tablename="turns", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)
        session_id = ForeignKey(Sessions, null=False, on_delete=OnDelete.cascade)
        user_id = ForeignKey(Users, null=False, on_delete=OnDelete.cascade)
        request_id = Varchar(length=128, default=None)
        fingerprint = Varchar(length=64, default=None)
        user_message_id = Varchar(length=64, default=None)
        status = Varchar(length=16, default=None)
        created_at = Timestamptz(default=None)
        updated_at = Timestamptz(default=None)
        lease_expires_at = Timestamptz(null=True, default=None)
        attempts = Integer(default=0)
        reply_message_id = Varchar(length=64, null=True, default=None)
        error = Text(null=True, default=None)

    return [Turns]


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    await engine.run_ddl(
        'CREATE UNIQUE INDEX "ux_turns_user_request" ON "turns" ("user_id", "request_id")'
    )
    await engine.run_ddl('CREATE INDEX "ix_turns_session" ON "turns" ("session_id", "created_at")')
