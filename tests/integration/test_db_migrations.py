"""The migration runner on both engines (fresh databases from `db_url`, not `db_engine`)."""

from __future__ import annotations

import asyncio
import textwrap
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import (
    PiccoloUnitOfWorkFactory,
    applied_migrations,
    apply_migrations,
    bind_tables,
    engine_from_url,
    start_engine,
    stop_engine,
)
from mwf_core.adapters.db.engine import is_postgres
from mwf_core.adapters.db.migrate import discover
from mwf_core.adapters.db.tables import ALL_TABLES

from .test_repositories import make_user

ALL_MIGRATIONS = [name for name, _ in discover()]


@pytest.fixture
async def fresh_engine(db_url: str) -> AsyncIterator[Engine]:
    engine = engine_from_url(db_url)
    await start_engine(engine)
    try:
        yield engine
    finally:
        await stop_engine(engine)


async def table_columns(engine: Engine) -> dict[str, set[str]]:
    if is_postgres(engine):
        rows = await engine.run_ddl(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        )
        pairs = [(row["table_name"], row["column_name"]) for row in rows]
    else:
        tables = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'table'")
        pairs = []
        for table in tables:
            for column in await engine.run_ddl(f'PRAGMA table_info("{table["name"]}")'):
                pairs.append((table["name"], column["name"]))
    found: dict[str, set[str]] = {}
    for table, column in pairs:
        found.setdefault(table, set()).add(column)
    return found


async def test_first_run_applies_everything_then_reruns_are_no_ops(fresh_engine: Engine) -> None:
    assert ALL_MIGRATIONS and ALL_MIGRATIONS[0] == "m0001_initial"
    assert await applied_migrations(fresh_engine) == []
    assert await apply_migrations(fresh_engine) == ALL_MIGRATIONS
    assert await apply_migrations(fresh_engine) == []
    assert await apply_migrations(fresh_engine) == []
    assert await applied_migrations(fresh_engine) == ALL_MIGRATIONS


async def test_migrated_schema_matches_the_table_classes(fresh_engine: Engine) -> None:
    # Catches a column added to tables.py without a migration that creates it (or vice versa).
    await apply_migrations(fresh_engine)
    columns = await table_columns(fresh_engine)
    for table in ALL_TABLES:
        expected = {column._meta.db_column_name for column in table._meta.columns}
        assert columns.get(table._meta.tablename) == expected, table._meta.tablename
    assert set(columns) == {t._meta.tablename for t in ALL_TABLES} | {"mwf_migrations"}


async def test_concurrent_starts_apply_each_migration_once(db_url: str) -> None:
    # Two server processes starting at once against one database.
    engines = [engine_from_url(db_url), engine_from_url(db_url)]
    for engine in engines:
        await start_engine(engine)
    try:
        results = await asyncio.gather(*(apply_migrations(engine) for engine in engines))
    finally:
        for engine in engines:
            await stop_engine(engine)
    # Each migration is applied by exactly one of them (they may take turns between
    # migrations: each runs in its own locked transaction).
    assert sorted(results[0] + results[1]) == ALL_MIGRATIONS


async def test_failing_migration_leaves_nothing_behind(
    fresh_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = f"mwf_test_migrations_{uuid.uuid4().hex[:8]}"
    root = tmp_path / package
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "m0001_good.py").write_text(
        textwrap.dedent("""
        async def forwards(engine):
            await engine.run_ddl('CREATE TABLE "good_one" ("id" VARCHAR(10) PRIMARY KEY)')
    """)
    )
    (root / "m0002_broken.py").write_text(
        textwrap.dedent("""
        async def forwards(engine):
            await engine.run_ddl('CREATE TABLE "half_done" ("id" VARCHAR(10) PRIMARY KEY)')
            raise RuntimeError("step two failed")
    """)
    )
    (root / "helpers.py").write_text("NOT_A_MIGRATION = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(RuntimeError, match="step two failed"):
        await apply_migrations(fresh_engine, package=package)
    assert await applied_migrations(fresh_engine) == ["m0001_good"]
    tables = set(await table_columns(fresh_engine))
    assert "good_one" in tables
    assert "half_done" not in tables


async def test_migrated_database_serves_the_repositories(fresh_engine: Engine) -> None:
    await apply_migrations(fresh_engine)
    bind_tables(fresh_engine)
    user = make_user(email="first@example.com", privacy_preferences={"a": 1})
    async with PiccoloUnitOfWorkFactory(fresh_engine)() as uow:
        await uow.users.insert_if_absent(user)
        await uow.commit()
    async with PiccoloUnitOfWorkFactory(fresh_engine)() as uow:
        assert await uow.users.get(user.id) == user
