"""Part (d) of bench.delivery_latency: dispatcher throughput, one session vs several.

The same number of outbox rows is spread over one session or over `sessions` sessions; the
dispatcher (its real loops, woken once) delivers them to a recording sink that answers after
`vendor_ms`, like a vendor over the network. Within a session rows go one after another (the
order is kept); separate sessions are separate streams worked in parallel (at most
`max_streams` at once), so the ratio shows the parallelism, not the database.
"""

from __future__ import annotations

import asyncio
import time

from piccolo.engine.base import Engine

from mwf_core.adapters.db import (
    PiccoloUnitOfWorkFactory,
    apply_migrations,
    bind_tables,
    engine_from_url,
    start_engine,
    stop_engine,
)
from mwf_core.adapters.outbox.dispatcher import OutboxDispatcher
from mwf_core.adapters.system import SystemClock
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult
from tests.fakes.recorder import RecordingSink
from tests.integration.test_repositories import at, make_event, seed_pair


async def _add_rows(engine: Engine, session_ids: list[str], total: int) -> None:
    rows = [
        make_event(session_ids[i % len(session_ids)], created_at=at(i), name=f"bench.{i}")
        for i in range(total)
    ]
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        for row in rows:
            await uow.outbox.add(row)
        await uow.commit()


async def _drain(engine: Engine, session_ids: list[str], total: int, vendor_ms: float) -> float:
    """Rows per second from the wake-up to the last delivery."""

    async def vendor(event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        await asyncio.sleep(vendor_ms / 1000)
        return DeliveryResult(ok=True, external_id=f"ext-{event.id}")

    sink = RecordingSink(plan=vendor)
    await _add_rows(engine, session_ids, total)
    dispatcher = OutboxDispatcher(engine, [sink], SystemClock())
    started = time.perf_counter()
    dispatcher.start()  # wakes the sequencer once: everything is waiting already
    try:
        await sink.wait_delivered(total, within=120)
        elapsed = time.perf_counter() - started
    finally:
        await dispatcher.stop()
    return total / elapsed


async def measure_throughput(
    database_url: str, sessions: int, rows: int, rounds: int, vendor_ms: float
) -> dict[int, list[float]]:
    """Rows/s per round for 1 session and for `sessions`, alternating which goes first."""
    engine = engine_from_url(database_url)
    bind_tables(engine)
    await start_engine(engine)
    try:
        await apply_migrations(engine)
        rates: dict[int, list[float]] = {1: [], sessions: []}
        for round_ in range(rounds + 1):  # round 0 warms up
            order = (1, sessions) if round_ % 2 == 0 else (sessions, 1)
            for count in order:
                ids = [(await seed_pair(engine)).session.id for _ in range(count)]
                rate = await _drain(engine, ids, rows, vendor_ms)
                if round_ > 0:
                    rates[count].append(rate)
        return rates
    finally:
        await stop_engine(engine)
