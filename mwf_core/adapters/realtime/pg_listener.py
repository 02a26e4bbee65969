"""Cross-process fan-out on PostgreSQL: LISTEN on `mwf_events`, poke local watchers.

The sequencer of any process runs `pg_notify('mwf_events', '<stream_key>:<seq>')` in the
transaction that stamps the seq, so the notification arrives when it commits. One dedicated
asyncpg connection per process (not from the Piccolo pool: a pooled connection would be
handed to queries and lose its LISTEN). The callback only pokes - the watchers read the rows
themselves, by seq. When the connection drops, it reconnects with backoff and then pokes every
watcher, because notifications sent while it was away are gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from typing import Any

import asyncpg

from mwf_core.ports.delivery import NOTIFY_CHANNEL

from .wakeups import LocalWakeups

log = logging.getLogger("mwf.realtime")

# With the process id, so an operator (or a test) can tell the processes' listeners apart.
APPLICATION_NAME = f"mwf-listener-{os.getpid()}"
BACKOFF_FIRST = 0.2
BACKOFF_MAX = 10.0
# How often a quiet connection is checked (a dead TCP peer is not always reported at once).
PROBE_SECONDS = 10.0


def stream_of(payload: str) -> str | None:
    """`<stream_key>:<seq>` → stream_key (keys themselves may hold colons, e.g. push:u1)."""
    key, sep, seq = payload.rpartition(":")
    return key if sep and key and seq.isdigit() else None


class PgListener:
    def __init__(self, dsn: str, wakeups: LocalWakeups) -> None:
        self._dsn = dsn
        self._wakeups = wakeups
        self._task: asyncio.Task[None] | None = None
        self._connection: Any = None
        self.connected = asyncio.Event()
        self.connects = 0  # how many times it (re)connected

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mwf-pg-listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._close()

    async def wait_connected(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.connected.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        # Called by asyncpg on the event loop: poke only, never any I/O here.
        key = stream_of(payload)
        if key is not None:
            self._wakeups.poke(key)

    async def _run(self) -> None:
        delay = BACKOFF_FIRST
        while True:
            lost = asyncio.Event()
            try:
                self._connection = await asyncpg.connect(
                    self._dsn, timeout=10,
                    server_settings={"application_name": APPLICATION_NAME},
                )
                self._connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await self._connection.add_listener(NOTIFY_CHANNEL, self._notified)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.warning("realtime: LISTEN connection failed (%s); retrying in %.1f s",
                            err, delay)
                await self._close()
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(BACKOFF_MAX, delay * 2)
                continue
            self.connects += 1
            if self.connects > 1:
                log.info("realtime: LISTEN connection restored; waking every watcher")
            else:
                log.info("realtime: listening for %s notifications", NOTIFY_CHANNEL)
            delay = BACKOFF_FIRST
            self.connected.set()
            # Whatever was notified while we were not listening is lost: everyone reads.
            self._wakeups.poke_all()
            await self._until_lost(lost)
            self.connected.clear()
            log.warning("realtime: LISTEN connection lost; reconnecting")
            await self._close()

    async def _until_lost(self, lost: asyncio.Event) -> None:
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), PROBE_SECONDS)
                return
            try:
                await asyncio.wait_for(self._connection.execute("SELECT 1"), PROBE_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:
                return

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5)
