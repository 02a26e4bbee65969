"""RealtimeService.WatchSession over the real stack, SQLite and PostgreSQL: replay after a seq,
live events, the partner's private events never shown, pruned history → reset, stream presence,
and the access matrix."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.domain import events

from .conftest import open_stack
from .harness import Stack, both_at_stage1, stage0_to_invited
from .realtime_helpers import (
    add_event,
    close,
    event_items,
    eventually,
    last_seq,
    logged,
    read_items,
    sequence,
    watch,
    wire,
)
from .rest_helpers import user_id

pytestmark = pytest.mark.timeout(120)


async def _pair(stack: Stack) -> tuple[str, str, str]:
    ids = await both_at_stage1(stack)
    await sequence(stack)
    return ids["session_id"], await user_id(stack, "alice"), await user_id(stack, "bob")


async def test_replay_after_a_seq_then_live_events(rt_stack: Stack) -> None:
    sid, _, _ = await _pair(rt_stack)
    channel = events.session_channel(sid)
    for n in range(3):
        await add_event(rt_stack, sid, channel, "test.replayed", {"n": n})
    await sequence(rt_stack)
    rows = await logged(sid)
    start = int(rows[-3]["seq"]) - 1  # the client saw everything before the three
    call = watch(rt_stack, "alice", sid, after_seq=start)
    first = await call.read()
    assert first.WhichOneof("item") == "heartbeat"  # access granted, at once
    replayed = event_items(await read_items(call, events=3))
    assert [e.seq for e in replayed] == [start + 1, start + 2, start + 3]
    assert [e.payload["n"] for e in replayed] == [0, 1, 2]
    assert replayed[0].id == rows[-3]["id"] and replayed[0].name == "test.replayed"
    assert replayed[0].payload["sessionId"] == sid
    # Live: written after the call started, by a real use case (POST /pause).
    await rt_stack.ok("POST", f"/api/sessions/{sid}/pause", "bob", {"reason": "tired"})
    await sequence(rt_stack)
    live = event_items(await read_items(call, events=1))
    assert live[0].name == "session.paused" and live[0].seq == start + 4
    assert live[0].payload["pausedBy"] == await user_id(rt_stack, "bob")
    call.cancel()


async def test_live_only_without_a_seq(rt_stack: Stack) -> None:
    sid, _, _ = await _pair(rt_stack)
    await add_event(rt_stack, sid, events.session_channel(sid), "test.old")
    await sequence(rt_stack)
    before = await last_seq(sid)
    call = watch(rt_stack, "alice", sid)
    assert (await call.read()).WhichOneof("item") == "heartbeat"
    await add_event(rt_stack, sid, events.session_channel(sid), "test.new")
    await sequence(rt_stack)
    got = event_items(await read_items(call, events=1))
    assert [(e.seq, e.name) for e in got] == [(before + 1, "test.new")]
    call.cancel()


async def test_the_partners_private_events_are_never_shown(rt_stack: Stack) -> None:
    sid, alice, bob = await _pair(rt_stack)
    start = await last_seq(sid)
    await add_event(
        rt_stack,
        sid,
        events.user_channel(bob),
        "message.ai_response",
        {"forUserId": bob, "content": "BOB-SECRET"},
    )
    await add_event(
        rt_stack,
        sid,
        events.user_channel(alice),
        "message.ai_response",
        {"forUserId": alice, "content": "alice-own"},
    )
    await add_event(rt_stack, sid, events.session_channel(sid), "test.shared")
    await sequence(rt_stack)
    alice_call = watch(rt_stack, "alice", sid, after_seq=start)
    bob_call = watch(rt_stack, "bob", sid, after_seq=start)
    seen_by_alice = event_items(await read_items(alice_call, events=2))
    seen_by_bob = event_items(await read_items(bob_call, events=2))
    assert [e.name for e in seen_by_alice] == ["message.ai_response", "test.shared"]
    assert seen_by_alice[0].payload["content"] == "alice-own"
    assert [e.seq for e in seen_by_alice] == [start + 2, start + 3]  # start+1 is Bob's
    assert "BOB-SECRET" not in str(seen_by_alice)
    assert seen_by_bob[0].payload["content"] == "BOB-SECRET"
    assert [e.seq for e in seen_by_bob] == [start + 1, start + 3]
    # Live, after the cursor skipped Bob's row: Alice still hears only what is hers to hear.
    await add_event(rt_stack, sid, events.user_channel(bob), "test.private", {"x": "BOB-2"})
    await add_event(rt_stack, sid, events.session_channel(sid), "test.after")
    await sequence(rt_stack)
    live = event_items(await read_items(alice_call, events=1))
    assert [e.name for e in live] == ["test.after"]
    for call in (alice_call, bob_call):
        call.cancel()


async def test_stale_typing_events_are_not_replayed(rt_stack: Stack) -> None:
    sid, _, _ = await _pair(rt_stack)
    start = await last_seq(sid)
    channel = events.session_channel(sid)
    await add_event(rt_stack, sid, channel, "typing.start", age=60)
    await add_event(rt_stack, sid, channel, "test.kept", age=60)
    await add_event(rt_stack, sid, channel, "typing.stop")
    await sequence(rt_stack)
    call = watch(rt_stack, "alice", sid, after_seq=start)
    got = event_items(await read_items(call, events=2))
    assert [(e.seq, e.name) for e in got] == [(start + 2, "test.kept"), (start + 3, "typing.stop")]
    call.cancel()


async def test_pruned_history_sends_a_reset_first(rt_stack: Stack) -> None:
    sid, _, _ = await _pair(rt_stack)
    for n in range(4):
        await add_event(rt_stack, sid, events.session_channel(sid), "test.kept", {"n": n})
    await sequence(rt_stack)
    rows = await logged(sid)
    # Retention removed everything but the last two rows.
    keep_from = int(rows[-2]["seq"])
    await (
        OutboxTable.delete()
        .where((OutboxTable.stream_key == sid) & (OutboxTable.seq < keep_from))
        .run()
    )
    call = watch(rt_stack, "alice", sid, after_seq=1)
    items = await read_items(call, events=2)
    kinds = [i.WhichOneof("item") for i in items]
    assert kinds[:2] == ["heartbeat", "reset"]
    assert items[1].reset.oldest_seq == keep_from
    assert [e.seq for e in event_items(items)] == [keep_from, keep_from + 1]
    call.cancel()
    # A client that is not behind gets no reset.
    call = watch(rt_stack, "alice", sid, after_seq=keep_from - 1)
    items = await read_items(call, events=2)
    assert "reset" not in [i.WhichOneof("item") for i in items]
    call.cancel()


async def test_watching_counts_as_present(rt_stack: Stack) -> None:
    sid, alice, bob = await _pair(rt_stack)
    presence = rt_stack.container.realtime.presence
    assert not await presence.is_present(sid, alice)
    call = watch(rt_stack, "alice", sid)
    assert (await call.read()).WhichOneof("item") == "heartbeat"
    await eventually(lambda: presence.is_present(sid, alice))
    assert not await presence.is_present(sid, bob)
    call.cancel()

    async def gone() -> bool:
        return not await presence.is_present(sid, alice)

    await eventually(gone)


async def test_access_matrix(rt_stack: Stack) -> None:
    sid, _, _ = await _pair(rt_stack)
    for user in ("alice", "bob"):
        call = watch(rt_stack, user, sid)
        assert (await call.read()).WhichOneof("item") == "heartbeat"
        call.cancel()
    expected = [
        ("carol", sid, grpc.StatusCode.PERMISSION_DENIED),
        (None, sid, grpc.StatusCode.UNAUTHENTICATED),
        ("alice", "no-such-session", grpc.StatusCode.NOT_FOUND),
    ]
    for user, session_id, code in expected:
        call = watch(rt_stack, user, session_id)
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call.read()
        assert failure.value.code() == code, (user, session_id)


async def test_an_invitee_who_has_not_joined_is_refused(rt_stack: Stack) -> None:
    ids = await stage0_to_invited(rt_stack)
    call = watch(rt_stack, "bob", ids["session_id"])
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call.read()
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_client_without_events_resumes_from_the_opening_cursor(rt_stack: Stack) -> None:
    sid, _, _ = await _pair(rt_stack)
    before = await last_seq(sid)
    call = watch(rt_stack, "alice", sid)
    opening = await call.read()
    assert opening.heartbeat.seq == before
    call.cancel()  # gone before any event arrived
    await rt_stack.ok("POST", f"/api/sessions/{sid}/pause", "bob", {"reason": "tired"})
    for n in range(3):
        await add_event(rt_stack, sid, events.session_channel(sid), "test.gap", {"n": n})
    await sequence(rt_stack)
    call = watch(rt_stack, "alice", sid, after_seq=opening.heartbeat.seq)
    replayed = event_items(await read_items(call, events=4))
    assert [e.seq for e in replayed] == [before + 1, before + 2, before + 3, before + 4]
    assert [e.name for e in replayed] == ["session.paused"] + ["test.gap"] * 3
    # Then live, with nothing repeated from the replay.
    await add_event(rt_stack, sid, events.session_channel(sid), "test.live")
    await sequence(rt_stack)
    live = event_items(await read_items(call, events=1))
    assert [(e.seq, e.name) for e in live] == [(before + 5, "test.live")]
    call.cancel()


async def test_leaving_ends_the_stream(rt_stack: Stack) -> None:
    sid, _, _ = await _pair(rt_stack)
    alice_call = watch(rt_stack, "alice", sid)
    bob_call = watch(rt_stack, "bob", sid)
    for call in (alice_call, bob_call):
        assert (await call.read()).WhichOneof("item") == "heartbeat"
    await rt_stack.ok("DELETE", f"/api/sessions/{sid}", "alice")
    await sequence(rt_stack)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await read_items(alice_call, events=1)
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # The partner stays and hears about it.
    seen_by_bob = event_items(await read_items(bob_call, events=1))
    assert seen_by_bob[0].name == "session.abandoned"
    bob_call.cancel()


async def test_leaving_a_session_nobody_joined_ends_the_stream_at_the_heartbeat(
    db_url: str, tmp_path: Path
) -> None:
    stack = await open_stack(db_url, tmp_path)
    started = await wire(stack, heartbeat_seconds=0.2)
    try:
        ids = await stage0_to_invited(stack)
        sid = ids["session_id"]
        # The set-up's events get their seq first: one sequenced after the watch's cursor
        # would rightly arrive live, and this test is about a stream with nothing to tell.
        await sequence(stack)
        call = watch(stack, "alice", sid)
        assert (await call.read()).WhichOneof("item") == "heartbeat"
        # No partner: leaving writes no event the watcher could read.
        await stack.ok("DELETE", f"/api/sessions/{sid}", "alice")
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            async with asyncio.timeout(30):
                while True:
                    assert (await call.read()).WhichOneof("item") == "heartbeat"
        assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    finally:
        await close(stack, started)
