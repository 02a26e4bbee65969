"""Opening the database for a process or an `mwf` command: the engine, the migrations when asked,
then field encryption checked against the key canary (crypto/factory.py). Encryption is set up
before anything reads a row, since private fields (and outbox payloads) may be encrypted."""

from __future__ import annotations

import logging

from piccolo.engine.base import Engine

from mwf_core.adapters.crypto.factory import configure_field_encryption
from mwf_core.adapters.crypto.field_cipher import FieldCipher
from mwf_core.config import Settings

from .engine import bind_tables, engine_from_url, start_engine, stop_engine
from .migrate import apply_migrations

log = logging.getLogger("mwf")


async def open_database(settings: Settings, *, migrate: bool) -> Engine:
    """The started engine of DATABASE_URL (else the embedded SQLite file), migrated if asked."""
    engine = engine_from_url(settings.database_url, default_sqlite_path=settings.sqlite_path)
    bind_tables(engine)
    await start_engine(engine)
    if migrate:
        try:
            applied = await apply_migrations(engine)
        except BaseException:
            await stop_engine(engine)
            raise
        if applied:
            log.info("database: applied migrations %s", ", ".join(applied))
    return engine


async def open_encrypted_database(
    settings: Settings, *, migrate: bool
) -> tuple[Engine, FieldCipher | None]:
    """`open_database`, then the process's field cipher (None: encryption off). When the keys
    are refused (FieldEncryptionConfigError, a ConfigurationError `mwf` prints as one line) the
    engine is closed before the error propagates."""
    engine = await open_database(settings, migrate=migrate)
    try:
        cipher = await configure_field_encryption(settings, engine)
    except BaseException:
        await stop_engine(engine)
        raise
    return engine, cipher
