"""The event-stream use case (SSE / WatchSession) over in-memory fakes: access, the channels it
reads, resume after a seq, reset, stale typing events, live pokes, heartbeats and presence."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from mwf_core.adapters.realtime.pg_listener import stream_of
from mwf_core.adapters.realtime.wakeups import LocalWakeups
from mwf_core.domain import events
from mwf_core.domain.errors import Forbidden, NotFound
from mwf_core.domain.records import User
from mwf_core.ports.delivery import LoggedEvent, LogPage
from mwf_core.usecases.event_stream import (
    EventStreamUseCases,
    StreamEvent,
    StreamHeartbeat,
    StreamReset,
)

from .conftest import App

pytestmark = pytest.mark.timeout(30)


class FakeLog:
    def __init__(self) -> None:
        self.rows: list[LoggedEvent] = []
        self.reads: list[tuple[str, tuple[str, ...], int]] = []

    def add(self, app: App, session_id: str, channel: str, name: str, **payload: Any,
            ) -> LoggedEvent:
        seq = self.rows[-1].seq + 1 if self.rows else 1
        row = LoggedEvent(seq=seq, id=f"ev{seq}", channel=channel,
                          name=name, payload={"sessionId": session_id, **payload},
                          created_at=app.clock.now())
        self.rows.append(row)
        return row

    async def read(self, session_id: str, channels: Sequence[str], after_seq: int, limit: int
                   ) -> LogPage:
        self.reads.append((session_id, tuple(channels), after_seq))
        found = [r for r in self.rows if r.seq > after_seq and r.channel in channels][:limit]
        return LogPage(events=tuple(found), scanned_to=found[-1].seq if found else after_seq,
                       more=len(found) >= limit)

    async def oldest_seq(self, session_id: str) -> int | None:
        return self.rows[0].seq if self.rows else None

    async def latest_seq(self, session_id: str) -> int:
        return self.rows[-1].seq if self.rows else 0


class FakePresence:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    async def enter(self, session_id: str, user_id: str) -> None:
        self.calls.append(("enter", session_id, user_id))

    async def renew(self, session_id: str, user_id: str) -> None:
        self.calls.append(("renew", session_id, user_id))

    async def leave(self, session_id: str, user_id: str) -> None:
        self.calls.append(("leave", session_id, user_id))


def _stream(app: App, log: FakeLog, wakeups: LocalWakeups, presence: FakePresence,
            **options: float) -> EventStreamUseCases:
    return EventStreamUseCases(app.deps, log, wakeups, presence,
                               **{"poll_seconds": 60.0, **options})


async def _next(items: Any) -> Any:
    return await asyncio.wait_for(items.__anext__(), 10)


async def test_access_is_as_for_the_session_state(app: App, alice: User, bob: User,
                                                  carol: User, active: tuple[str, str]) -> None:
    stream = _stream(app, FakeLog(), LocalWakeups(), FakePresence())
    with pytest.raises(Forbidden):
        await _next(stream.watch(carol, active[0], None))
    with pytest.raises(NotFound):
        await _next(stream.watch(alice, "missing", None))
    assert isinstance(await _next(stream.watch(bob, active[0], None)), StreamHeartbeat)


async def test_resume_reads_only_the_viewers_channels(app: App, alice: User, bob: User,
                                                      active: tuple[str, str]) -> None:
    sid = active[0]
    log, wakeups, presence = FakeLog(), LocalWakeups(), FakePresence()
    log.add(app, sid, events.session_channel(sid), "a")
    log.add(app, sid, events.user_channel(bob.id), "private", content="BOB-ONLY")
    log.add(app, sid, events.user_channel(alice.id), "mine")
    log.add(app, sid, events.session_channel(sid), "b")
    items = _stream(app, log, wakeups, presence).watch(alice, sid, 1)
    assert isinstance(await _next(items), StreamHeartbeat)
    got = [await _next(items) for _ in range(2)]
    assert [(e.seq, e.name) for e in got] == [(3, "mine"), (4, "b")]
    assert all(set(r[1]) == {events.session_channel(sid), events.user_channel(alice.id)}
               for r in log.reads)
    # Live: a poke wakes the watcher; the cursor moved past Bob's row without showing it.
    log.add(app, sid, events.session_channel(sid), "live")
    wakeups.poke(sid)
    live = await _next(items)
    assert isinstance(live, StreamEvent) and (live.seq, live.name) == (5, "live")
    assert presence.calls[0] == ("enter", sid, alice.id)
    await items.aclose()
    assert presence.calls[-1] == ("leave", sid, alice.id)
    assert wakeups.watching(sid) == 0


async def test_reset_when_pruned_and_stale_typing_skipped(app: App, alice: User,
                                                          active: tuple[str, str]) -> None:
    sid = active[0]
    log = FakeLog()
    channel = events.session_channel(sid)
    for _ in range(3):
        log.add(app, sid, channel, "old")
    log.add(app, sid, channel, "typing.start")
    log.add(app, sid, channel, "kept")
    del log.rows[:2]  # retention removed seq 1 and 2
    app.clock.set(app.clock.now() + timedelta(minutes=1))
    log.add(app, sid, channel, "typing.stop")  # fresh: still worth showing
    items = _stream(app, log, LocalWakeups(), FakePresence()).watch(alice, sid, 1)
    assert isinstance(await _next(items), StreamHeartbeat)
    reset = await _next(items)
    assert isinstance(reset, StreamReset) and reset.oldest_seq == 3
    got = [await _next(items) for _ in range(3)]
    assert [(e.seq, e.name) for e in got] == [(3, "old"), (5, "kept"), (6, "typing.stop")]
    await items.aclose()


async def test_heartbeats_while_idle_and_live_only_start(app: App, alice: User,
                                                         active: tuple[str, str]) -> None:
    sid = active[0]
    log = FakeLog()
    log.add(app, sid, events.session_channel(sid), "before")
    items = _stream(app, log, LocalWakeups(), FakePresence(),
                    heartbeat_seconds=0.05).watch(alice, sid, None)
    kinds = [type(await _next(items)) for _ in range(3)]
    assert kinds == [StreamHeartbeat] * 3  # nothing from before the watch began
    await items.aclose()


def test_notification_payloads_name_their_stream() -> None:
    assert stream_of("s1:12") == "s1"
    assert stream_of("push:user_1:3") == "push:user_1"
    assert stream_of("garbage") is None and stream_of("s1:x") is None
