"""Push: each person's notification preferences, and Expo tickets awaiting their receipts."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table


def _tables(engine: Engine) -> list[type[Table]]:
    def at() -> Timestamptz:
        return Timestamptz(null=False, default=None)

    class Users(Table, tablename="users", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)

    class PushReceipts(Table, tablename="push_receipts", db=engine):
        id = Varchar(length=255, primary_key=True, default=None)
        outbox_id = Varchar(length=64, default=None)
        user_id = ForeignKey(Users, null=False, on_delete=OnDelete.cascade)
        token = Text(default=None)
        check_after = at()
        created_at = at()

    return [PushReceipts]


STATEMENTS = (
    # Additive, so it runs on SQLite too; a literal '{}' is valid JSON on both engines.
    """ALTER TABLE "users" ADD COLUMN "notification_preferences" JSONB NOT NULL DEFAULT '{}'""",
    'CREATE INDEX "ix_push_receipts_check_after" ON "push_receipts" ("check_after")',
    # ON DELETE CASCADE from users would otherwise scan the table.
    'CREATE INDEX "ix_push_receipts_user" ON "push_receipts" ("user_id")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in STATEMENTS:
        await engine.run_ddl(statement)
