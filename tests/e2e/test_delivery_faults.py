"""Delivery under faults, end to end: the real stack publishes through the real `ably` SDK (key
auth over TLS) to tests/fakes/ably.py, which dedupes message ids like Ably does.

Faults: 503s, a request that hangs past the dispatcher's timeout, and a closed port while the
API keeps answering 2xx. After recovery every realtime outbox row is accepted exactly once.
The kill test SIGKILLs a delivery-only process (`mwf outbox run`) mid-publish; a fresh one
takes over once the lease (1 s) runs out, and an SSE subscriber sees each seq once throughout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, both_at_stage1
from tests.api.journey import outbox
from tests.fakes.ably import FakeAbly, running_fake_ably

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[2]
FAST: dict[str, Any] = {
    "mwf_outbox_sweep_seconds": 0.1,
    "mwf_outbox_backoff_base_ms": 50,
    "mwf_outbox_backoff_max_ms": 200,
}


@pytest.fixture
async def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeAbly]:
    async with running_fake_ably(tmp_path / "tls") as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert.cert_path))
        yield server


def ably_settings(fake: FakeAbly) -> dict[str, Any]:
    return {"ably_api_key": fake.key, "ably_rest_host": "127.0.0.1",
            "ably_rest_port": fake.port, "ably_tls": True}


@pytest.fixture
async def ably_stack(db_url: str, tmp_path: Path, fake: FakeAbly) -> AsyncIterator[Stack]:
    stack = await open_stack(db_url, tmp_path, **ably_settings(fake), **FAST)
    try:
        yield stack
    finally:
        await close_stack(stack)


async def realtime_rows() -> list[OutboxEvent]:
    return [e for e in await outbox() if events.is_realtime_channel(e.channel)]


async def all_delivered(seconds: float = 90) -> list[OutboxEvent]:
    async with asyncio.timeout(seconds):
        while True:
            rows = await realtime_rows()
            if rows and all(r.status is OutboxStatus.DELIVERED for r in rows):
                return rows
            await asyncio.sleep(0.05)


def assert_each_accepted_once(fake: FakeAbly, rows: list[OutboxEvent]) -> None:
    ids = fake.ids()
    assert len(ids) == len(set(ids))
    # Derived `session.updated` messages carry f"{row id}:su:{user}"; the rest the row id.
    assert {i for i in ids if ":su:" not in i} == {r.id for r in rows}
    for row in rows:
        if row.channel.startswith("session:"):
            assert any(i.startswith(f"{row.id}:su:") for i in ids), row.name


async def act(stack: Stack, views: int = 3) -> str:
    """Two partners join through the API (2xx throughout), then alice looks `views` times."""
    ids = await both_at_stage1(stack)
    for _ in range(views):
        await stack.ok("POST", f"/api/sessions/{ids['session_id']}/viewed", "alice", {})
    return ids["session_id"]


async def test_503s_are_retried_and_each_id_accepted_once(
    ably_stack: Stack, fake: FakeAbly
) -> None:
    fake.fail_next(3, status=503, body={"error": {"code": 50000, "statusCode": 503,
                                                  "message": "unavailable"}})
    await act(ably_stack)
    rows = await all_delivered()
    assert_each_accepted_once(fake, rows)
    assert max(r.attempts for r in rows) >= 2  # someone went through retries
    assert sum(1 for r in fake.requests if r.method == "POST") > len(fake.ids())


async def test_a_hanging_publish_times_out_and_goes_again(
    ably_stack: Stack, fake: FakeAbly
) -> None:
    dispatcher = ably_stack.container.dispatcher
    dispatcher.config = dataclasses.replace(dispatcher.config, deliver_timeout=1.0)
    fake.hang_next(1)
    await act(ably_stack, views=1)
    rows = await all_delivered()
    fake.release_hung()
    assert fake.hung_requests == 1
    assert_each_accepted_once(fake, rows)
    assert max(r.attempts for r in rows) >= 2


async def test_ably_down_while_the_api_answers_then_everything_once(
    ably_stack: Stack, fake: FakeAbly
) -> None:
    await fake.refuse()
    session_id = await act(ably_stack)  # every call 2xx (asserted by stack.ok)
    async with asyncio.timeout(60):
        while not any(r.attempts >= 2 for r in await realtime_rows()):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    pending = [r for r in await realtime_rows() if r.status is OutboxStatus.PENDING]
    assert pending and all(r.last_error for r in pending if r.attempts)
    assert fake.ids() == []
    await fake.resume()
    rows = await all_delivered()
    assert_each_accepted_once(fake, rows)
    assert any(r.session_id == session_id for r in rows)


# ---- the kill test ----
def dispatcher_env(db_url: str, fake: FakeAbly, log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MWF_", "ABLY_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=db_url,
        ABLY_API_KEY=fake.key,
        ABLY_REST_HOST="127.0.0.1",
        ABLY_REST_PORT=str(fake.port),
        ABLY_TLS="true",
        SSL_CERT_FILE=str(fake.cert.cert_path),
        MWF_OUTBOX_LEASE_SECONDS="1",
        MWF_OUTBOX_SWEEP_SECONDS="0.1",
        MWF_OUTBOX_BACKOFF_BASE_MS="50",
        MWF_OUTBOX_BACKOFF_MAX_MS="200",
        MWF_DEV_TOKEN_SECRET="unused-in-this-process-0123456789abcdef",
    )
    return env


async def start_dispatcher(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mwf.cli", "outbox", "run",
            env=env, cwd=str(log.parent), stdout=out, stderr=out,
        )


async def read_sse(response: Any, seen: list[tuple[int, str]], stop: asyncio.Event) -> None:
    seq: int | None = None
    while not stop.is_set():
        line = (await response.content.readline()).decode()
        if not line:
            return
        if line.startswith("id: "):
            seq = int(line[4:].strip())
        elif line.startswith("event: ") and seq is not None:
            seen.append((seq, line[7:].strip()))
            seq = None


async def test_a_killed_dispatcher_loses_nothing_and_sends_each_id_once(
    db_url: str, tmp_path: Path, fake: FakeAbly
) -> None:
    # The API process only sequences (MWF_DISPATCHER=off): `mwf outbox run` delivers.
    stack = await open_stack(db_url, tmp_path, mwf_dispatcher=False, **ably_settings(fake),
                             **FAST)
    log = tmp_path / "dispatcher.log"
    processes: list[asyncio.subprocess.Process] = []
    stop_sse = asyncio.Event()
    try:
        ids = await both_at_stage1(stack)
        sid = ids["session_id"]
        response = await stack.http.get(f"/api/sessions/{sid}/events",
                                        headers=stack.auth("bob"))
        assert response.status == 200
        seen: list[tuple[int, str]] = []
        reader = asyncio.create_task(read_sse(response, seen, stop_sse))
        views = 12
        for _ in range(views):
            await stack.ok("POST", f"/api/sessions/{sid}/viewed", "alice", {})

        # The first process publishes k messages, then its next publish never returns.
        k = 5
        release = asyncio.Event()
        original = fake.handle

        async def stall_after_k(request: web.Request, body: bytes) -> web.StreamResponse:
            if len(fake.accepted) >= k and not release.is_set():
                await release.wait()
                return web.json_response({}, status=503)
            return await original(request, body)

        fake.handle = stall_after_k  # type: ignore[method-assign]
        env = dispatcher_env(db_url, fake, log)
        first = await start_dispatcher(env, log)
        processes.append(first)
        async with asyncio.timeout(90):
            while len(fake.accepted) < k:  # noqa: ASYNC110
                assert first.returncode is None, log.read_text()
                await asyncio.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        fake.handle = original  # type: ignore[method-assign]
        release.set()
        assert len(fake.accepted) == k

        processes.append(await start_dispatcher(env, log))
        rows = await all_delivered(120)
        assert_each_accepted_once(fake, rows)
        assert fake.duplicates  # what the killed one sent without writing back, sent again

        # The SSE subscriber saw each of the session's sequenced rows once, in order.
        viewed = [r for r in rows
                  if r.stream_key == sid and r.name == events.PARTNER_SESSION_VIEWED]
        assert len(viewed) == views
        async with asyncio.timeout(60):
            while sum(1 for _, n in seen if n == events.PARTNER_SESSION_VIEWED) < views:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        seqs = [s for s, _ in seen]
        assert seqs == sorted(set(seqs))
        assert {s for s, n in seen if n == events.PARTNER_SESSION_VIEWED} == {
            r.seq for r in viewed
        }
        stop_sse.set()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        response.close()
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    async with asyncio.timeout(30):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()
        await close_stack(stack)
