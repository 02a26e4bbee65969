"""The outbox dispatcher: sequencing, then delivery to the sinks, per stream and in order.

Two independent loops, both woken by `kick` (the unit of work's on_commit) and by a sweep every
`sweep_seconds` (rows of other processes, due retries, expired leases, a crash between commit
and kick):

* the **sequencer** stamps gap-free `seq`s (store.sequence), derives push rows, notifies, and
  pokes local watchers - the event log (SSE, WatchSession) never waits on a vendor;
* the **deliverer** leases due streams (at most `max_streams` at once), hands their rows to the
  sink that accepts each channel in `seq` order, and writes the results back. A transient
  failure stops its stream until the backoff is over (head-of-line keeps the order), for as
  long as the row is younger than `max_age_hours` (a vendor outage of hours loses nothing); a
  permanent failure, a row past that age, or a row that cannot be read (its payload cannot be
  decrypted) becomes DEAD and the stream goes on.

One stream, one worker: this process never starts a worker for a stream it still works on; a
worker starts a row only if the row can end WRITE_BACK_SECONDS before its lease does (the row's
time limit is cut to fit, and the sink is told that deadline), and a worker whose lease was not
renewed (taken over, or the renewal failed) stops before its next row. Another process takes a
stream only once its lease ran out, so two processes do not send one stream's rows at the same
time (leases.py).

Delivery is at least once, and a repeat carries the same id. The write-back is not bound to the
lease: a process killed between a vendor's ok and the write-back, or a write-back slower than
that margin (a stalled database), lets another process send the row again once the lease has
run out. Ably drops a message id it has accepted, Resend an Idempotency-Key it has seen; Expo
has no such key, so a push carries `data.eventId` for the app to drop a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from piccolo.engine.base import Engine

from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import EventSink, PushPlanner, Wakeups
from mwf_core.ports.system import Clock

from .config import DispatcherConfig
from .leases import LeaseKeeper, LeaseStore, StreamLease
from .rows import RowSender
from .store import DELIVERED, PENDING, OutboxStore, Outcome, UnreadableRow

__all__ = ["DispatcherConfig", "OutboxDispatcher", "StreamLease"]

log = logging.getLogger("mwf.outbox")

RECHECK_SKIPPED_SECONDS = 0.1
STOP_GRACE_SECONDS = 2.0  # stop() lets current database work finish this long before cancelling
FLUSH_EVERY = 20  # results written back at least every this many rows
PRUNE_EVERY_SECONDS = 60.0


class OutboxDispatcher:
    def __init__(
        self,
        engine: Engine,
        sinks: Sequence[EventSink],
        clock: Clock,
        config: DispatcherConfig | None = None,
        *,
        planner: PushPlanner | None = None,
        wakeups: Wakeups | None = None,
        instance_id: str | None = None,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        config = config or DispatcherConfig()
        self.store = OutboxStore(engine)
        self.clock = clock
        self._rows = RowSender(sinks, clock, config, uniform)
        self.planner = planner
        self.wakeups = wakeups
        self.instance_id = instance_id or secrets.token_hex(8)
        self.leases = LeaseKeeper(LeaseStore(engine), clock, self.instance_id, config)
        self._sequence_wake = asyncio.Event()
        self._deliver_wake = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}  # stream key -> its worker
        self._tasks: list[asyncio.Task[None]] = []
        self._last_prune: datetime | None = None
        self._running = False
        self._stopping = asyncio.Event()

    @property
    def config(self) -> DispatcherConfig:
        return self._rows.config

    @config.setter
    def config(self, value: DispatcherConfig) -> None:
        self._rows.config = value
        self.leases.config = value

    # ---- lifecycle ----
    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._stopping.clear()
        self._tasks = [asyncio.create_task(self._sequence_loop(), name="outbox-sequencer")]
        if self.config.deliver:
            self._tasks += [
                asyncio.create_task(self._deliver_loop(), name="outbox-deliverer"),
                asyncio.create_task(self.leases.renew_until(self._stopping), name="outbox-leases"),
            ]
        self._sequence_wake.set()  # whatever is waiting since the last run

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let the loops and stream workers finish what they are doing (each stops at its next
        row), cancel what is still busy after `grace` seconds (a vendor that hangs), and wait
        for all of them. A lease cut short runs out; its rows go again, with the same ids."""
        self._running = False
        self._sequence_wake.set()
        self._deliver_wake.set()
        self._stopping.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while True:
            # Again and again: a claim in flight may still start workers (they return at once).
            tasks = [t for t in (*self._tasks, *self._active.values()) if not t.done()]
            if not tasks:
                break
            remaining = deadline - loop.time()
            busy = set(tasks)
            if remaining > 0:
                _, busy = await asyncio.wait(tasks, timeout=remaining)
            for task in busy:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._tasks, self._active = [], {}
        self.leases.clear()

    async def close(self) -> None:
        """stop(), then close every sink."""
        await self.stop()
        for sink in self._rows.sinks:
            try:
                await sink.close()
            except Exception:
                log.exception("outbox: closing sink %s failed", getattr(sink, "name", sink))

    async def kick(self, events: Sequence[OutboxEvent] = ()) -> None:
        """The unit of work's on_commit: new rows are durable, go and sequence them."""
        self._sequence_wake.set()

    # ---- one-shot steps (the loops call these; tests drive them directly) ----
    async def sequence_once(self) -> bool:
        """One sequencing round; True when more work is waiting right now."""
        result = await self.store.sequence(self.planner)
        if result.streams:
            if self.wakeups is not None:
                for key in result.streams:
                    try:
                        self.wakeups.poke(key)
                    except Exception:
                        log.exception("outbox: poking watchers of %s failed", key)
            self._deliver_wake.set()
        if result.skipped:
            asyncio.get_running_loop().call_later(RECHECK_SKIPPED_SECONDS, self._sequence_wake.set)
        return result.more

    async def sequence_all(self) -> None:
        while await self.sequence_once() and not self._stopping.is_set():
            pass

    async def deliver_once(self) -> int:
        """Claim what is due and work it to the end (tests; the loop uses workers)."""
        delivered = 0
        leases = await self.leases.claim(self.config.max_streams)
        while leases:
            for lease in leases:
                delivered += await self._work_stream(lease)
            leases = await self.leases.claim(self.config.max_streams)
        return delivered

    async def run_once(self) -> int:
        await self.sequence_all()
        return await self.deliver_once()

    async def prune(self) -> int:
        cutoff = self.clock.now() - timedelta(days=self.config.retention_days)
        return await self.store.prune(cutoff)

    # ---- loops ----
    async def _sequence_loop(self) -> None:
        while self._running:
            await self._wait(self._sequence_wake)
            if not self._running:
                return
            try:
                await self.sequence_all()
                await self._maybe_prune()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: sequencing failed (retried at the next sweep)")

    async def _deliver_loop(self) -> None:
        while self._running:
            await self._wait(self._deliver_wake)
            if not self._running:
                return
            try:
                free = self.config.max_streams - len(self._active)
                for lease in await self.leases.claim(free, exclude=list(self._active)):
                    self._active[lease.key] = asyncio.create_task(
                        self._worker(lease), name=f"outbox:{lease.key}"
                    )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: claiming streams failed (retried at the next sweep)")

    async def _wait(self, wake: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.config.sweep_seconds):
                await wake.wait()
        wake.clear()

    async def _maybe_prune(self) -> None:
        now = self.clock.now()
        if self._last_prune is not None and (
            (now - self._last_prune).total_seconds() < PRUNE_EVERY_SECONDS
        ):
            return
        self._last_prune = now
        removed = await self.prune()
        if removed:
            log.info("outbox: removed %d delivered/dead rows past retention", removed)

    # ---- delivery ----
    async def _worker(self, lease: StreamLease) -> None:
        try:
            await self._work_stream(lease)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox: delivering stream %s failed", lease.key)
        finally:
            # Released (in _work_stream) before it leaves _active: only then may it be claimed.
            self._active.pop(lease.key, None)
            self._deliver_wake.set()  # rows may have arrived while the lease was held

    def _row_time(self, lease: StreamLease) -> float | None:
        """How long the next row may take (leases.py); None: stop before it."""
        return None if self._stopping.is_set() else self.leases.row_time(lease)

    async def _work_stream(self, lease: StreamLease) -> int:
        """Deliver the stream's due rows in seq order; returns how many were delivered."""
        delivered = 0
        members: dict[str | None, tuple[str, ...]] = {}
        try:
            while self._row_time(lease) is not None:
                rows = await self.store.pending_rows(lease.key, self.config.batch)
                if not rows:
                    break
                outcomes: list[Outcome] = []
                stop = False
                for row in rows:
                    budget = self._row_time(lease)
                    if budget is None:
                        stop = True
                        break
                    if isinstance(row, UnreadableRow):
                        outcome = self._rows.unreadable(row)
                    elif row.next_attempt_at is not None and row.next_attempt_at > self.clock.now():
                        stop = True  # not due yet: nothing after it goes first
                        break
                    else:
                        if row.session_id not in members:
                            members[row.session_id] = await self.store.members(row.session_id)
                        outcome = await self._rows.send(row, members[row.session_id], budget)
                    outcomes.append(outcome)
                    if outcome.status == DELIVERED:
                        delivered += 1
                    if outcome.status == PENDING:
                        stop = True  # head-of-line: the stream waits for this row
                        break
                    if len(outcomes) >= FLUSH_EVERY:
                        await self.store.record(outcomes, self.clock.now())
                        outcomes = []
                await self.store.record(outcomes, self.clock.now())
                if stop:
                    break
        finally:
            await self.leases.release(lease)
        return delivered
