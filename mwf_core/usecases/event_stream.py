"""Watching a session's live events without Ably (SSE `GET /sessions/:id/events`, gRPC
`RealtimeService.WatchSession`).

Business rules:
* Access as for the session state: 404 when the session does not exist, 403 unless the caller
  is a member with their own vessel (joined, not left).
* A viewer hears the session channel and their own user channel only. The partner's private
  events (on the partner's user channel) are never read from the database for them.
* Events come in `seq` order, each once per stream; a client that reconnects with the last seq
  it saw (SSE `Last-Event-ID`) gets everything after it and nothing twice. `after_seq` None
  means live events only; 0 means everything still kept.
* The first heartbeat carries the stream's cursor (the seq it starts after), so a client that
  leaves before its first event reconnects from there and misses nothing. Wakeups are
  subscribed before the cursor is read: an event committed in between is read, not lost.
* When retention already removed events the client has not seen, a `StreamReset` comes first:
  the client refetches the session state, then carries on with the events that follow; the
  reset carries the cursor to resume from too.
* Access is checked again every heartbeat interval, busy or idle, and before any event that
  can change who is in the session: a viewer who left (or whose session is gone) gets the
  Forbidden/NotFound then, and nothing after it. The checks only read (no write transaction),
  so many long-lived viewers never hold up writers.
* Rows the log cannot decode are skipped (the log warns once per stream): the cursor moves
  past them however many come in a row.
* Typing and presence events only matter live: replayed ones older than a few seconds are
  skipped.
* A heartbeat comes first, once access is granted, then every 15 s while nothing happens.
* Watching counts as being present in the session (stream presence), so the push sink does not
  also notify the watcher's phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from mwf_core.domain import events
from mwf_core.domain.records import User
from mwf_core.ports.delivery import EventLog, LoggedEvent, Wakeups

from .runtime import Dependencies
from .session_view import load_context

log = logging.getLogger("mwf.realtime")

BATCH = 200
HEARTBEAT_SECONDS = 15.0
PRESENCE_RENEW_SECONDS = 20.0
# A replayed typing/presence event older than this is stale news.
TRANSIENT_MAX_AGE = timedelta(seconds=10)
# Events written when someone joins, leaves or is refused: the viewer's access may have changed.
MEMBERSHIP_EVENTS = frozenset(
    {
        events.SESSION_JOINED,
        events.SESSION_ABANDONED,
        events.INVITATION_DECLINED,
    }
)


class SessionLog(EventLog, Protocol):
    async def latest_seq(self, session_id: str) -> int: ...


class Presence(Protocol):
    async def enter(self, session_id: str, user_id: str) -> None: ...

    async def renew(self, session_id: str, user_id: str) -> None: ...

    async def leave(self, session_id: str, user_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class StreamEvent:
    seq: int
    id: str
    name: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StreamHeartbeat:
    at: datetime
    # Every event up to here that the viewer may see was sent (or came before the stream).
    seq: int


@dataclass(frozen=True, slots=True)
class StreamReset:
    oldest_seq: int

    @property
    def seq(self) -> int:
        """The cursor after the reset: the stream goes on with the oldest event still kept."""
        return self.oldest_seq - 1


StreamItem = StreamEvent | StreamHeartbeat | StreamReset


def _event(row: LoggedEvent) -> StreamEvent:
    return StreamEvent(row.seq, row.id, row.name, row.payload, row.created_at)


class EventStreamUseCases:
    def __init__(
        self,
        deps: Dependencies,
        log: SessionLog,
        wakeups: Wakeups,
        presence: Presence | None = None,
        *,
        poll_seconds: float = 5.0,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        renew_seconds: float = PRESENCE_RENEW_SECONDS,
    ) -> None:
        self._deps = deps
        self._log = log
        self._wakeups = wakeups
        self._presence = presence
        self._poll = poll_seconds
        self._heartbeat = heartbeat_seconds
        self._renew = renew_seconds

    async def check_access(self, actor: User, session_id: str) -> None:
        async with self._deps.uow(read_only=True) as uow:
            await load_context(uow, session_id, actor)

    async def watch(
        self, actor: User, session_id: str, after_seq: int | None
    ) -> AsyncIterator[StreamItem]:
        """The stream; raises NotFound/Forbidden on the first read when access is refused, and
        later when the viewer loses access."""
        await self.check_access(actor, session_id)
        channels = (events.session_channel(session_id), events.user_channel(actor.id))
        # Subscribed before the cursor is read: an event stamped after the read pokes `woken`.
        async with self._wakeups.waiter(session_id) as woken:
            cursor = after_seq
            if cursor is None:
                cursor = await self._log.latest_seq(session_id)
            # At once, so a client (the SSE gateway) knows access was granted without waiting
            # for the first event, and has a cursor to reconnect with.
            yield StreamHeartbeat(self._deps.clock.now(), cursor)
            if after_seq is not None:
                oldest = await self._log.oldest_seq(session_id)
                if oldest is not None and after_seq < oldest - 1:
                    reset = StreamReset(oldest)
                    cursor = reset.seq
                    yield reset
            await self._enter(session_id, actor.id)
            try:
                async for item in self._follow(actor, session_id, channels, cursor, woken):
                    yield item
            finally:
                await self._leave(session_id, actor.id)

    async def _follow(
        self,
        actor: User,
        session_id: str,
        channels: Sequence[str],
        cursor: int,
        woken: asyncio.Event,
    ) -> AsyncIterator[StreamItem]:
        loop = asyncio.get_running_loop()
        last_sent = last_renewed = last_checked = loop.time()
        while True:
            woken.clear()  # before reading: a poke during the read is not lost
            page = await self._log.read(session_id, channels, cursor, BATCH)
            now = self._deps.clock.now()
            for row in page.events:
                if row.name in events.TRANSIENT and now - row.created_at > TRANSIENT_MAX_AGE:
                    continue
                if row.name in MEMBERSHIP_EVENTS:
                    # The event that took access away ends the stream: raised, not shown.
                    await self.check_access(actor, session_id)
                    last_checked = loop.time()
                yield _event(row)
                last_sent = loop.time()
            # Past unreadable and skipped rows too: they are never read again.
            cursor = max(cursor, page.scanned_to)
            if loop.time() - last_checked >= self._heartbeat:
                # Also while events keep coming: some losses of access leave no event the
                # viewer can read (the session was deleted, or the viewer left a session
                # nobody else had joined).
                await self.check_access(actor, session_id)
                last_checked = loop.time()
            if loop.time() - last_renewed >= self._renew:
                await self._renew_presence(session_id, actor.id)
                last_renewed = loop.time()
            if page.more:
                continue  # more to catch up on
            idle = loop.time() - last_sent
            if idle >= self._heartbeat:
                yield StreamHeartbeat(self._deps.clock.now(), cursor)
                last_sent = loop.time()
                idle = 0.0
            since_check = loop.time() - last_checked
            since_renew = loop.time() - last_renewed
            wait = max(
                0.0,
                min(
                    self._poll,
                    self._heartbeat - idle,
                    self._heartbeat - since_check,
                    self._renew - since_renew,
                ),
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), wait)

    async def _enter(self, session_id: str, user_id: str) -> None:
        if self._presence is None:
            return
        try:
            await self._presence.enter(session_id, user_id)
        except Exception:
            log.warning("stream presence: enter failed", exc_info=True)

    async def _renew_presence(self, session_id: str, user_id: str) -> None:
        if self._presence is None:
            return
        try:
            await self._presence.renew(session_id, user_id)
        except Exception:
            log.warning("stream presence: renew failed", exc_info=True)

    async def _leave(self, session_id: str, user_id: str) -> None:
        if self._presence is None:
            return
        try:
            # Runs after the cancellation that usually ends a stream (the client left); if it
            # is cut short too, the row simply expires.
            await self._presence.leave(session_id, user_id)
        except Exception:
            log.warning("stream presence: leave failed", exc_info=True)
