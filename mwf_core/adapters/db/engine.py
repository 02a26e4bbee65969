"""Choosing, starting and stopping the database engine, and binding the tables to it.

`DATABASE_URL` decides the engine: unset means the embedded SQLite file, `postgres(ql)://`
means PostgreSQL. Nothing here imports a `piccolo_conf` module: the composition root calls
`engine_from_url`, `bind_tables`, `start_engine`, then `apply_migrations`.
"""

from __future__ import annotations

import os

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from .tables import ALL_TABLES

# Seconds a SQLite writer waits for another one to finish before giving up with
# "database is locked" (mapped to ConcurrencyConflict, which the use-case runner retries).
SQLITE_BUSY_TIMEOUT_S = 30.0
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10

_SQLITE_PREFIX = "sqlite:///"
_URL_HELP = (
    "use sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3 "
    "or postgresql://user:password@host:port/database"
)


class _DeferredPostgresEngine(PostgresEngine):
    """A PostgresEngine that does not connect while being constructed.

    Piccolo's constructor synchronously connects to read the server version (and only prints a
    warning when the server is down); here that check happens in `start_engine`, inside the
    event loop, where a dead server is a real startup error.
    """

    async def check_version(self) -> None:
        return None


def engine_from_url(url: str | None, default_sqlite_path: str = "mwf.sqlite3") -> Engine:
    """The engine a `DATABASE_URL` names; None or "" means the SQLite file at the default path."""
    if url is None or not url.strip():
        return _sqlite_engine(default_sqlite_path)
    url = url.strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        if not url.startswith(_SQLITE_PREFIX):
            raise ValueError(f"malformed SQLite URL: {_URL_HELP}")
        path = url[len(_SQLITE_PREFIX) :]
        if not path or path == ":memory:":
            # Piccolo opens a new SQLite connection per query, so an in-memory database would
            # be a new, empty one each time.
            raise ValueError(f"SQLite URL needs a file path: {_URL_HELP}")
        return _sqlite_engine(path)
    if scheme in ("postgres", "postgresql"):
        return _DeferredPostgresEngine(config={"dsn": url})
    # Never echo the URL itself: it may carry a password.
    raise ValueError(f"unsupported DATABASE_URL scheme {scheme!r}: {_URL_HELP}")


def _sqlite_engine(path: str) -> SQLiteEngine:
    return SQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_S)


def is_postgres(engine: Engine) -> bool:
    return engine.engine_type == "postgres"


def bind_tables(engine: Engine) -> None:
    """Point every table class at `engine` (process-wide: one engine per process)."""
    for table in ALL_TABLES:
        table._meta.db = engine


async def start_engine(engine: Engine) -> None:
    """Open the PostgreSQL pool (idempotent); on SQLite create the file and switch it to WAL."""
    if isinstance(engine, PostgresEngine):
        if engine.pool is None:
            # Creating the pool opens the first connection, so an unreachable server fails here.
            await engine.start_connection_pool(min_size=POOL_MIN_SIZE, max_size=POOL_MAX_SIZE)
        await PostgresEngine.check_version(engine)
        return
    if isinstance(engine, SQLiteEngine):
        _ensure_parent_directory(engine.path)
        # WAL is stored in the file itself, so setting it once covers every later connection:
        # readers no longer block the single writer, and vice versa.
        await engine.run_ddl("PRAGMA journal_mode=WAL")


def _ensure_parent_directory(path: str) -> None:
    # sqlite:///data/mwf.sqlite3 on a fresh checkout would otherwise fail with the unhelpful
    # "unable to open database file".
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


async def stop_engine(engine: Engine) -> None:
    """Close the PostgreSQL pool if one is open; nothing to do for SQLite."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
