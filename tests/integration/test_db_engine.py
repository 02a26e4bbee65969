"""Choosing and starting engines from DATABASE_URL, and mapping driver errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from mwf_core.adapters.db import engine_from_url, start_engine, stop_engine
from mwf_core.adapters.db.errors import mapped_errors, translate
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (None, "mwf.sqlite3"),
        ("", "mwf.sqlite3"),
        ("sqlite:///data/app.sqlite3", "data/app.sqlite3"),
        ("sqlite:////var/lib/mwf/app.sqlite3", "/var/lib/mwf/app.sqlite3"),
    ],
)
def test_sqlite_urls(url: str | None, path: str) -> None:
    engine = engine_from_url(url)
    assert isinstance(engine, SQLiteEngine)
    assert engine.path == path
    assert engine.connection_kwargs["timeout"] >= 5  # waits for the writer instead of failing


def test_default_sqlite_path_is_configurable() -> None:
    engine = engine_from_url(None, default_sqlite_path="/tmp/elsewhere.sqlite3")
    assert isinstance(engine, SQLiteEngine) and engine.path == "/tmp/elsewhere.sqlite3"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_urls(scheme: str) -> None:
    # Port 1: nothing listens there; building the engine must not try to connect.
    url = f"{scheme}://mwf:secret@127.0.0.1:1/mwf"
    engine = engine_from_url(url)
    assert isinstance(engine, PostgresEngine)
    assert engine.config == {"dsn": url}
    assert engine.pool is None


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:hunter2@db/mwf",
        "sqlite://relative.db",
        "sqlite:///",
        "sqlite:///:memory:",
        "just-a-path.sqlite3",
    ],
)
def test_unsupported_urls_are_refused_without_echoing_secrets(url: str) -> None:
    with pytest.raises(ValueError, match="sqlite:///") as raised:
        engine_from_url(url)
    assert "hunter2" not in str(raised.value)


async def test_sqlite_start_creates_the_directory_and_turns_on_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "mwf.sqlite3"
    engine = engine_from_url(f"sqlite:///{path}")
    await start_engine(engine)
    await stop_engine(engine)  # harmless on SQLite
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_postgres_pool_lifecycle(postgres_url: str) -> None:
    engine = engine_from_url(postgres_url)
    assert isinstance(engine, PostgresEngine)
    await start_engine(engine)
    pool = engine.pool
    assert pool is not None
    assert (pool.get_min_size(), pool.get_max_size()) == (1, 10)
    await start_engine(engine)  # idempotent: keeps the pool it has
    assert engine.pool is pool
    await stop_engine(engine)
    assert engine.pool is None
    await stop_engine(engine)


async def test_unreachable_postgres_fails_at_start() -> None:
    engine = engine_from_url("postgresql://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(OSError):
        await start_engine(engine)


@pytest.mark.parametrize(
    ("driver_error", "expected"),
    [
        (asyncpg.exceptions.UniqueViolationError("dup"), DuplicateKey),
        (asyncpg.exceptions.SerializationError("could not serialize"), ConcurrencyConflict),
        (asyncpg.exceptions.DeadlockDetectedError("deadlock"), ConcurrencyConflict),
        (sqlite3.IntegrityError("UNIQUE constraint failed: users.email"), DuplicateKey),
        (sqlite3.OperationalError("database is locked"), ConcurrencyConflict),
    ],
)
def test_driver_errors_map_to_domain_errors(driver_error: Exception, expected: type) -> None:
    with pytest.raises(expected) as raised, mapped_errors():
        raise driver_error
    assert raised.value.__cause__ is driver_error


@pytest.mark.parametrize(
    "other",
    [
        sqlite3.IntegrityError("FOREIGN KEY constraint failed"),
        sqlite3.OperationalError("no such table: users"),
        asyncpg.exceptions.ForeignKeyViolationError("fk"),
        ValueError("not a database error"),
    ],
)
def test_other_errors_pass_through_unchanged(other: Exception) -> None:
    assert translate(other) is None
    with pytest.raises(type(other)) as raised, mapped_errors():
        raise other
    assert raised.value is other
