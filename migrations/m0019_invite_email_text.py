"""invitations.invite_email becomes TEXT: the address is encrypted at rest (encrypted_fields.py),
and the envelope of a long address (up to 254 characters) is longer than the old VARCHAR(320).
SQLite does not enforce VARCHAR lengths, so only PostgreSQL needs the change."""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine


async def forwards(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl('ALTER TABLE "invitations" ALTER COLUMN "invite_email" TYPE TEXT')
