"""The dispatcher on both engines, with a recording sink and a fake clock: order within a stream,
head-of-line under a transient failure, backoff, an outage longer than any attempt count, dead
letters (permanent errors, the age limit), timeouts, restart after a crash, and the background
loop woken by commits."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.mapping import from_row
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.outbox.admin import OutboxAdmin
from mwf_core.adapters.outbox.backoff import backoff_seconds
from mwf_core.adapters.outbox.dispatcher import DispatcherConfig, OutboxDispatcher
from mwf_core.adapters.outbox.local_sink import LocalSink
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryResult
from tests.fakes.recorder import RecordingSink

from .test_repositories import T0, at, make_event, seed_pair


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def dispatcher(
    engine: Engine, sink: RecordingSink, clock: FakeClock, **config: object
) -> OutboxDispatcher:
    values: dict[str, object] = {
        "backoff_base_ms": 1000,
        "backoff_max_ms": 8000,
        "deliver_timeout": 0.5,
    }
    values.update(config)
    return OutboxDispatcher(
        engine,
        [sink],
        clock,
        DispatcherConfig(**values),  # type: ignore[arg-type]
        uniform=lambda low, high: high,
    )


async def add_events(engine: Engine, *rows: OutboxEvent) -> None:
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        for row in rows:
            await uow.outbox.add(row)
        await uow.commit()


async def row(event_id: str) -> OutboxEvent:
    found = await OutboxTable.select().where(OutboxTable.id == event_id).output(load_json=True)
    return from_row(OutboxEvent, found[0])


def session_events(sid: str, count: int, start: int = 0) -> list[OutboxEvent]:
    return [make_event(sid, created_at=at(start + i), name=f"e.{start + i}") for i in range(count)]


async def test_rows_are_delivered_in_seq_order_and_marked(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    rows = session_events(sid, 3)
    await add_events(db_engine, *rows)
    sink, clock = RecordingSink(), FakeClock()

    assert await dispatcher(db_engine, sink, clock).run_once() == 3

    assert sink.delivered_ids == [r.id for r in rows]
    assert [a.event.seq for a in sink.attempts] == [1, 2, 3]
    assert {a.ctx.members for a in sink.attempts} == {tuple(sorted((pair.a.id, pair.b.id)))}
    assert {a.ctx.attempt for a in sink.attempts} == {1}
    stored = await row(rows[0].id)
    assert (stored.status, stored.attempts, stored.external_id, stored.delivered_at) == (
        OutboxStatus.DELIVERED,
        1,
        f"ext-{rows[0].id}",
        T0,
    )
    assert await dispatcher(db_engine, sink, clock).run_once() == 0  # nothing delivered twice


async def test_a_transient_failure_holds_its_stream_only_and_keeps_the_order(
    db_engine: Engine,
) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    rows = session_events(sid, 3)
    email = make_event(sid, channel=events.email_channel("inv"), name=events.INVITATION_EMAIL)
    await add_events(db_engine, *rows, email)
    sink, clock = RecordingSink(), FakeClock()
    sink.fail(rows[1].id, times=2, error="ably: 503")
    worker = dispatcher(db_engine, sink, clock)

    await worker.run_once()
    # The email stream is not held up by the session's.
    assert sorted(sink.delivered_ids) == sorted([rows[0].id, email.id])
    head = await row(rows[1].id)
    assert (head.status, head.attempts, head.last_error) == (OutboxStatus.PENDING, 1, "ably: 503")
    assert head.next_attempt_at == T0 + timedelta(seconds=1)  # base * 2^0, jitter factor 1
    assert (await row(rows[2].id)).attempts == 0  # never tried before its predecessor

    clock.advance(0.999)
    assert await worker.run_once() == 0  # not due yet
    clock.advance(0.001)
    await worker.run_once()
    assert (await row(rows[1].id)).next_attempt_at == clock.now() + timedelta(seconds=2)
    clock.advance(2)
    await worker.run_once()
    assert [e.id for e in sink.delivered if e.stream_key == sid] == [r.id for r in rows]
    assert [a.ctx.attempt for a in sink.attempts_of(rows[1].id)] == [1, 2, 3]
    done = await row(rows[1].id)
    assert (done.status, done.attempts) == (OutboxStatus.DELIVERED, 3)


def test_backoff_doubles_up_to_the_cap_with_jitter_between_half_and_full() -> None:
    high = [backoff_seconds(n, 1000, 8000, lambda lo, hi: hi) for n in range(1, 7)]
    assert high == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    low = [backoff_seconds(n, 1000, 8000, lambda lo, hi: lo) for n in (1, 4)]
    assert low == [0.5, 4.0]
    assert backoff_seconds(10_000, 1000, 300_000, lambda lo, hi: hi) == 300.0


async def test_retry_after_from_the_vendor_wins_over_backoff(db_engine: Engine) -> None:
    (event,) = session_events((await seed_pair(db_engine)).session.id, 1)
    await add_events(db_engine, event)
    sink, clock = RecordingSink(), FakeClock()
    sink.fail(event.id, error="429", retry_after=30)
    await dispatcher(db_engine, sink, clock).run_once()
    assert (await row(event.id)).next_attempt_at == T0 + timedelta(seconds=30)


async def test_a_permanent_failure_is_dead_at_once(db_engine: Engine) -> None:
    rows = session_events((await seed_pair(db_engine)).session.id, 2)
    await add_events(db_engine, *rows)
    sink, clock = RecordingSink(), FakeClock()
    sink.fail(rows[0].id, error="resend: 422 invalid address", permanent=True)
    await dispatcher(db_engine, sink, clock).run_once()
    dead = await row(rows[0].id)
    assert (dead.status, dead.attempts, dead.last_error) == (
        OutboxStatus.DEAD,
        1,
        "resend: 422 invalid address",
    )
    assert sink.delivered_ids == [rows[1].id]


async def test_a_hanging_or_raising_sink_counts_as_transient(db_engine: Engine) -> None:
    hang, boom = session_events((await seed_pair(db_engine)).session.id, 2)
    await add_events(db_engine, hang, boom)
    sink, clock = RecordingSink(), FakeClock()
    sink.hang(hang.id)
    sink.explode(boom.id)
    worker = dispatcher(db_engine, sink, clock, deliver_timeout=0.2)

    await worker.run_once()
    assert "no answer within 0.2s" in str((await row(hang.id)).last_error)
    clock.advance(5)
    await worker.run_once()
    failed = await row(boom.id)
    assert failed.status is OutboxStatus.PENDING
    assert "raised: RuntimeError('sink exploded')" in str(failed.last_error)
    clock.advance(5)
    await worker.run_once()
    assert sink.delivered_ids == [hang.id, boom.id]


async def test_a_row_no_sink_accepts_is_dead(db_engine: Engine) -> None:
    event = make_event(None, channel="fax:123")
    await add_events(db_engine, event)
    await dispatcher(db_engine, RecordingSink(prefixes=("session:",)), FakeClock()).run_once()
    dead = await row(event.id)
    assert dead.status is OutboxStatus.DEAD
    assert dead.last_error == "no sink accepts channel 'fax:123'"


async def test_a_crashed_dispatcher_s_rows_go_again_with_the_same_ids_after_its_lease(
    db_engine: Engine,
) -> None:
    rows = session_events((await seed_pair(db_engine)).session.id, 3)
    await add_events(db_engine, *rows)
    clock = FakeClock()
    first = RecordingSink()
    gate = asyncio.Event()

    async def stall_on_second(event: OutboxEvent, ctx: object) -> DeliveryResult:
        if event.id == rows[1].id:
            gate.set()
            await asyncio.Event().wait()  # "killed" mid-publish
        return DeliveryResult(ok=True)

    first.plan = stall_on_second  # type: ignore[assignment]
    crashed = dispatcher(db_engine, first, clock, lease_seconds=15, deliver_timeout=60)

    async def killed_before_release(owner: str, key: str) -> None:
        return None  # a SIGKILLed process releases nothing

    crashed.leases.store.release = killed_before_release  # type: ignore[method-assign]
    await crashed.sequence_all()
    task = asyncio.create_task(crashed.deliver_once())
    await gate.wait()
    task.cancel()  # nothing written back, the lease is left behind
    await asyncio.gather(task, return_exceptions=True)
    assert first.delivered_ids == [rows[0].id]

    second = RecordingSink()
    fresh = dispatcher(db_engine, second, clock, lease_seconds=15)
    # Another instance takes the stream only once the dead one's lease has run out.
    assert await crashed.leases.store.claim("other", clock.now(), clock.now(), 8) == []
    clock.advance(16)
    await fresh.run_once()
    assert second.delivered_ids == [r.id for r in rows]  # row 0 again: same id, vendor dedupes
    assert {(await row(r.id)).status for r in rows} == {OutboxStatus.DELIVERED}


async def test_the_background_loop_delivers_after_commit_and_on_sweep(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    sink = RecordingSink()
    worker = OutboxDispatcher(
        db_engine,
        [LocalSink(), sink],
        FakeClock(datetime.now(tz=T0.tzinfo)),
        DispatcherConfig(sweep_seconds=0.2, lease_seconds=5),
    )
    worker.start()
    try:
        factory = PiccoloUnitOfWorkFactory(db_engine, on_commit=worker.kick)
        async with factory() as uow:
            await uow.outbox.add(make_event(sid))
            await uow.outbox.add(make_event(None, channel=events.push_channel(pair.a.id)))
            await uow.commit()
        (delivered,) = await sink.wait_delivered(1)
        assert delivered.channel == events.push_channel(pair.a.id)
        # A row committed elsewhere (no kick) is found by the sweep.
        await add_events(db_engine, make_event(None, channel=events.push_channel(pair.b.id)))
        await sink.wait_delivered(2)
        async with asyncio.timeout(30):
            while (await OutboxAdmin(db_engine).counts()).get("PENDING", 0):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        counts = await OutboxAdmin(db_engine).counts()
        assert counts == {"DELIVERED": 3, "UNSEQUENCED": 0}
    finally:
        await worker.close()
    assert sink.closed


async def test_several_streams_are_worked_at_once(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    keys = [events.push_channel(f"usr_{i}") for i in range(4)]
    await add_events(db_engine, *(make_event(None, channel=k) for k in keys))
    started: set[str] = set()
    all_in = asyncio.Event()

    async def wait_for_all(event: OutboxEvent, ctx: object) -> DeliveryResult:
        started.add(event.channel)
        if len(started) == len(keys):
            all_in.set()
        async with asyncio.timeout(30):
            await all_in.wait()  # only returns if the 4 streams run concurrently
        return DeliveryResult(ok=True)

    sink = RecordingSink()
    sink.plan = wait_for_all  # type: ignore[assignment]
    worker = OutboxDispatcher(
        db_engine,
        [sink],
        FakeClock(datetime.now(tz=T0.tzinfo)),
        DispatcherConfig(sweep_seconds=0.2, max_streams=8, deliver_timeout=60),
    )
    worker.start()
    try:
        await sink.wait_delivered(4)
    finally:
        await worker.close()
    assert pair.session.id not in started


async def test_prune_uses_the_retention_days(db_engine: Engine) -> None:
    sid = (await seed_pair(db_engine)).session.id
    old, new = make_event(sid, created_at=at(-60 * 24 * 3)), make_event(sid, created_at=at(0))
    await add_events(db_engine, old, new)
    worker = dispatcher(db_engine, RecordingSink(), FakeClock(), retention_days=2)
    await worker.run_once()
    assert await worker.prune() == 1
    assert (await OutboxAdmin(db_engine).counts()) == {"DELIVERED": 1, "UNSEQUENCED": 0}


def test_settings_configure_the_dispatcher_and_refuse_nonsense() -> None:
    import pytest

    from mwf_core.config import Settings

    defaults = DispatcherConfig.from_settings(Settings.from_env({}))
    assert defaults == DispatcherConfig()
    tuned = DispatcherConfig.from_settings(
        Settings.from_env(
            {
                "MWF_DISPATCHER": "off",
                "MWF_OUTBOX_MAX_AGE_HOURS": "0.5",
                "MWF_OUTBOX_BACKOFF_BASE_MS": "50",
                "MWF_OUTBOX_BACKOFF_MAX_MS": "400",
                "MWF_OUTBOX_LEASE_SECONDS": "1.5",
                "MWF_OUTBOX_SWEEP_SECONDS": "0.25",
                "MWF_OUTBOX_RETENTION_DAYS": "30",
            }
        )
    )
    assert (
        tuned.deliver,
        tuned.max_age_hours,
        tuned.backoff_base_ms,
        tuned.backoff_max_ms,
        tuned.lease_seconds,
        tuned.sweep_seconds,
        tuned.retention_days,
    ) == (False, 0.5, 50, 400, 1.5, 0.25, 30.0)
    assert defaults.max_age_hours == 24.0
    for name, value in (
        ("MWF_OUTBOX_MAX_AGE_HOURS", "-1"),
        ("MWF_OUTBOX_LEASE_SECONDS", "soon"),
        ("MWF_DISPATCHER", "maybe"),
        ("ABLY_TLS", "perhaps"),
        ("ABLY_REST_PORT", "70000"),
        ("MWF_OUTBOX_SWEEP_SECONDS", "nan"),
    ):
        with pytest.raises(ValueError, match=name):
            Settings.from_env({name: value})
    parsed = Settings.from_env(
        {
            "ABLY_TLS": "false",
            "ABLY_REST_PORT": "8443",
            "FIELD_ENCRYPTION_OLD_KEYS": " k1, ,k2 ",
            "RESEND_API_URL": "http://127.0.0.1:9/",
        }
    )
    assert (
        parsed.ably_tls,
        parsed.ably_rest_port,
        parsed.field_encryption_old_keys,
        parsed.resend_api_url,
        parsed.from_email,
    ) == (False, 8443, ("k1", "k2"), "http://127.0.0.1:9", "onboarding@resend.dev")
