"""Transient failures on both engines: retried for as long as a row is younger than the max
age, however many attempts that takes (an outage of 20 minutes loses nothing), then DEAD with
its attempt count and last error, and the stream goes on."""

from __future__ import annotations

from datetime import timedelta

from piccolo.engine.base import Engine

from mwf_core.adapters.outbox.admin import OutboxAdmin
from mwf_core.adapters.outbox.dispatcher import OutboxDispatcher
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryResult
from tests.fakes.recorder import RecordingSink

from .test_outbox_dispatcher import FakeClock, add_events, dispatcher, row, session_events
from .test_repositories import T0, seed_pair


async def retry_until_settled(worker: OutboxDispatcher, clock: FakeClock, event_id: str) -> None:
    """Run the dispatcher, jumping the clock to each retry time, until `event_id` is settled."""
    for _ in range(200):
        await worker.run_once()
        head = await row(event_id)
        if head.status is not OutboxStatus.PENDING:
            return
        assert head.next_attempt_at is not None
        clock.moment = head.next_attempt_at
    raise AssertionError(f"{event_id} still PENDING after 200 rounds")


async def test_an_outage_longer_than_ten_attempts_loses_nothing(db_engine: Engine) -> None:
    rows = session_events((await seed_pair(db_engine)).session.id, 3)
    await add_events(db_engine, *rows)
    sink, clock = RecordingSink(), FakeClock()
    back_at = T0 + timedelta(minutes=20)

    def ably_down_for_20_minutes(event: OutboxEvent, ctx: object) -> DeliveryResult | None:
        return DeliveryResult(ok=False, error="ably: 503") if clock.now() < back_at else None

    sink.plan = ably_down_for_20_minutes  # type: ignore[assignment]
    # The production backoff (1 s doubling up to 5 min) and age limit (24 h).
    worker = dispatcher(db_engine, sink, clock, backoff_max_ms=300_000)
    await retry_until_settled(worker, clock, rows[0].id)

    assert sink.delivered_ids == [r.id for r in rows]
    head = await row(rows[0].id)
    assert head.status is OutboxStatus.DELIVERED
    assert head.attempts == len(sink.attempts_of(rows[0].id)) > 10
    assert head.delivered_at is not None and head.delivered_at >= back_at


async def test_a_row_older_than_the_max_age_is_dead_with_its_attempts_and_error(
    db_engine: Engine,
) -> None:
    rows = session_events((await seed_pair(db_engine)).session.id, 2)
    await add_events(db_engine, *rows)
    sink, clock = RecordingSink(), FakeClock()
    sink.fail(rows[0].id, times=1000, error="ably: 500")
    worker = dispatcher(db_engine, sink, clock, max_age_hours=1, backoff_max_ms=600_000)

    await retry_until_settled(worker, clock, rows[0].id)

    dead = await row(rows[0].id)
    tried = sink.attempts_of(rows[0].id)
    assert (dead.status, dead.attempts, dead.last_error) == (
        OutboxStatus.DEAD,
        len(tried),
        "ably: 500 (gave up: older than 1 h)",
    )
    assert len(tried) > 10  # retried well past the old attempt budget...
    assert clock.now() - dead.created_at >= timedelta(hours=1)  # ...until the hour was over
    assert sink.delivered_ids == [rows[1].id]  # and then the stream went on
    assert [d.id for d in await OutboxAdmin(db_engine).dead()] == [rows[0].id]
