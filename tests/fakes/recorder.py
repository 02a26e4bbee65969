"""A recording EventSink for dispatcher tests: it remembers every delivery attempt, and a script
decides each attempt's outcome (ok by default; transient or permanent failures, hangs, raises).

    sink = RecordingSink()
    sink.fail("id-1", times=3)                 # 3 transient failures, then ok
    sink.plan = lambda event, ctx: ...         # or full control (may be async)
    await sink.wait_delivered(5)               # polls with a generous timeout
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult

Plan = Callable[[OutboxEvent, DeliveryContext], DeliveryResult | Awaitable[DeliveryResult] | None]


@dataclass
class Attempt:
    event: OutboxEvent
    ctx: DeliveryContext
    result: DeliveryResult | None = None  # None while in flight, or when the attempt raised


@dataclass
class RecordingSink:
    name: str = "recorder"
    prefixes: tuple[str, ...] = ()  # channel prefixes accepted; () accepts everything
    attempts: list[Attempt] = field(default_factory=list)
    plan: Plan | None = None
    _failures: dict[str, list[DeliveryResult | BaseException | str]] = field(default_factory=dict)
    closed: bool = False

    def accepts(self, event: OutboxEvent) -> bool:
        return not self.prefixes or event.channel.startswith(self.prefixes)

    def fail(
        self, event_id: str, times: int = 1, *, error: str = "fake: 503", permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        """The next `times` attempts of `event_id` fail (transiently unless `permanent`)."""
        self._failures.setdefault(event_id, []).extend(
            DeliveryResult(ok=False, error=error, permanent=permanent, retry_after=retry_after)
            for _ in range(times)
        )

    def hang(self, event_id: str, times: int = 1) -> None:
        """The next `times` attempts of `event_id` never answer (the dispatcher times them out)."""
        self._failures.setdefault(event_id, []).extend("hang" for _ in range(times))

    def explode(self, event_id: str, times: int = 1) -> None:
        """The next `times` attempts raise, breaking the EventSink contract on purpose."""
        self._failures.setdefault(event_id, []).extend(
            RuntimeError("sink exploded") for _ in range(times)
        )

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        attempt = Attempt(event, ctx)
        self.attempts.append(attempt)
        scripted = self._failures.get(event.id)
        if scripted:
            outcome = scripted.pop(0)
            if outcome == "hang":
                await asyncio.Event().wait()
            if isinstance(outcome, BaseException):
                raise outcome
            assert isinstance(outcome, DeliveryResult)
            attempt.result = outcome
            return outcome
        result: DeliveryResult | None = None
        if self.plan is not None:
            planned = self.plan(event, ctx)
            result = await planned if inspect.isawaitable(planned) else planned
        attempt.result = result or DeliveryResult(ok=True, external_id=f"ext-{event.id}")
        return attempt.result

    async def close(self) -> None:
        self.closed = True

    # ---- what tests read ----
    @property
    def delivered(self) -> list[OutboxEvent]:
        return [a.event for a in self.attempts if a.result is not None and a.result.ok]

    @property
    def delivered_ids(self) -> list[str]:
        return [e.id for e in self.delivered]

    def attempts_of(self, event_id: str) -> list[Attempt]:
        return [a for a in self.attempts if a.event.id == event_id]

    async def wait_delivered(self, count: int, within: float = 30.0) -> list[OutboxEvent]:
        """Wait (generously) until `count` deliveries succeeded."""
        async with asyncio.timeout(within):
            while len(self.delivered) < count:  # noqa: ASYNC110 - polling a plain list
                await asyncio.sleep(0.01)
        return self.delivered
