"""GET /sessions/:id/events over the real stack, SQLite and PostgreSQL: SSE frames and headers,
gap-free resume with Last-Event-ID (header or query), keep-alive comments, reset after pruning,
and plain-JSON early errors."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
from aiohttp import ClientResponse

from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.domain import events
from mwf_core.usecases.event_stream import EventStreamUseCases

from .conftest import open_stack
from .harness import Stack, both_at_stage1
from .journey import deps_of
from .realtime_helpers import (
    add_event,
    close,
    eventually,
    is_event,
    last_seq,
    logged,
    parse_frame,
    sequence,
    sse_events,
    sse_frames,
    sse_rest,
    wire,
)
from .rest_helpers import user_id

pytestmark = pytest.mark.timeout(120)


async def _session(stack: Stack) -> str:
    ids = await both_at_stage1(stack)
    await sequence(stack)
    return ids["session_id"]


async def _open(
    stack: Stack,
    sid: str,
    user: str | None = "alice",
    headers: dict[str, str] | None = None,
    query: str = "",
) -> ClientResponse:
    return await stack.http.get(
        f"/api/sessions/{sid}/events{query}", headers={**stack.auth(user), **(headers or {})}
    )


async def test_frames_headers_and_a_live_event(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    before = await last_seq(sid)
    response = await _open(rt_stack, sid)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["Cache-Control"] == "no-cache, no-transform"
    assert response.headers["X-Accel-Buffering"] == "no"
    first = await response.content.readuntil(b"\n\n")
    assert first == b"retry: 3000\n\n"
    # Access granted; the id is the cursor a client without events reconnects with.
    assert await response.content.readuntil(b"\n\n") == f": keep-alive\nid: {before}\n\n".encode()
    await rt_stack.ok("POST", f"/api/sessions/{sid}/pause", "bob", {"reason": "tired"})
    await sequence(rt_stack)
    got = sse_events(await sse_frames(response, events_wanted=1))
    seq, name, data = got[0]
    assert (seq, name) == (before + 1, "session.paused")
    assert data["sessionId"] == sid and data["pausedBy"] == await user_id(rt_stack, "bob")
    assert isinstance(data["timestamp"], int)  # numbers stay integers through the Struct
    response.close()


async def test_resume_with_last_event_id_is_gap_free(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    channel = events.session_channel(sid)
    start = await last_seq(sid)
    for n in range(3):
        await add_event(rt_stack, sid, channel, "test.n", {"n": n})
    await sequence(rt_stack)
    response = await _open(rt_stack, sid, headers={"Last-Event-ID": str(start)})
    seen = sse_events(await sse_frames(response, events_wanted=2))
    response.close()  # the connection drops after two events
    last_id = seen[-1][0]
    for n in range(3, 6):
        await add_event(rt_stack, sid, channel, "test.n", {"n": n})
    await sequence(rt_stack)
    response = await _open(rt_stack, sid, headers={"Last-Event-ID": str(last_id)})
    remaining = 6 - len(seen)
    seen += sse_events(await sse_frames(response, events_wanted=remaining))
    response.close()
    assert [s for s, _, _ in seen] == list(range(start + 1, start + 7))  # no gap, no repeat
    assert [d["n"] for _, _, d in seen] == list(range(6))
    # The query parameter works too (clients that cannot set headers).
    response = await _open(rt_stack, sid, query=f"?lastEventId={start + 4}")
    again = sse_events(await sse_frames(response, events_wanted=2))
    response.close()
    assert [s for s, _, _ in again] == [start + 5, start + 6]


async def test_the_partners_private_events_stay_out_of_the_stream(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    bob = await user_id(rt_stack, "bob")
    start = await last_seq(sid)
    await add_event(
        rt_stack,
        sid,
        events.user_channel(bob),
        "message.ai_response",
        {"forUserId": bob, "content": "BOB-SECRET"},
    )
    await add_event(rt_stack, sid, events.session_channel(sid), "test.shared")
    await sequence(rt_stack)
    response = await _open(rt_stack, sid, "alice", headers={"Last-Event-ID": str(start)})
    frames = await sse_frames(response, events_wanted=1)
    response.close()
    assert sse_events(frames)[0][:2] == (start + 2, "test.shared")
    assert "BOB-SECRET" not in json.dumps(frames)


async def test_keep_alive_comments_while_idle(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    c = rt_stack.container
    c.event_stream = EventStreamUseCases(
        deps_of(rt_stack),
        c.realtime.log,
        c.realtime.wakeups,
        c.realtime.presence,
        heartbeat_seconds=0.2,
    )
    response = await _open(rt_stack, sid)
    comments = 0
    async with asyncio.timeout(30):
        while comments < 4:
            block = await response.content.readuntil(b"\n\n")
            comments += block.startswith(b": keep-alive\n")
    response.close()


async def test_a_client_that_hangs_up_ends_the_watch(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    alice = await user_id(rt_stack, "alice")
    c = rt_stack.container
    # Quick heartbeats: the test server notices a gone client on its next write.
    c.event_stream = EventStreamUseCases(
        deps_of(rt_stack),
        c.realtime.log,
        c.realtime.wakeups,
        c.realtime.presence,
        heartbeat_seconds=0.2,
    )
    presence = c.realtime.presence
    response = await _open(rt_stack, sid)
    assert await response.content.readuntil(b"\n\n") == b"retry: 3000\n\n"
    await eventually(lambda: presence.is_present(sid, alice))
    response.close()

    async def watch_ended() -> bool:  # the gRPC call was cancelled and cleaned up after itself
        return not await presence.is_present(sid, alice)

    await eventually(watch_ended)


async def test_reset_after_pruning(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    for n in range(3):
        await add_event(rt_stack, sid, events.session_channel(sid), "test.n", {"n": n})
    await sequence(rt_stack)
    rows = await logged(sid)
    keep_from = int(rows[-1]["seq"])
    await (
        OutboxTable.delete()
        .where((OutboxTable.stream_key == sid) & (OutboxTable.seq < keep_from))
        .run()
    )
    response = await _open(rt_stack, sid, headers={"Last-Event-ID": "1"})
    frames = await sse_frames(response, events_wanted=1)
    response.close()
    resets = [f for f in frames if f.get("event") == "reset"]
    assert len(resets) == 1 and json.loads(resets[0]["data"]) == {"oldestSeq": keep_from}
    assert int(resets[0]["id"]) == keep_from - 1  # where a reconnect resumes
    assert sse_events(frames)[0][0] == keep_from


async def test_early_errors_are_plain_json(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    cases = [
        (None, sid, {}, 401, "Authentication required"),
        ("carol", sid, {}, 403, None),
        ("alice", "no-such-session", {}, 404, "Session not found"),
        ("alice", "bad%20id", {}, 404, "Session not found"),
        ("alice", sid, {"Last-Event-ID": "abc"}, 400, "Invalid request"),
    ]
    for user, session_id, headers, status, text in cases:
        response = await _open(rt_stack, session_id, user, headers)
        body = await response.json()
        assert response.status == status, (user, session_id, body)
        assert "success" not in body and isinstance(body["error"], str)
        if text is not None:
            assert body["error"] == text


async def test_encrypted_payloads_are_streamed_as_plaintext(db_url: str, tmp_path: Path) -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    stack = await open_stack(db_url, tmp_path, field_encryption_key=key)
    started = await wire(stack)
    try:
        sid = await _session(stack)
        alice = await user_id(stack, "alice")
        start = await last_seq(sid)
        await add_event(
            stack,
            sid,
            events.user_channel(alice),
            "message.ai_response",
            {"forUserId": alice, "content": "private words"},
        )
        await sequence(stack)
        stored = (
            await OutboxTable.select(OutboxTable.payload)
            .where((OutboxTable.stream_key == sid) & (OutboxTable.seq == start + 1))
            .run()
        )
        assert "private words" not in str(stored) and "enc:v1:" in str(stored)
        response = await _open(stack, sid, headers={"Last-Event-ID": str(start)})
        got = sse_events(await sse_frames(response, events_wanted=1))
        response.close()
        assert got[0][2]["content"] == "private words"
    finally:
        await close(stack, started)


async def test_a_client_without_events_resumes_from_the_opening_id(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    before = await last_seq(sid)
    response = await _open(rt_stack, sid)
    assert await response.content.readuntil(b"\n\n") == b"retry: 3000\n\n"
    cursor = parse_frame((await response.content.readuntil(b"\n\n")).decode().rstrip("\n"))
    assert int(cursor["id"]) == before
    response.close()  # gone before any event arrived
    for n in range(3):
        await add_event(rt_stack, sid, events.session_channel(sid), "test.gap", {"n": n})
    await sequence(rt_stack)
    response = await _open(rt_stack, sid, headers={"Last-Event-ID": cursor["id"]})
    got = sse_events(await sse_frames(response, events_wanted=3))
    await add_event(rt_stack, sid, events.session_channel(sid), "test.live")
    await sequence(rt_stack)
    got += sse_events(await sse_frames(response, events_wanted=1))
    response.close()
    assert [(s, d.get("n")) for s, _, d in got] == [
        (before + 1, 0),
        (before + 2, 1),
        (before + 3, 2),
        (before + 4, None),
    ]


async def test_leaving_ends_the_stream_with_an_error_event(rt_stack: Stack) -> None:
    sid = await _session(rt_stack)
    response = await _open(rt_stack, sid, "alice")
    assert response.status == 200
    assert await response.content.readuntil(b"\n\n") == b"retry: 3000\n\n"
    await rt_stack.ok("DELETE", f"/api/sessions/{sid}", "alice")
    await sequence(rt_stack)
    frames = await sse_rest(response)
    assert not [f for f in frames if is_event(f)]  # not even the news of her own leaving
    error = frames[-1]
    assert error["event"] == "error"
    assert json.loads(error["data"])["code"] == "FORBIDDEN"
    assert json.loads(error["data"])["retryable"] is False
