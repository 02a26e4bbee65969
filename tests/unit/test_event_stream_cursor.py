"""The event-stream use case's cursor and mid-stream access checks, over in-memory fakes: the
opening heartbeat says where to resume (also from an empty log), a reset says it too, and a
viewer who leaves is refused at the membership event or within a heartbeat interval, busy or
idle."""

from __future__ import annotations

import asyncio

import pytest

from mwf_core.adapters.realtime.wakeups import LocalWakeups
from mwf_core.domain import events
from mwf_core.domain.errors import Forbidden
from mwf_core.domain.records import User
from mwf_core.usecases.event_stream import StreamEvent, StreamHeartbeat, StreamReset

from .conftest import App
from .test_event_stream import FakeLog, FakePresence, _next, _stream

pytestmark = pytest.mark.timeout(30)


async def test_a_watcher_without_events_resumes_from_the_opening_cursor(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    log, wakeups = FakeLog(), LocalWakeups()
    stream = _stream(app, log, wakeups, FakePresence())
    items = stream.watch(alice, sid, None)
    opening = await _next(items)
    assert isinstance(opening, StreamHeartbeat) and opening.seq == 0  # nothing logged yet
    await items.aclose()  # gone before any event
    for name in ("first", "second"):
        log.add(app, sid, events.session_channel(sid), name)
    items = stream.watch(alice, sid, opening.seq)
    assert isinstance(await _next(items), StreamHeartbeat)
    got = [await _next(items) for _ in range(2)]
    assert [(e.seq, e.name) for e in got] == [(1, "first"), (2, "second")]
    await items.aclose()


async def test_the_cursor_is_read_after_subscribing(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    log, wakeups = FakeLog(), LocalWakeups()
    log.add(app, sid, events.session_channel(sid), "before")
    items = _stream(app, log, wakeups, FakePresence()).watch(alice, sid, None)
    opening = await _next(items)
    assert opening.seq == 1
    assert wakeups.watching(sid) == 1  # already listening when the cursor was taken
    log.add(app, sid, events.session_channel(sid), "after")
    wakeups.poke(sid)
    live = await _next(items)
    assert isinstance(live, StreamEvent) and (live.seq, live.name) == (2, "after")
    await items.aclose()


async def test_a_reset_carries_the_cursor_to_resume_from(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    log = FakeLog()
    for _ in range(4):
        log.add(app, sid, events.session_channel(sid), "e")
    del log.rows[:2]  # retention removed seq 1 and 2
    items = _stream(app, log, LocalWakeups(), FakePresence()).watch(alice, sid, 0)
    assert (await _next(items)).seq == 0
    reset = await _next(items)
    assert isinstance(reset, StreamReset) and (reset.oldest_seq, reset.seq) == (3, 2)
    await items.aclose()


async def test_leaving_is_refused_at_the_event_that_says_so(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    log, wakeups = FakeLog(), LocalWakeups()
    items = _stream(app, log, wakeups, FakePresence()).watch(alice, sid, None)
    await _next(items)
    log.add(app, sid, events.session_channel(sid), "before.leaving")
    await app.lifecycle.leave(alice, sid)
    log.add(app, sid, events.session_channel(sid), events.SESSION_ABANDONED)
    log.add(app, sid, events.session_channel(sid), "after.leaving")
    wakeups.poke(sid)
    assert (await _next(items)).name == "before.leaving"
    with pytest.raises(Forbidden):
        await _next(items)


async def test_leaving_without_an_event_is_refused_at_the_next_heartbeat(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    presence = FakePresence()
    items = _stream(app, FakeLog(), LocalWakeups(), presence, heartbeat_seconds=0.05).watch(
        alice, sid, None
    )
    assert isinstance(await _next(items), StreamHeartbeat)
    assert isinstance(await _next(items), StreamHeartbeat)  # still a member
    await app.lifecycle.leave(alice, sid)
    with pytest.raises(Forbidden):
        while True:
            assert isinstance(await _next(items), StreamHeartbeat)
    assert presence.calls[-1] == ("leave", sid, alice.id)  # the watch cleaned up after itself


async def test_losing_access_while_events_keep_coming_is_noticed(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    log, wakeups = FakeLog(), LocalWakeups()
    stream = _stream(app, log, wakeups, FakePresence(), heartbeat_seconds=0.2)
    items = stream.watch(alice, sid, None)
    assert isinstance(await _next(items), StreamHeartbeat)
    await app.lifecycle.leave(alice, sid)  # nothing on this log says so
    with pytest.raises(Forbidden):
        async with asyncio.timeout(10):
            while True:  # never idle long enough for a heartbeat
                log.add(app, sid, events.session_channel(sid), "busy")
                wakeups.poke(sid)
                assert isinstance(await _next(items), StreamEvent)
