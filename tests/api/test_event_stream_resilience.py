"""The live event streams under strain, over the real stack (SQLite and PostgreSQL): a run of
unreadable rows, a viewer who loses access while events keep coming, access checks that never
wait for writers, and an SSE client that stops reading."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

import grpc
import pytest

from mwf_core.adapters.db.tables import UserVesselTable
from mwf_core.domain import events
from mwf_core.usecases import event_stream
from rest_gateway.routes import realtime as realtime_route

from .conftest import open_stack
from .harness import Stack, both_at_stage1
from .journey import deps_of
from .realtime_helpers import (
    add_event,
    close,
    event_items,
    eventually,
    last_seq,
    make_unreadable,
    read_items,
    read_until_closed,
    sequence,
    stalled_sse_client,
    watch,
    wire,
)
from .rest_helpers import user_id

pytestmark = pytest.mark.timeout(120)


async def _pair(stack: Stack) -> tuple[str, str]:
    ids = await both_at_stage1(stack)
    await sequence(stack)
    return ids["session_id"], await user_id(stack, "alice")


async def test_a_run_of_unreadable_rows_does_not_hold_the_stream_back(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(event_stream, "BATCH", 3)  # more unreadable rows in a row than a read
    key = base64.b64encode(os.urandom(32)).decode()
    stack = await open_stack(db_url, tmp_path, field_encryption_key=key)
    started = await wire(stack, poll_seconds=0.05)
    try:
        sid, _ = await _pair(stack)
        start = await last_seq(sid)
        channel = events.session_channel(sid)
        broken = [await add_event(stack, sid, channel, "test.lost") for _ in range(5)]
        await add_event(stack, sid, channel, "test.fine")
        broken.append(await add_event(stack, sid, channel, "test.lost"))  # the last row too
        await sequence(stack)
        await make_unreadable(broken)
        log = stack.container.realtime.log
        reads = 0
        read = log.read

        async def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal reads
            reads += 1
            return await read(*args, **kwargs)

        monkeypatch.setattr(log, "read", counted)
        caplog.set_level(logging.WARNING, logger="mwf.realtime")

        call = watch(stack, "alice", sid, after_seq=start)
        got = event_items(await read_items(call, events=1))
        assert [(e.seq, e.name) for e in got] == [(start + 6, "test.fine")]
        polled = reads

        async def polled_again() -> bool:
            return reads >= polled + 5

        await eventually(polled_again)
        call.cancel()
        # Each unreadable row was reported once, not at every poll.
        reported = Counter(
            row
            for r in caplog.records
            if "left out of the stream" in r.getMessage()
            for row in broken
            if row in r.getMessage()
        )
        assert reported == Counter(broken)
    finally:
        await close(stack, started)


async def test_losing_access_while_events_keep_coming_ends_the_stream(
    db_url: str, tmp_path: Path
) -> None:
    stack = await open_stack(db_url, tmp_path)
    # Events come far more often than heartbeats: the stream is never idle.
    started = await wire(stack, heartbeat_seconds=1.0)
    try:
        sid, alice = await _pair(stack)
        call = watch(stack, "alice", sid)
        assert (await call.read()).WhichOneof("item") == "heartbeat"
        partner_done = asyncio.Event()

        async def partner_keeps_sending() -> None:
            while not partner_done.is_set():
                await add_event(stack, sid, events.session_channel(sid), "test.busy")
                await sequence(stack)
                await asyncio.sleep(0.02)

        partner = asyncio.create_task(partner_keeps_sending())
        try:
            await read_items(call, events=3)
            # Her access goes without an event she could read (as when the session is deleted).
            await UserVesselTable.delete().where(
                (UserVesselTable.session_id == sid) & (UserVesselTable.user_id == alice)
            )
            with pytest.raises(grpc.aio.AioRpcError) as failure:
                async with asyncio.timeout(30):
                    while (await call.read()) is not grpc.aio.EOF:
                        pass
            assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
        finally:
            partner_done.set()
            await partner
    finally:
        await close(stack, started)


async def test_access_checks_never_wait_for_a_writer(rt_stack: Stack) -> None:
    sid, alice_id = await _pair(rt_stack)
    deps = deps_of(rt_stack)
    async with deps.uow() as reading:
        alice = await reading.users.get(alice_id)
    assert alice is not None
    stream = rt_stack.container.event_stream
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold_a_write_transaction() -> None:  # SQLite: the write lock
        async with deps.uow() as writer:
            await writer.sessions.get(sid)
            holding.set()
            await release.wait()

    writer = asyncio.create_task(hold_a_write_transaction())
    try:
        await asyncio.wait_for(holding.wait(), 10)
        await asyncio.wait_for(stream.check_access(alice, sid), 10)
    finally:
        release.set()
        await writer


async def test_a_client_that_stops_reading_is_disconnected(
    rt_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small buffer and a short patience, so a few events stall the stream.
    monkeypatch.setattr(realtime_route, "QUEUE_LIMIT", 5)
    monkeypatch.setattr(realtime_route, "STALL_SECONDS", 0.5)
    sid, alice = await _pair(rt_stack)
    presence = rt_stack.container.realtime.presence
    wakeups = rt_stack.container.realtime.wakeups
    headers = {**rt_stack.auth("alice"), "Last-Event-ID": str(await last_seq(sid))}
    client = await stalled_sse_client(rt_stack, f"/api/sessions/{sid}/events", headers)
    try:
        await eventually(lambda: presence.is_present(sid, alice))
        padding = "x" * 64_000
        produced = 0
        # Events pile up unread until the gateway gives up on the client (its call to the
        # server ends) instead of holding the connection and its handler forever.
        while wakeups.watching():
            for _ in range(10):
                await add_event(
                    rt_stack,
                    sid,
                    events.session_channel(sid),
                    "test.bulk",
                    {"n": produced, "padding": padding},
                )
                produced += 1
            await sequence(rt_stack)
            assert produced < 2000, "the gateway never gave up on a client that does not read"

        async def watch_ended() -> bool:
            return not await presence.is_present(sid, alice)

        await eventually(watch_ended)
        # The connection is closed, not kept alive for another request.
        received = await read_until_closed(client)
        assert received.startswith(b"HTTP/1.1 200")
    finally:
        client.close()


class _Replies:
    """Stands in for a WatchSession call: `count` replies, then `ending` (EOF or an error)."""

    def __init__(self, count: int, ending: object) -> None:
        self.count, self.ending, self.sent, self.cancelled = count, ending, 0, False

    async def read(self) -> object:
        if self.sent < self.count:
            self.sent += 1
            return self.sent
        if isinstance(self.ending, Exception):
            raise self.ending
        return self.ending

    def cancel(self) -> None:
        self.cancelled = True


def _queued(queue: asyncio.Queue[Any]) -> list[Any]:
    return [queue.get_nowait() for _ in range(queue.qsize())]


async def test_the_gateway_never_waits_for_room_to_end_a_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(realtime_route, "STALL_SECONDS", 0.1)
    refused = grpc.aio.AioRpcError(
        grpc.StatusCode.PERMISSION_DENIED, grpc.aio.Metadata(), grpc.aio.Metadata(), "left"
    )
    # Room left: everything read is queued, then how the stream ended.
    queue: asyncio.Queue[Any] = asyncio.Queue(5)
    await asyncio.wait_for(realtime_route._pump(_Replies(2, grpc.aio.EOF), queue), 10)
    assert _queued(queue) == [1, 2, realtime_route._END]
    # A client that read nothing: the end replaces what it has not read (the log replays that
    # after its Last-Event-ID), instead of waiting for room that never comes.
    for ending, said in ((grpc.aio.EOF, realtime_route._END), (refused, refused)):
        queue = asyncio.Queue(3)
        await asyncio.wait_for(realtime_route._pump(_Replies(3, ending), queue), 10)
        assert _queued(queue) == [said]
    # More replies than room: the call is cancelled and the client told it was too slow.
    queue = asyncio.Queue(3)
    call = _Replies(10, grpc.aio.EOF)
    await asyncio.wait_for(realtime_route._pump(call, queue), 10)
    assert call.cancelled and _queued(queue) == [realtime_route._OVERFLOW]
