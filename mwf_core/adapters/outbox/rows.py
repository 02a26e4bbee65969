"""One row's attempt: the sink of its channel, a timeout, and what to write back.

A failure is transient unless the sink says it is permanent. A transient one is retried after
`backoff_seconds` (or the vendor's Retry-After) until the row is older than `max_age_hours`:
the attempt count only paces the backoff, so an outage of hours costs no event. A row that
cannot be read (its payload cannot be decrypted) is DEAD without being sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult, EventSink
from mwf_core.ports.system import Clock

from .backoff import backoff_seconds
from .config import DispatcherConfig
from .store import DEAD, DELIVERED, PENDING, Outcome, UnreadableRow

log = logging.getLogger("mwf.outbox")


class RowSender:
    def __init__(
        self,
        sinks: Sequence[EventSink],
        clock: Clock,
        config: DispatcherConfig,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.sinks = list(sinks)
        self.clock = clock
        self.config = config
        self._uniform = uniform

    def unreadable(self, row: UnreadableRow) -> Outcome:
        log.error("outbox: row %s (seq %d of its stream) is DEAD: %s", row.id, row.seq, row.error)
        return Outcome(row.id, DEAD, row.attempts, error=row.error)

    def sink_for(self, event: OutboxEvent) -> EventSink | None:
        for sink in self.sinks:
            if sink.accepts(event):
                return sink
        return None

    async def send(
        self, event: OutboxEvent, members: tuple[str, ...], time_limit: float
    ) -> Outcome:
        attempt = event.attempts + 1
        sink = self.sink_for(event)
        if sink is None:
            result = DeliveryResult(
                ok=False, error=f"no sink accepts channel {event.channel!r}", permanent=True
            )
        else:
            # The sink is told when the dispatcher will stop waiting (the deadline comes first).
            ctx = DeliveryContext(members, attempt, deadline=time.monotonic() + time_limit)
            result = await self._call(sink, event, ctx, time_limit)
        if result.ok:
            return Outcome(
                event.id, DELIVERED, attempt, error=result.note, external_id=result.external_id
            )
        error = result.error or "delivery failed"
        max_age = timedelta(hours=self.config.max_age_hours)
        expired = not result.permanent and self.clock.now() - event.created_at >= max_age
        if expired:
            error = f"{error} (gave up: older than {self.config.max_age_hours:g} h)"
        if result.permanent or expired:
            log.warning(
                "outbox: %s %s (%s) is DEAD after %d attempt(s): %s",
                event.name,
                event.id,
                event.channel,
                attempt,
                error,
            )
            return Outcome(event.id, DEAD, attempt, error=error)
        delay = result.retry_after
        if delay is None:
            delay = backoff_seconds(
                attempt, self.config.backoff_base_ms, self.config.backoff_max_ms, self._uniform
            )
        retry_at = self.clock.now() + timedelta(seconds=max(delay, 0.0))
        log.info(
            "outbox: %s %s attempt %d failed (%s); retry in %.1fs",
            event.name,
            event.id,
            attempt,
            error,
            delay,
        )
        return Outcome(event.id, PENDING, attempt, error=error, next_attempt_at=retry_at)

    async def _call(
        self, sink: EventSink, event: OutboxEvent, ctx: DeliveryContext, time_limit: float
    ) -> DeliveryResult:
        try:
            async with asyncio.timeout(time_limit):
                return await sink.deliver(event, ctx)
        except TimeoutError:
            return DeliveryResult(
                ok=False, error=f"{sink.name}: no answer within {time_limit:.3g}s"
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a sink breaking its contract still only delays the row
            log.exception("outbox: sink %s raised on %s", sink.name, event.id)
            return DeliveryResult(ok=False, error=f"{sink.name} raised: {exc!r}")
