"""One worker per stream, on both engines, when lease renewals fail: this process never starts a
second worker for a stream it still works on, a worker that could not renew stops before its
next row, and another process taking the stream over never delivers while the first still does.
Rows are never sent two at a time, and - no process dying, the write-backs well inside the
leases - each exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from piccolo.engine.base import Engine

from mwf_core.adapters.outbox.dispatcher import DispatcherConfig, OutboxDispatcher
from mwf_core.adapters.system import SystemClock
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryResult
from tests.fakes.recorder import RecordingSink

from .test_outbox_dispatcher import FakeClock, add_events, session_events
from .test_repositories import make_event, seed_pair


@dataclass
class Overlap:
    """Counts deliveries in flight at once (all rows here are on one stream) and which worker
    task sent each row."""

    in_flight: int = 0
    most: int = 0
    sent_by: dict[str, asyncio.Task[object] | None] = field(default_factory=dict)

    async def around(self, event: OutboxEvent, work: Awaitable[object] | None = None) -> None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            if work is not None:
                await work
        finally:
            self.in_flight -= 1
        self.sent_by[event.id] = asyncio.current_task()  # kept: ids of dead tasks are reused


class FailingRenewals:
    """Stands in for `LeaseStore.renew`: every renewal raises (the database hiccups for it)."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, owner: str, keys: Sequence[str], until: datetime) -> set[str]:
        self.calls += 1
        raise ConnectionError("renewal lost")


async def until(check: Callable[[], bool], within: float = 30.0) -> None:
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 - polling plain state
            await asyncio.sleep(0.01)


async def test_a_lapsed_lease_never_gets_a_second_worker_in_the_same_process(
    db_engine: Engine,
) -> None:
    rows = session_events((await seed_pair(db_engine)).session.id, 3)
    await add_events(db_engine, *rows)
    clock, overlap = FakeClock(), Overlap()
    first_row_sent = asyncio.Event()
    let_first_row_finish: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def slow_first_row(event: OutboxEvent, ctx: object) -> DeliveryResult:
        if event.id == rows[0].id and not let_first_row_finish.done():
            first_row_sent.set()
            await overlap.around(event, let_first_row_finish)
        else:
            await overlap.around(event)
        return DeliveryResult(ok=True)

    sink = RecordingSink()
    sink.plan = slow_first_row  # type: ignore[assignment]
    worker = OutboxDispatcher(
        db_engine,
        [sink],
        clock,
        DispatcherConfig(
            sweep_seconds=0.02,
            lease_seconds=4,
            deliver_timeout=30,
            backoff_base_ms=100,
            backoff_max_ms=100,
        ),
    )
    renewals = FailingRenewals()
    worker.leases.store.renew = renewals  # type: ignore[method-assign]
    claims = 0
    claim = worker.leases.store.claim

    async def counted_claim(*args: object, **kwargs: object) -> list[str]:
        nonlocal claims
        claims += 1
        return await claim(*args, **kwargs)  # type: ignore[arg-type]

    worker.leases.store.claim = counted_claim  # type: ignore[method-assign]
    worker.start()
    try:
        await until(first_row_sent.is_set)
        clock.advance(5)  # the lease ran out while its first row is still being sent
        seen = claims
        await until(lambda: claims >= seen + 3 and renewals.calls >= 1)
        assert len(sink.attempts_of(rows[0].id)) == 1  # no second worker took the stream
        let_first_row_finish.set_result(None)

        def all_sent() -> bool:
            clock.advance(0.5)  # makes any retry due
            return len(sink.delivered) >= len(rows)

        await until(all_sent)
    finally:
        await worker.close()
    assert sink.delivered_ids == [r.id for r in rows]  # each once, in order
    assert overlap.most == 1
    # The worker whose renewal failed stopped after its row; a fresh one sent the next.
    assert overlap.sent_by[rows[1].id] is not overlap.sent_by[rows[0].id]


async def test_a_worker_that_cannot_renew_stops_before_another_process_takes_over(
    db_engine: Engine,
) -> None:
    sid = (await seed_pair(db_engine)).session.id
    now = datetime.now(UTC)
    rows = [
        make_event(sid, created_at=now + timedelta(milliseconds=i), name=f"e.{i}")
        for i in range(12)
    ]
    await add_events(db_engine, *rows)
    overlap = Overlap()

    async def vendor_takes_a_while(event: OutboxEvent, ctx: object) -> DeliveryResult:
        await overlap.around(event, asyncio.sleep(0.15))
        return DeliveryResult(ok=True)

    def process(renew_fails: bool) -> tuple[OutboxDispatcher, RecordingSink]:
        sink = RecordingSink()
        sink.plan = vendor_takes_a_while  # type: ignore[assignment]
        dispatcher = OutboxDispatcher(
            db_engine,
            [sink],
            SystemClock(),
            DispatcherConfig(
                sweep_seconds=0.05,
                # Renewals every 0.75 s: a worker whose renewal failed stops after its row
                # (0.15 s) and writes back long (2 s) before its lease could run out, even on
                # a loaded machine, so the other process never sends a row a second time.
                lease_seconds=3,
                deliver_timeout=30,
                backoff_base_ms=50,
                backoff_max_ms=50,
            ),
        )
        if renew_fails:
            dispatcher.leases.store.renew = FailingRenewals()  # type: ignore[method-assign]
        return dispatcher, sink

    (cut_off, cut_off_sink), (healthy, healthy_sink) = process(True), process(False)
    cut_off.start()
    await cut_off_sink.wait_delivered(1)
    healthy.start()
    try:
        await until(lambda: len(cut_off_sink.delivered) + len(healthy_sink.delivered) >= len(rows))
    finally:
        await cut_off.close()
        await healthy.close()
    sent = cut_off_sink.delivered_ids + healthy_sink.delivered_ids
    assert sorted(sent) == sorted(r.id for r in rows)  # each row exactly once
    assert overlap.most == 1  # never two deliveries of the stream at the same time
    assert cut_off.leases.store.renew.calls >= 1  # type: ignore[attr-defined]
