"""Local fan-out of "stream X advanced": the sequencer (same process) and the PostgreSQL
listener (other processes) poke; every watcher of that stream wakes up and reads the log.

A poke carries no data, so a lost or duplicated poke costs nothing but latency: the watchers
also read on a safety poll, and they always read by seq from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class LocalWakeups:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}

    def poke(self, stream_key: str) -> None:
        for event in self._waiters.get(stream_key, ()):
            event.set()

    def poke_all(self) -> None:
        """After the listener reconnects: NOTIFYs sent meanwhile were lost, so everyone reads."""
        for events in self._waiters.values():
            for event in events:
                event.set()

    def watching(self, stream_key: str | None = None) -> int:
        """Open waiters of one stream, or of all streams."""
        if stream_key is None:
            return sum(len(events) for events in self._waiters.values())
        return len(self._waiters.get(stream_key, ()))

    @contextlib.asynccontextmanager
    async def waiter(self, stream_key: str) -> AsyncIterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiters.setdefault(stream_key, set()).add(event)
        try:
            yield event
        finally:
            events = self._waiters.get(stream_key)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._waiters[stream_key]
