"""What the delivery benchmark times: when each named event reached a subscriber.

`Arrivals` stamps every event as it arrives (perf_counter, in the benchmark's process) and lets
a writer wait for the next one of a name. `SseSubscriber` feeds it from a server-sent-event
response, parsing frames the way a browser does (comments and heartbeats skipped, `retry:`
ignored, several `data:` lines joined), so changes to the opening frames do not matter.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp


@dataclass(frozen=True)
class Arrival:
    name: str
    at: float  # perf_counter


@dataclass
class Arrivals:
    seen: list[Arrival] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, name: str) -> None:
        self.seen.append(Arrival(name, time.perf_counter()))
        self._changed.set()

    def mark(self) -> int:
        """Where to look from for the next write's event."""
        return len(self.seen)

    async def wait_for(self, name: str, since: int, seconds: float) -> float:
        """The arrival time of the first `name` seen after `since`."""
        async with asyncio.timeout(seconds):
            while True:
                for arrival in self.seen[since:]:
                    if arrival.name == name:
                        return arrival.at
                self._changed.clear()
                await self._changed.wait()


@dataclass(frozen=True)
class SseFrame:
    event: str
    id: str | None
    data: str


def parse_sse_line(line: str, pending: dict[str, list[str]]) -> SseFrame | None:
    """Adds one line to the frame being read; returns the frame when a blank line ends it."""
    if not line:
        if not pending.get("data") and not pending.get("event"):
            pending.clear()
            return None  # a comment-only or retry-only block
        frame = SseFrame(
            event=(pending.get("event") or ["message"])[-1],
            id=(pending.get("id") or [None])[-1],
            data="\n".join(pending.get("data", [])),
        )
        pending.clear()
        return frame
    if line.startswith(":"):
        return None  # heartbeat or comment
    name, _, value = line.partition(":")
    pending.setdefault(name, []).append(value.removeprefix(" "))
    return None


class SseSubscriber:
    """Reads one `GET /api/sessions/:id/events` response in a task, into `arrivals`."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.arrivals = Arrivals()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        pending: dict[str, list[str]] = {}
        async for raw in self.response.content:
            frame = parse_sse_line(raw.decode().rstrip("\r\n"), pending)
            if frame is not None:
                self.arrivals.record(frame.event)

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        self.response.close()


async def subscribe(open_stream: Callable[[], Awaitable[aiohttp.ClientResponse]]) -> SseSubscriber:
    response = await open_stream()
    if response.status != 200:
        raise RuntimeError(f"event stream: HTTP {response.status}: {await response.text()}")
    return SseSubscriber(response)
