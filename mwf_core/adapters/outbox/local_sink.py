"""Sinks for what has no vendor configured.

`LocalSink` takes realtime rows (`session:`/`user:`) when Ably is off: in-process subscribers
already got them from the broker at commit, and SSE / WatchSession read the sequenced log, so
there is nothing left to send. `LogSink` is the last resort for any channel: it logs the event
name and channel (never the payload, which may hold private words) and reports ok.
"""

from __future__ import annotations

import logging

from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult

log = logging.getLogger("mwf.outbox")


class LocalSink:
    name = "local"

    def accepts(self, event: OutboxEvent) -> bool:
        return events.is_realtime_channel(event.channel)

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        return DeliveryResult(ok=True, note="local: in-process broker and event log")

    async def close(self) -> None:
        return None


class LogSink:
    def __init__(self, name: str = "log", prefixes: tuple[str, ...] = ()) -> None:
        self.name = name
        self._prefixes = prefixes

    def accepts(self, event: OutboxEvent) -> bool:
        return not self._prefixes or event.channel.startswith(self._prefixes)

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        log.info(
            "outbox (%s): %s on %s (no sender configured)", self.name, event.name, event.channel
        )
        return DeliveryResult(ok=True, note=f"logged ({self.name}: no sender configured)")

    async def close(self) -> None:
        return None
