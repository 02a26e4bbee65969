"""The outbox dispatcher: sequencing, then delivery to the sinks, per stream and in order.

Two independent loops, both woken by `kick` (the unit of work's on_commit) and by a sweep every
`sweep_seconds` (rows of other processes, due retries, expired leases, a crash between commit
and kick):

* the **sequencer** stamps gap-free `seq`s (store.sequence), derives push rows, notifies, and
  pokes local watchers - the event log (SSE, WatchSession) never waits on a vendor;
* the **deliverer** leases due streams (at most `max_streams` at once), hands their rows to the
  sink that accepts each channel in `seq` order, and writes the results back. A transient
  failure stops its stream until the backoff is over (head-of-line keeps the order); a permanent
  one, or the last allowed attempt, makes the row DEAD and the stream goes on.

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
from mwf_core.ports.delivery import (
    DeliveryContext,
    DeliveryResult,
    EventSink,
    PushPlanner,
    Wakeups,
)
from mwf_core.ports.system import Clock

from .backoff import backoff_seconds
from .store import DEAD, DELIVERED, PENDING, OutboxStore, Outcome

log = logging.getLogger("mwf.outbox")

RECHECK_SKIPPED_SECONDS = 0.1
STOP_GRACE_SECONDS = 2.0  # stop() lets current database work finish this long before cancelling
FLUSH_EVERY = 20  # results written back at least every this many rows
PRUNE_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    max_attempts: int = 10
    backoff_base_ms: int = 1000
    backoff_max_ms: int = 300_000
    lease_seconds: float = 15.0
    sweep_seconds: float = 2.0
    retention_days: float = 7.0
    deliver_timeout: float = 10.0
    max_streams: int = 8
    batch: int = 50
    deliver: bool = True  # False: sequence only (another process delivers)

    @classmethod
    def from_settings(cls, settings: object, **overrides: object) -> DispatcherConfig:
        values: dict[str, object] = {
            "max_attempts": settings.mwf_outbox_max_attempts,  # type: ignore[attr-defined]
            "backoff_base_ms": settings.mwf_outbox_backoff_base_ms,  # type: ignore[attr-defined]
            "backoff_max_ms": settings.mwf_outbox_backoff_max_ms,  # type: ignore[attr-defined]
            "lease_seconds": settings.mwf_outbox_lease_seconds,  # type: ignore[attr-defined]
            "sweep_seconds": settings.mwf_outbox_sweep_seconds,  # type: ignore[attr-defined]
            "retention_days": settings.mwf_outbox_retention_days,  # type: ignore[attr-defined]
            "deliver": settings.mwf_dispatcher,  # type: ignore[attr-defined]
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


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
        self.sinks = list(sinks)
        self.clock = clock
        self.config = config or DispatcherConfig()
        self.planner = planner
        self.wakeups = wakeups
        self.instance_id = instance_id or secrets.token_hex(8)
        self._uniform = uniform
        self._sequence_wake = asyncio.Event()
        self._deliver_wake = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}
        self._lost: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._last_prune: datetime | None = None
        self._running = False
        self._stopping = asyncio.Event()

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
        self._tasks, self._active = [], {}

    async def close(self) -> None:
        """stop(), then close every sink."""
        await self.stop()
        for sink in self.sinks:
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
            asyncio.get_running_loop().call_later(
                RECHECK_SKIPPED_SECONDS, self._sequence_wake.set
            )
        return result.more

    async def sequence_all(self) -> None:
        while await self.sequence_once() and not self._stopping.is_set():
            pass

    async def deliver_once(self) -> int:
        """Claim what is due and work it to the end (tests; the loop uses workers)."""
        delivered = 0
        keys = await self._claim(self.config.max_streams)
        while keys:
            for key in keys:
                delivered += await self._work_stream(key)
            keys = await self._claim(self.config.max_streams)
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
                for key in await self._claim(free):
                    task = asyncio.create_task(self._worker(key), name=f"outbox:{key}")
                    self._active[key] = task
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: claiming streams failed (retried at the next sweep)")

    async def _renew_loop(self) -> None:
        period = max(self.config.lease_seconds / 3, 0.05)
        while self._running:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(period):
                    await self._stopping.wait()
            if not self._running:
                return
            keys = list(self._active)
            if not keys:
                continue
            try:
                kept = await self.store.renew(self.instance_id, keys, self._lease_until())
                self._lost.update(set(keys) - kept)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: renewing leases failed")

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

    async def _claim(self, limit: int) -> list[str]:
        return await self.store.claim(
            self.instance_id, self.clock.now(), self._lease_until(), limit
        )

    async def _worker(self, key: str) -> None:
        try:
            await self._work_stream(key)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox: delivering stream %s failed", key)
        finally:
            self._active.pop(key, None)
            self._deliver_wake.set()  # rows may have arrived while the lease was held

    async def _work_stream(self, key: str) -> int:
        """Deliver the stream's due rows in seq order; returns how many were delivered."""
        self._lost.discard(key)
        delivered = 0
        members: dict[str | None, tuple[str, ...]] = {}
        try:
            while key not in self._lost and not self._stopping.is_set():
                rows = await self.store.pending_rows(key, self.config.batch)
                if not rows:
                    break
                outcomes: list[Outcome] = []
                stop = False
                for event in rows:
                    if event.next_attempt_at is not None and (
                        event.next_attempt_at > self.clock.now()
                    ):
                        stop = True  # not due yet: nothing after it goes first
                        break
                    if event.session_id not in members:
                        members[event.session_id] = await self.store.members(event.session_id)
                    outcome = await self._deliver(event, members[event.session_id])
                    outcomes.append(outcome)
                    if outcome.status == DELIVERED:
                        delivered += 1
                    if outcome.status == PENDING:
                        stop = True  # head-of-line: the stream waits for this row
                        break
                    if len(outcomes) >= FLUSH_EVERY:
                        await self.store.record(outcomes, self.clock.now())
                        outcomes = []
                    if key in self._lost or self._stopping.is_set():
                        stop = True
                        break
                await self.store.record(outcomes, self.clock.now())
                if stop:
                    break
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.store.release(self.instance_id, key))
        return delivered

    def _sink_for(self, event: OutboxEvent) -> EventSink | None:
        for sink in self.sinks:
            if sink.accepts(event):
                return sink
        return None

    async def _deliver(self, event: OutboxEvent, members: tuple[str, ...]) -> Outcome:
        attempt = event.attempts + 1
        sink = self._sink_for(event)
        if sink is None:
            result = DeliveryResult(
                ok=False, error=f"no sink accepts channel {event.channel!r}", permanent=True
            )
        else:
            result = await self._call(sink, event, DeliveryContext(members, attempt))
        if result.ok:
            return Outcome(event.id, DELIVERED, attempt, error=result.note,
                           external_id=result.external_id)
        error = result.error or "delivery failed"
        if result.permanent or attempt >= self.config.max_attempts:
            log.warning("outbox: %s %s (%s) is DEAD after %d attempt(s): %s", event.name,
                        event.id, event.channel, attempt, error)
            return Outcome(event.id, DEAD, attempt, error=error)
        delay = result.retry_after
        if delay is None:
            delay = backoff_seconds(attempt, self.config.backoff_base_ms,
                                    self.config.backoff_max_ms, self._uniform)
        retry_at = self.clock.now() + timedelta(seconds=max(delay, 0.0))
        log.info("outbox: %s %s attempt %d failed (%s); retry in %.1fs", event.name, event.id,
                 attempt, error, delay)
        return Outcome(event.id, PENDING, attempt, error=error, next_attempt_at=retry_at)

    async def _call(
        self, sink: EventSink, event: OutboxEvent, ctx: DeliveryContext
    ) -> DeliveryResult:
        try:
            async with asyncio.timeout(self.config.deliver_timeout):
                return await sink.deliver(event, ctx)
        except TimeoutError:
            return DeliveryResult(
                ok=False, error=f"{sink.name}: no answer within {self.config.deliver_timeout:g}s"
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a sink breaking its contract still only delays the row
            log.exception("outbox: sink %s raised on %s", sink.name, event.id)
            return DeliveryResult(ok=False, error=f"{sink.name} raised: {exc!r}")
