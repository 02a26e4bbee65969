"""DatabaseTelemetrySink and the brain_activity table, on SQLite and PostgreSQL (`db_engine`)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWork
from mwf_core.adapters.db.tables import BrainActivityTable, UserTable
from mwf_core.adapters.db.telemetry_repository import PiccoloTelemetryRepository
from mwf_core.adapters.llm.telemetry import TelemetryRecordingModel
from mwf_core.adapters.telemetry import DatabaseTelemetrySink
from mwf_core.domain.telemetry import ActivityStatus, ActivityType, BrainActivity
from mwf_core.ports.llm import (
    ChatTurn,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    Usage,
)

from .test_repositories import make_user, new_id

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
SONNET = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
SECRET = "my partner never listens"  # prompt text that must never reach a log


def make_activity(n: int = 0, **overrides: Any) -> BrainActivity:
    values: dict[str, Any] = dict(
        id=new_id("act"),
        created_at=T0 + timedelta(seconds=n),
        activity_type=ActivityType.LLM_CALL,
        call_type="ORCHESTRATED_RESPONSE",
        model_id=SONNET,
        status=ActivityStatus.COMPLETED,
        duration_ms=1234 + n,
        session_id="ses_1",
        turn_id="turn_1",
        user_id="usr_1",
        input_tokens=1000,
        output_tokens=500,
        cache_read_tokens=2000,
        cache_write_tokens=4000,
        cost_usd=Decimal("0.02610000"),
        price_known=True,
        time_to_first_token_ms=300,
        prompt=f"[user]\n{SECRET} ✓",
        response="I hear you.",
    )
    values.update(overrides)
    return BrainActivity(**values)


def fast_sink(engine: Engine, **options: Any) -> DatabaseTelemetrySink:
    return DatabaseTelemetrySink(engine, retry_delay_s=0, **options)


async def test_rows_round_trip_exactly(db_engine: Engine) -> None:
    rows = [
        make_activity(0),
        # 18 significant digits: SQLite's NUMERIC would keep 15 of them.
        make_activity(1, cost_usd=Decimal("9876543210.12345678"), turn_id="turn_2"),
        make_activity(2, cost_usd=Decimal("0.00000001"), time_to_first_token_ms=None),
        make_activity(3, cost_usd=Decimal("0E-8"), status=ActivityStatus.CANCELLED,
                      error="cancelled", prompt=None, response=None),
        make_activity(4, cost_usd=None, price_known=False, model_id="anthropic.unknown",
                      activity_type=ActivityType.EMBEDDING, status=ActivityStatus.FAILED,
                      error="throttled: slow down", session_id="ses_2", user_id=None),
    ]
    sink = fast_sink(db_engine)
    sink.start()
    for row in rows:
        sink.record(row)
    await sink.flush()
    await sink.stop()
    assert (sink.written, sink.failed, sink.dropped) == (5, 0, 0)

    repository = PiccoloTelemetryRepository()
    by_session = await repository.for_session("ses_1")
    assert by_session == rows[:4]  # ordered by created_at
    # Decimal equality ignores the exponent; the text shows the exact value came back.
    assert [str(a.cost_usd) for a in by_session] == [
        "0.02610000", "9876543210.12345678", "1E-8", "0E-8",
    ]
    assert all(isinstance(a.cost_usd, Decimal) for a in by_session)
    assert by_session[0].created_at == T0 and by_session[0].created_at.tzinfo is not None
    assert await repository.for_session("ses_2") == [rows[4]]
    assert await repository.for_turn("turn_2") == [rows[1]]
    assert await repository.for_turn("turn_1") == [rows[0], *rows[2:]]
    assert await repository.for_turn("nope") == []
    raw = await BrainActivityTable.select(BrainActivityTable.cost_usd_e8).where(
        BrainActivityTable.id == rows[1].id
    )
    assert raw == [{"cost_usd_e8": 987654321012345678}]


async def test_flush_waits_until_everything_is_written(db_engine: Engine) -> None:
    sink = fast_sink(db_engine, batch_size=7)
    sink.start()
    rows = [make_activity(n) for n in range(30)]
    for row in rows:
        sink.record(row)
    assert await BrainActivityTable.count() == 0  # nothing awaited yet: nothing written
    assert sink.pending == 30
    await sink.flush()
    assert sink.pending == 0
    assert await BrainActivityTable.count() == 30
    await sink.flush()  # nothing pending: returns at once
    await sink.stop()


async def test_flush_without_a_writer_task_writes_inline(db_engine: Engine) -> None:
    sink = fast_sink(db_engine)
    sink.record(make_activity())
    await sink.flush()
    assert await BrainActivityTable.count() == 1


async def test_stop_flushes_and_ends_the_writer(db_engine: Engine) -> None:
    sink = fast_sink(db_engine)
    sink.start()
    sink.start()  # idempotent
    sink.record(make_activity())
    await sink.stop()
    assert await BrainActivityTable.count() == 1
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "telemetry-writer"]


async def test_writes_in_a_transaction_of_its_own(db_engine: Engine) -> None:
    user = make_user()
    sink = fast_sink(db_engine)
    async with PiccoloUnitOfWork(db_engine) as uow:
        # Started and recorded inside the caller's unit of work, which then rolls back.
        sink.start()
        await uow.users.insert_if_absent(user)
        sink.record(make_activity())
    await sink.flush()
    await sink.stop()
    assert await UserTable.count() == 0
    assert await BrainActivityTable.count() == 1


async def test_a_failing_write_never_reaches_the_caller(
    db_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    await db_engine.run_ddl('DROP TABLE "brain_activity"')
    sink = fast_sink(db_engine, max_attempts=3)
    sink.start()
    doomed = make_activity()
    with caplog.at_level(logging.WARNING, logger="mwf_core.adapters.telemetry"):
        sink.record(doomed)  # does not raise
        await sink.flush()  # does not raise either
    await sink.stop()
    assert (sink.written, sink.failed) == (0, 1)
    attempts = [r for r in caplog.records if "attempt" in r.getMessage()]
    assert len(attempts) == 3
    dropped = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(dropped) == 1 and doomed.id in dropped[0].getMessage()
    assert SECRET not in caplog.text and "I hear you." not in caplog.text


async def test_one_bad_row_does_not_sink_its_batch(db_engine: Engine) -> None:
    good = [make_activity(0), make_activity(2)]
    bad = make_activity(1, created_at=datetime(2026, 3, 1, 12, 0))  # naive: refused
    sink = fast_sink(db_engine)
    for row in (good[0], bad, good[1]):
        sink.record(row)
    await sink.flush()
    assert (sink.written, sink.failed) == (2, 1)
    assert await PiccoloTelemetryRepository().for_session("ses_1") == good


async def test_a_full_queue_drops_the_oldest_without_blocking(
    db_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    sink = fast_sink(db_engine, max_queue=3)
    sink.start()
    rows = [make_activity(n) for n in range(5)]
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="mwf_core.adapters.telemetry"):
        for row in rows:
            sink.record(row)  # synchronous: the writer cannot run in between
    assert time.monotonic() - started < 0.5
    assert (sink.dropped, sink.pending) == (2, 3)
    assert "queue full" in caplog.text and rows[0].id in caplog.text
    await sink.flush()
    await sink.stop()
    assert await PiccoloTelemetryRepository().for_session("ses_1") == rows[2:]


async def test_wrapped_model_rows_reach_the_database(db_engine: Engine) -> None:
    class OneShot:
        def model_id(self, role: ModelRole) -> str:
            return SONNET

        async def complete(self, request: LlmRequest) -> LlmResult:
            return LlmResult("ok", SONNET, Usage(1000, 500, 2000, 4000))

        async def stream(self, request: LlmRequest) -> Any:
            yield TextDelta("ok")
            yield StreamFinished(await self.complete(request))

    class Clock:
        def now(self) -> datetime:
            return T0

    class Ids:
        def __init__(self) -> None:
            self.n = 0

        def new_id(self) -> str:
            self.n += 1
            return f"act_{self.n}"

    sink = fast_sink(db_engine)
    sink.start()
    model = TelemetryRecordingModel(OneShot(), sink, Clock(), Ids())
    request = LlmRequest(ModelRole.MEDIATOR, "WITNESSING_RESPONSE", "sys",
                         (ChatTurn("user", SECRET),), session_id="ses_9", turn_id="turn_9")
    await model.complete(request)
    items: list[StreamItem] = [item async for item in model.stream(request)]
    assert len(items) == 2
    await sink.stop()
    stored = await PiccoloTelemetryRepository().for_turn("turn_9")
    assert [a.id for a in stored] == ["act_1", "act_2"]
    assert [a.cost_usd for a in stored] == [Decimal("0.0261")] * 2
    assert stored[1].time_to_first_token_ms is not None and stored[0].time_to_first_token_ms is None
    assert all(a.prompt is None and a.response is None for a in stored)
    assert [a.status for a in stored] == [ActivityStatus.COMPLETED] * 2
