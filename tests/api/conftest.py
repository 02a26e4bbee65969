"""The API stack fixture, on SQLite and PostgreSQL (see tests/conftest.py for `db_url`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from aiohttp.test_utils import TestClient, TestServer

from grpc_server.server import start_grpc_server
from mwf_core.bootstrap import build_container
from mwf_core.config import Settings
from rest_gateway.app import create_app

from .harness import DEV_SECRET, Stack


async def open_stack(database_url: str, tmp_path: Path, **overrides: object) -> Stack:
    settings = Settings(
        database_url=database_url,
        dev_secret=DEV_SECRET,
        dev_secret_path=tmp_path / "unused-secret",
        app_url="https://app.example.test",
        **overrides,  # type: ignore[arg-type]
    )
    container = await build_container(settings, migrate=True)
    running = await start_grpc_server(container, "127.0.0.1", 0)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    http = TestClient(TestServer(create_app(channel)))
    await http.start_server()
    stack = Stack(container, running.port, channel, http)
    stack._running = running  # type: ignore[attr-defined]
    return stack


async def close_stack(stack: Stack) -> None:
    await stack.http.close()
    await stack.channel.close()
    await stack._running.stop(0)  # type: ignore[attr-defined]
    await stack.container.close()


@pytest.fixture
async def stack(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    opened = await open_stack(db_url, tmp_path)
    try:
        yield opened
    finally:
        await close_stack(opened)


@pytest.fixture
async def rt_stack(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    """The stack with its realtime pieces wired (live events, Ably token, preferences)."""
    from .realtime_helpers import close, wire  # imports this module: not at the top

    opened = await open_stack(db_url, tmp_path)
    started = await wire(opened)
    try:
        yield opened
    finally:
        await close(opened, started)


@pytest.fixture
async def sqlite_stack(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    """For gRPC mechanics that do not depend on the database."""
    opened = await open_stack(sqlite_url, tmp_path)
    try:
        yield opened
    finally:
        await close_stack(opened)
