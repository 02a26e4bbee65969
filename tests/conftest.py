"""Shared fixtures: a PostgreSQL server for tests, fresh databases, and `db_engine`.

PostgreSQL is found in this order:
1. `TEST_DATABASE_URL` (a server URL whose user may CREATE DATABASE);
2. the local server at 127.0.0.1:5432 (user postgres, trust auth), when it answers;
3. a throwaway cluster started with initdb/pg_ctl on a free port (as the `postgres` OS user
   when running as root), removed at the end of the session.
With none of those the PostgreSQL tests are skipped - or fail, when MWF_REQUIRE_POSTGRES=1
(CI sets it, so a missing server can never turn the suite silently green).

Fixtures:
* `postgres_url` - a fresh, empty database (`mwf_test_<hex>`) per test, dropped afterwards;
* `sqlite_url` - `sqlite:///<file in tmp_path>`;
* `db_engine` - parametrized over sqlite and postgres: tables bound, pool started, schema
  created by our migration runner; the pool is closed afterwards.
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import (
    apply_migrations,
    bind_tables,
    engine_from_url,
    start_engine,
    stop_engine,
)

LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

T = TypeVar("T")


def run_async(make_coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code.

    On a private loop in a worker thread, because sync fixtures may be set up while
    pytest-asyncio's loop is running (asyncio.run would refuse, or clobber that loop).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coro())).result()


def _postgres_unavailable(reason: str) -> None:
    message = f"POSTGRESQL TESTS NOT RUN: {reason}"
    if os.environ.get("MWF_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{message} (MWF_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(message)


def _answers(url: str) -> bool:
    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(url, timeout=3)
        except Exception:
            return False
        await connection.close()
        return True

    return run_async(probe)


def _postgres_bindir() -> str | None:
    def has_tools(directory: str) -> bool:
        return all(os.path.exists(os.path.join(directory, tool)) for tool in ("initdb", "pg_ctl"))

    if (env := os.environ.get("PGBIN")) and has_tools(env):
        return env

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path))

    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True):
        if has_tools(os.path.dirname(initdb)):
            return os.path.dirname(initdb)
    if pg_config := shutil.which("pg_config"):
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if done.returncode == 0 and has_tools(done.stdout.strip()):
            return done.stdout.strip()
    if initdb := shutil.which("initdb"):
        directory = os.path.dirname(initdb)
        return directory if has_tools(directory) else None
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A URL of a PostgreSQL server database from which test databases can be created."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    if _answers(LOCAL_POSTGRES_URL):
        yield LOCAL_POSTGRES_URL
        return
    bindir = _postgres_bindir()
    if bindir is None:
        _postgres_unavailable(
            "TEST_DATABASE_URL is unset, nothing answers on 127.0.0.1:5432 and no "
            "initdb/pg_ctl were found (install postgresql, or set PGBIN)"
        )
    assert bindir is not None
    # PostgreSQL refuses to run as root, so the cluster belongs to the postgres OS user.
    as_root = os.geteuid() == 0
    as_postgres = ["runuser", "-u", "postgres", "--"] if as_root else []
    data = tempfile.mkdtemp(prefix="mwf-pgtest.")
    if as_root:
        try:
            shutil.chown(data, "postgres", "postgres")
        except LookupError:
            _postgres_unavailable(
                "running as root, and there is no 'postgres' OS user to own a throwaway "
                "cluster (PostgreSQL refuses to run as root): install postgresql"
            )
    port = _free_port()
    initdb = [f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {data} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    start = [f"{bindir}/pg_ctl", "-D", data, "-l", f"{data}/log", "-w", "-t", "60"]
    try:
        for command in (initdb + ["--no-locale"], start + ["-o", options, "start"]):
            done = subprocess.run(as_postgres + command, capture_output=True, text=True)
            if done.returncode != 0:
                shutil.rmtree(data, ignore_errors=True)
                _postgres_unavailable(
                    f"could not start a throwaway cluster with {bindir}: "
                    f"{done.stderr.strip() or done.stdout.strip()}"
                )
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]
        subprocess.run(as_postgres + stop, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def _with_database(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped (connections and all) after."""
    name = f"mwf_test_{uuid.uuid4().hex[:16]}"

    async def admin(*statements: str) -> None:
        connection = await asyncpg.connect(postgres_server_url, timeout=10)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    run_async(lambda: admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(postgres_server_url, name)
    finally:
        run_async(
            lambda: admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
                f'DROP DATABASE IF EXISTS "{name}"',
            )
        )


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """`sqlite:///` + an absolute path in tmp_path (hence four slashes)."""
    return f"sqlite:///{tmp_path / 'mwf-test.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """sqlite_url or postgres_url, one test run per engine."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
async def db_engine(db_url: str) -> AsyncIterator[Engine]:
    """A migrated database on each engine, with the tables bound to it."""
    engine = engine_from_url(db_url)
    bind_tables(engine)
    await start_engine(engine)
    try:
        await apply_migrations(engine)
        yield engine
    finally:
        await stop_engine(engine)
