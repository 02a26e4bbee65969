"""A small migration runner of our own, for SQLite and PostgreSQL alike.

Why not Piccolo's `run_forwards`: it finds its engine through an importable `piccolo_conf`
module (global state read at import time, with a connection attempt on import), and its
auto-generated `alter_column` steps fail on SQLite. This runner instead takes the engine as an
argument, keeps the applied names in a `mwf_migrations` table, and runs each module's
`async def forwards(engine)` (see the `migrations` package) in its own transaction together
with the ledger insert - so a migration is either fully applied and recorded, or not at all.

Concurrent starts (several server processes on one PostgreSQL) are safe: every migration
transaction first takes a transaction-scoped advisory lock, then re-reads the ledger; on
SQLite the `BEGIN IMMEDIATE` write lock does the same job.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from datetime import UTC, datetime
from types import ModuleType

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString

from .engine import is_postgres

LEDGER_TABLE = "mwf_migrations"
MIGRATIONS_PACKAGE = "migrations"
_NAME = re.compile(r"^m\d{4}_\w+$")
# Any constant works as long as nothing else in the database uses the same advisory key.
_ADVISORY_LOCK_KEY = 0x6D77665F6D6967  # "mwf_mig"

_CREATE_LEDGER = (
    f'CREATE TABLE IF NOT EXISTS "{LEDGER_TABLE}" '
    '("name" VARCHAR(255) PRIMARY KEY NOT NULL, "applied_at" TIMESTAMPTZ NOT NULL)'
)


def discover(package: str = MIGRATIONS_PACKAGE) -> list[tuple[str, ModuleType]]:
    """The migration modules of `package`, in the order they must run."""
    root = importlib.import_module(package)
    names = sorted(
        info.name for info in pkgutil.iter_modules(root.__path__) if _NAME.match(info.name)
    )
    return [(name, importlib.import_module(f"{package}.{name}")) for name in names]


async def applied_migrations(engine: Engine) -> list[str]:
    """Names recorded in the ledger, in name order (empty before the first run)."""
    try:
        rows = await engine.run_querystring(
            QueryString(f'SELECT "name" FROM "{LEDGER_TABLE}" ORDER BY "name"')
        )
    except (sqlite3.OperationalError, asyncpg.exceptions.UndefinedTableError):
        # No ledger yet: nothing was ever applied.
        return []
    return [row["name"] for row in rows]


async def apply_migrations(engine: Engine, package: str = MIGRATIONS_PACKAGE) -> list[str]:
    """Apply the pending migrations; returns the names applied by this call (empty if none)."""
    applied: list[str] = []
    for name, module in discover(package):
        if await _apply_one(engine, name, module):
            applied.append(name)
    return applied


async def _apply_one(engine: Engine, name: str, module: ModuleType) -> bool:
    forwards = getattr(module, "forwards", None)
    if forwards is None:
        raise RuntimeError(f"migration {name} has no `async def forwards(engine)`")
    if is_postgres(engine):
        transaction = engine.transaction(allow_nested=False)
    else:
        transaction = engine.transaction(
            transaction_type=TransactionType.immediate, allow_nested=False
        )
    async with transaction:
        if is_postgres(engine):
            await engine.run_ddl(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_KEY})")
        await engine.run_ddl(_CREATE_LEDGER)
        done = await engine.run_querystring(
            QueryString(f'SELECT "name" FROM "{LEDGER_TABLE}" WHERE "name" = {{}}', name)
        )
        if done:
            return False
        await forwards(engine)
        await engine.run_querystring(
            QueryString(
                f'INSERT INTO "{LEDGER_TABLE}" ("name", "applied_at") VALUES ({{}}, {{}})',
                name,
                datetime.now(UTC),
            )
        )
    return True
