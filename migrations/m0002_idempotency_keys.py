"""Client request ids (AIP-155): what each (user, request id) produced, so a retry repeats it."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table


def _tables(engine: Engine) -> list[type[Table]]:
    class Users(Table, tablename="users", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)

    class IdempotencyKeys(Table, tablename="idempotency_keys", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)
        user_id = ForeignKey(Users, null=False, on_delete=OnDelete.cascade)
        request_id = Varchar(length=128, default=None)
        operation = Varchar(length=64, default=None)
        fingerprint = Varchar(length=64, default=None)
        resource_id = Varchar(length=64, default=None)
        created_at = Timestamptz(default=None)

    return [IdempotencyKeys]


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    await engine.run_ddl(
        'CREATE UNIQUE INDEX "ux_idempotency_keys_user_request" '
        'ON "idempotency_keys" ("user_id", "request_id")'
    )
