"""In-process event broker: the single-process default, and what tests subscribe to.

It is told about outbox events after their transaction commits. Subscribers get their own
bounded queue; a subscriber that falls behind loses its oldest events rather than slowing the
request that published them (the outbox rows stay in the database either way).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from mwf_core.domain.records import OutboxEvent

QUEUE_SIZE = 1000


class InProcessBroker:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[OutboxEvent]] = set()

    async def publish(self, events: Sequence[OutboxEvent]) -> None:
        for queue in list(self._subscribers):
            for event in events:
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[OutboxEvent]]:
        queue: asyncio.Queue[OutboxEvent] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
