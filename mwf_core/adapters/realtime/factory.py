"""Live events without Ably: the event log, local wakeups, stream presence, and on PostgreSQL the
LISTEN connection that brings other processes' events (design issue 5, §7).

SQLite has no NOTIFY: watchers are poked by this process's sequencer and otherwise read on the
safety poll (MWF_STREAM_POLL_SECONDS), so several processes on one SQLite file see each other's
events with poll latency only.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from mwf_core.config import Settings
from mwf_core.usecases.event_stream import EventStreamUseCases
from mwf_core.usecases.runtime import Dependencies

from .event_log import PiccoloEventLog
from .pg_listener import PgListener
from .stream_presence import StreamPresence
from .wakeups import LocalWakeups

log = logging.getLogger("mwf.realtime")


@dataclass(slots=True)
class RealtimeBundle:
    log: PiccoloEventLog
    wakeups: LocalWakeups
    presence: StreamPresence
    listener: PgListener | None
    poll_seconds: float

    async def start(self) -> None:
        try:
            # Rows of processes that died without closing their streams (expired, so already
            # ignored by is_present; this only keeps the table small).
            await self.presence.forget_expired()
        except Exception:
            log.warning("stream presence: clearing expired rows failed", exc_info=True)
        if self.listener is not None:
            await self.listener.start()

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()

    def event_stream(self, deps: Dependencies) -> EventStreamUseCases:
        """The use case behind SSE and WatchSession (Container.event_stream)."""
        return EventStreamUseCases(deps, self.log, self.wakeups, self.presence,
                                   poll_seconds=self.poll_seconds)


def _is_postgres(url: str | None) -> bool:
    return bool(url) and url.split("://", 1)[0] in ("postgres", "postgresql")  # type: ignore[union-attr]


def build_realtime(s: Settings, engine: Any = None) -> RealtimeBundle:
    wakeups = LocalWakeups()
    listener = None
    if _is_postgres(s.database_url):
        listener = PgListener(str(s.database_url), wakeups)
        log.info("realtime streams: PostgreSQL LISTEN/NOTIFY across processes")
    else:
        log.info("realtime streams: in-process wakeups + %.1f s poll (SQLite)",
                 s.mwf_stream_poll_seconds)
    return RealtimeBundle(
        log=PiccoloEventLog(),
        wakeups=wakeups,
        presence=StreamPresence(instance_id=uuid.uuid4().hex[:16]),
        listener=listener,
        poll_seconds=s.mwf_stream_poll_seconds,
    )
