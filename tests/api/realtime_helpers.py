"""Helpers of the live-event tests (WP-D): wiring the stack's realtime pieces when the
composition root has not, writing log rows, sequencing them, and reading a WatchSession call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from aiohttp import ClientResponse

from mwf.v1 import realtime_service_pb2 as rt
from mwf.v1 import realtime_service_pb2_grpc
from mwf_core.adapters.crypto import FieldCipher
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.outbox.store import OutboxStore
from mwf_core.adapters.realtime.factory import RealtimeBundle, build_realtime
from mwf_core.domain.records import OutboxEvent
from mwf_core.usecases.event_stream import EventStreamUseCases
from mwf_core.usecases.notification_prefs import NotificationPreferenceUseCases
from mwf_core.usecases.realtime_auth import RealtimeAuthUseCases

from .conftest import close_stack
from .harness import Stack
from .journey import deps_of


async def wire(stack: Stack, **stream_options: Any) -> RealtimeBundle | None:
    """Make sure the container has the realtime pieces; returns a bundle this call started (the
    caller stops it) or None. `stream_options` (heartbeat_seconds, poll_seconds, ...) replace
    the event-stream use case with one tuned for the test."""
    c = stack.container
    deps = deps_of(stack)
    started = None
    if c.realtime is None:
        c.realtime = started = build_realtime(c.settings, c.engine)
        await started.start()
    if c.dispatcher is not None and getattr(c.dispatcher, "wakeups", None) is None:
        c.dispatcher.wakeups = c.realtime.wakeups
    if c.event_stream is None or stream_options:
        options = {"poll_seconds": c.realtime.poll_seconds, **stream_options}
        c.event_stream = EventStreamUseCases(
            deps, c.realtime.log, c.realtime.wakeups, c.realtime.presence, **options
        )
    if c.realtime_auth is None:
        c.realtime_auth = RealtimeAuthUseCases(deps, None, production=False)
    if c.notification_prefs is None:
        c.notification_prefs = NotificationPreferenceUseCases(deps)
    return started


async def close(stack: Stack, started: RealtimeBundle | None) -> None:
    """Close the gateway first, let the server-side watches end (their cleanup still uses the
    database), then the rest of the stack."""
    await stack.http.close()
    wakeups = stack.container.realtime.wakeups

    async def idle() -> bool:
        return wakeups.watching() == 0

    with contextlib.suppress(TimeoutError):
        await eventually(idle, seconds=10)
    if started is not None:
        await started.stop()
    await close_stack(stack)


async def add_event(
    stack: Stack,
    session_id: str,
    channel: str,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    age: float = 0.0,
) -> str:
    """Write one outbox row as a use case would (unsequenced), `age` seconds old; returns
    its id."""
    deps = deps_of(stack)
    event_id = uuid.uuid4().hex
    now = datetime.now(UTC) - timedelta(seconds=age)
    body = {"sessionId": session_id, "timestamp": int(now.timestamp() * 1000), **(payload or {})}
    async with deps.uow() as uow:
        await uow.outbox.add(
            OutboxEvent(
                id=event_id,
                session_id=session_id,
                channel=channel,
                name=name,
                payload=body,
                created_at=now,
            )
        )
        await uow.commit()
    c = stack.container
    if c.dispatcher is not None:
        await c.dispatcher.kick()
    return event_id


async def sequence(stack: Stack) -> None:
    """Every row written so far gets its seq (by the dispatcher when the stack runs one, else
    by the store's sequencer here), and local watchers are poked."""
    c = stack.container
    if c.dispatcher is not None and getattr(c.dispatcher, "_running", False):

        async def all_sequenced() -> bool:
            return not await OutboxTable.count().where(OutboxTable.seq.is_null()).run()

        await eventually(all_sequenced)
        return
    store = OutboxStore(c.engine)
    while True:
        result = await store.sequence()
        for key in result.streams:
            c.realtime.wakeups.poke(key)
        if not result.more:
            return


async def make_unreadable(event_ids: list[str]) -> None:
    """Replace the rows' payloads with well-formed envelopes sealed by a key nobody has (the
    stack runs with field encryption on)."""
    foreign = FieldCipher(os.urandom(32))
    for event_id in event_ids:
        sealed = foreign.encrypt(json.dumps({"words": "lost"}), "outbox.payload")
        await OutboxTable.update({OutboxTable.payload: json.dumps(sealed)}).where(
            OutboxTable.id == event_id
        )


async def logged(session_id: str) -> list[dict[str, Any]]:
    """The session stream's sequenced rows: seq, id, channel, name."""
    return await (
        OutboxTable.select(OutboxTable.seq, OutboxTable.id, OutboxTable.channel, OutboxTable.name)
        .where((OutboxTable.stream_key == session_id) & OutboxTable.seq.is_not_null())
        .order_by(OutboxTable.seq)
        .run()
    )


async def last_seq(session_id: str) -> int:
    rows = await logged(session_id)
    return int(rows[-1]["seq"]) if rows else 0


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    """Poll `check` until it holds (generous limit; never a timing assertion)."""
    async with asyncio.timeout(seconds):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


def realtime(stack: Stack) -> realtime_service_pb2_grpc.RealtimeServiceStub:
    return realtime_service_pb2_grpc.RealtimeServiceStub(stack.channel)


def watch(stack: Stack, user: str | None, session_id: str, after_seq: int | None = None) -> Any:
    """A WatchSession call: live events only without `after_seq`."""
    return realtime(stack).WatchSession(
        rt.WatchSessionRequest(session_id=session_id, after_seq=after_seq),
        metadata=stack.metadata(user),
        timeout=120,
    )


async def read_items(
    call: Any, *, events: int, seconds: float = 30
) -> list[rt.WatchSessionResponse]:
    """Items until `events` events arrived (heartbeats and resets included in the list)."""
    items: list[rt.WatchSessionResponse] = []
    async with asyncio.timeout(seconds):
        while sum(1 for i in items if i.WhichOneof("item") == "event") < events:
            reply = await call.read()
            assert reply is not grpc.aio.EOF, items
            items.append(reply)
    return items


def event_items(items: list[rt.WatchSessionResponse]) -> list[rt.SessionEvent]:
    return [i.event for i in items if i.WhichOneof("item") == "event"]


# ---- server-sent events (GET /sessions/:id/events) ----


def parse_frame(block: str) -> dict[str, Any]:
    frame: dict[str, Any] = {"comments": []}
    for line in block.split("\n"):
        if line.startswith(":"):
            frame["comments"].append(line[1:].strip())
        elif line:
            field, _, value = line.partition(": ")
            frame[field] = value
    return frame


def is_event(frame: dict[str, Any]) -> bool:
    """A session event (keep-alives and resets carry an `id:` too, but are not events)."""
    return "id" in frame and frame.get("event") not in (None, "reset")


async def sse_frames(
    response: ClientResponse, *, events_wanted: int, seconds: float = 30
) -> list[dict[str, Any]]:
    """Frames (blank-line separated blocks) until `events_wanted` events arrived."""
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(seconds):
        while sum(1 for f in frames if is_event(f)) < events_wanted:
            block = await response.content.readuntil(b"\n\n")
            assert block, f"the stream ended early: {frames}"
            frames.append(parse_frame(block.decode().rstrip("\n")))
    return frames


async def sse_rest(response: ClientResponse, seconds: float = 60) -> list[dict[str, Any]]:
    """Every frame until the server ends the stream."""
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(seconds):
        while block := await response.content.readuntil(b"\n\n"):
            frames.append(parse_frame(block.decode().rstrip("\n")))
    return frames


def sse_events(frames: list[dict[str, Any]]) -> list[tuple[int, str, dict[str, Any]]]:
    return [(int(f["id"]), f["event"], json.loads(f["data"])) for f in frames if is_event(f)]


async def stalled_sse_client(stack: Stack, path: str, headers: dict[str, str]) -> socket.socket:
    """An HTTP/1.1 (keep-alive) GET whose client never reads: a receive buffer as small as the
    kernel allows, so the server's writes soon stop being taken."""
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    client.setblocking(False)
    loop = asyncio.get_running_loop()
    server = stack.http.server
    await loop.sock_connect(client, (server.host, server.port))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"GET {path} HTTP/1.1\r\nHost: {server.host}\r\n{head}\r\n"
    await loop.sock_sendall(client, request.encode())
    return client


async def read_until_closed(client: socket.socket, seconds: float = 30) -> bytes:
    """Everything the server sent, once it closed the connection (fails after `seconds` when
    it keeps the connection open)."""
    loop = asyncio.get_running_loop()
    received = bytearray()
    async with asyncio.timeout(seconds):
        while True:
            try:
                chunk = await loop.sock_recv(client, 65536)
            except ConnectionResetError:
                return bytes(received)
            if not chunk:
                return bytes(received)
            received += chunk
