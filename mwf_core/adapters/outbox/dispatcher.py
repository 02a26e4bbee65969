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

One stream, one worker: this process never starts a worker for a stream it still works on, and
a worker only starts a row that, with its write-back, ends before the lease it holds does (the
row's timeout is cut to fit). A worker whose lease was not renewed (taken over, or the renewal
failed) stops before its next row. So another process, which can take the stream only once the
lease ran out, never delivers while this one still does.

Delivery is at least once: a process killed between a vendor's ok and the write-back sends the
row again (same id) once its lease runs out; Ably and Resend dedupe by that id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from piccolo.engine.base import Engine

from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import EventSink, PushPlanner, Wakeups
from mwf_core.ports.system import Clock

from .config import DispatcherConfig
from .rows import RowSender
from .store import DELIVERED, PENDING, OutboxStore, Outcome, UnreadableRow

__all__ = ["DispatcherConfig", "OutboxDispatcher", "StreamLease"]

log = logging.getLogger("mwf.outbox")

RECHECK_SKIPPED_SECONDS = 0.1
STOP_GRACE_SECONDS = 2.0  # stop() lets current database work finish this long before cancelling
FLUSH_EVERY = 20  # results written back at least every this many rows
PRUNE_EVERY_SECONDS = 60.0
# A row's delivery must end this long (at most a tenth of the lease) before the lease does, so
# its result is written back while the stream is still ours.
WRITE_BACK_SECONDS = 1.0


@dataclass(slots=True)
class StreamLease:
    """This process's hold on one stream: `until` is never later than the lease end stored in
    the database (it is set from the same value, and only after a renewal committed); `lost`
    once a renewal did not keep it."""

    key: str
    until: datetime
    lost: bool = False


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
        self.store = OutboxStore(engine)
        self.clock = clock
        self._rows = RowSender(sinks, clock, config or DispatcherConfig(), uniform)
        self.planner = planner
        self.wakeups = wakeups
        self.instance_id = instance_id or secrets.token_hex(8)
        self._sequence_wake = asyncio.Event()
        self._deliver_wake = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}  # stream key -> its worker
        self._leases: dict[str, StreamLease] = {}  # stream key -> the lease its worker holds
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
                asyncio.create_task(self._renew_loop(), name="outbox-leases"),
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
        self._tasks, self._active, self._leases = [], {}, {}

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
        leases = await self._claim(self.config.max_streams)
        while leases:
            for lease in leases:
                self._leases[lease.key] = lease
                try:
                    delivered += await self._work_stream(lease)
                finally:
                    self._leases.pop(lease.key, None)
            leases = await self._claim(self.config.max_streams)
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
                for lease in await self._claim(free):
                    self._leases[lease.key] = lease
                    self._active[lease.key] = asyncio.create_task(
                        self._worker(lease), name=f"outbox:{lease.key}"
                    )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: claiming streams failed (retried at the next sweep)")

    async def _renew_loop(self) -> None:
        # Every quarter lease: a renewed lease has at least 3/4 of its time left, so a row's
        # timeout is rarely cut below `deliver_timeout`.
        period = max(self.config.lease_seconds / 4, 0.05)
        while self._running:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(period):
                    await self._stopping.wait()
            if not self._running:
                return
            held = list(self._leases.values())
            if not held:
                continue
            until = self._lease_until()
            try:
                kept = await self.store.renew(self.instance_id, [h.key for h in held], until)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: renewing leases failed; their workers stop at the next row")
                kept = set()
            for lease in held:
                if lease.key in kept:
                    lease.until = until
                else:
                    lease.lost = True

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
    def _lease_until(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.config.lease_seconds)

    async def _claim(self, limit: int) -> list[StreamLease]:
        until = self._lease_until()
        keys = await self.store.claim(
            self.instance_id, self.clock.now(), until, limit, exclude=list(self._active)
        )
        return [StreamLease(key, until) for key in keys]

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
            self._leases.pop(lease.key, None)
            self._deliver_wake.set()  # rows may have arrived while the lease was held

    def _row_time(self, lease: StreamLease) -> float | None:
        """How long the next row may take so that it and its write-back end inside the lease;
        None: stop before it (lease lost or ending, or stop() called)."""
        if lease.lost or self._stopping.is_set():
            return None
        margin = min(WRITE_BACK_SECONDS, self.config.lease_seconds / 10)
        left = (lease.until - self.clock.now()).total_seconds() - margin
        return min(self.config.deliver_timeout, left) if left > 0 else None

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
            with contextlib.suppress(Exception):
                await asyncio.shield(self.store.release(self.instance_id, lease.key))
        return delivered
