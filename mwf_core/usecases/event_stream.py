"""Watching a session's live events without Ably (SSE `GET /sessions/:id/events`, gRPC
`RealtimeService.WatchSession`).

Business rules:
* Access as for the session state: 404 when the session does not exist, 403 unless the caller
  is a member with their own vessel (joined, not left).
* A viewer hears the session channel and their own user channel only. The partner's private
  events (on the partner's user channel) are never read from the database for them.
* Events come in `seq` order, each once per stream; a client that reconnects with the last seq
  it saw (SSE `Last-Event-ID`) gets everything after it and nothing twice. `after_seq` None or
  0 means live events only.
* When retention already removed events the client has not seen, a `StreamReset` comes first:
  the client refetches the session state, then carries on with the events that follow.
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
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction
from .session_view import load_context

log = logging.getLogger("mwf.realtime")

BATCH = 200
HEARTBEAT_SECONDS = 15.0
PRESENCE_RENEW_SECONDS = 20.0
# A replayed typing/presence event older than this is stale news.
TRANSIENT_MAX_AGE = timedelta(seconds=10)


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


@dataclass(frozen=True, slots=True)
class StreamReset:
    oldest_seq: int


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
        async def work(uow: UnitOfWork) -> None:
            await load_context(uow, session_id, actor)

        await in_transaction(self._deps.uow, work)

    async def watch(
        self, actor: User, session_id: str, after_seq: int | None
    ) -> AsyncIterator[StreamItem]:
        """The stream; raises NotFound/Forbidden on the first read when access is refused."""
        await self.check_access(actor, session_id)
        # At once, so a client (the SSE gateway) knows access was granted without waiting for
        # the first event.
        yield StreamHeartbeat(self._deps.clock.now())
        channels = (events.session_channel(session_id), events.user_channel(actor.id))
        async with self._wakeups.waiter(session_id) as woken:
            if after_seq:
                cursor = after_seq
                oldest = await self._log.oldest_seq(session_id)
                if oldest is not None and after_seq < oldest - 1:
                    yield StreamReset(oldest)
            else:
                cursor = await self._log.latest_seq(session_id)
            await self._enter(session_id, actor.id)
            try:
                async for item in self._follow(session_id, actor.id, channels, cursor, woken):
                    yield item
            finally:
                await self._leave(session_id, actor.id)

    async def _follow(
        self, session_id: str, user_id: str, channels: Sequence[str], cursor: int,
        woken: asyncio.Event,
    ) -> AsyncIterator[StreamItem]:
        loop = asyncio.get_running_loop()
        last_sent = last_renewed = loop.time()
        while True:
            woken.clear()  # before reading: a poke during the read is not lost
            rows = await self._log.read(session_id, channels, cursor, BATCH)
            now = self._deps.clock.now()
            for row in rows:
                cursor = row.seq
                if row.name in events.TRANSIENT and now - row.created_at > TRANSIENT_MAX_AGE:
                    continue
                yield _event(row)
                last_sent = loop.time()
            if loop.time() - last_renewed >= self._renew:
                await self._renew_presence(session_id, user_id)
                last_renewed = loop.time()
            if len(rows) >= BATCH:
                continue  # more to catch up on
            idle = loop.time() - last_sent
            if idle >= self._heartbeat:
                yield StreamHeartbeat(self._deps.clock.now())
                last_sent = loop.time()
                idle = 0.0
            wait = max(0.0, min(self._poll, self._heartbeat - idle,
                                self._renew - (loop.time() - last_renewed)))
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
