"""TelemetryRecordingModel around a scripted fake model: one row per call, whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from mwf_core.adapters.llm.telemetry import TelemetryRecordingModel
from mwf_core.adapters.telemetry import InMemoryTelemetrySink
from mwf_core.domain.telemetry import ActivityStatus, ActivityType, BrainActivity
from mwf_core.ports.llm import (
    ChatTurn,
    LlmError,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    ToolCall,
    Usage,
)

from .fakes import FakeClock, SequentialIds

SONNET = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
USAGE = Usage(input_tokens=1000, output_tokens=500, cache_read_tokens=2000,
              cache_write_tokens=4000)
SONNET_COST = Decimal("0.02610000")  # see test_telemetry_domain


class Ticker:
    """A monotonic clock that only moves when the fake model says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ScriptedModel:
    """A LanguageModel: waits (virtually), emits the scripted deltas, then finishes or fails.

    `deltas` are (seconds before, text); `fail_after` raises `error` once that many deltas went
    out; `hang_after` waits forever once that many deltas went out (to be cancelled).
    """

    ticker: Ticker
    deltas: Sequence[tuple[float, str]] = ((0.3, "Hello"), (0.1, ", "), (0.1, "you."))
    finish_after: float = 0.05
    result: LlmResult = LlmResult(text="Hello, you.", model_id=SONNET, usage=USAGE)
    error: BaseException | None = None
    fail_after: int | None = None
    hang_after: int | None = None
    skip_finish: bool = False
    closed: bool = False
    calls: list[LlmRequest] = field(default_factory=list)

    def model_id(self, role: ModelRole) -> str:
        return SONNET if role is ModelRole.MEDIATOR else HAIKU

    async def _step(self, index: int) -> None:
        if self.hang_after == index:
            await asyncio.Event().wait()
        if self.fail_after == index:
            assert self.error is not None
            raise self.error

    async def complete(self, request: LlmRequest) -> LlmResult:
        self.calls.append(request)
        self.ticker.now += 1.2
        await self._step(0)
        return self.result

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        self.calls.append(request)
        try:
            for index, (delay, text) in enumerate(self.deltas):
                await self._step(index)
                self.ticker.now += delay
                yield TextDelta(text)
            await self._step(len(self.deltas))
            self.ticker.now += self.finish_after
            if not self.skip_finish:
                yield StreamFinished(self.result)
        finally:
            self.closed = True


def make_request(role: ModelRole = ModelRole.MEDIATOR) -> LlmRequest:
    return LlmRequest(
        role=role,
        call_type="ORCHESTRATED_RESPONSE",
        system_static="You are a calm mediator.",
        system_turn="Stage 1.",
        messages=(ChatTurn("user", "I feel unheard."),),
        session_id="ses_1",
        turn_id="turn_1",
        user_id="usr_1",
    )


@dataclass
class Rig:
    ticker: Ticker
    inner: ScriptedModel
    sink: InMemoryTelemetrySink
    clock: FakeClock

    def wrap(self, log_prompts: bool = False) -> TelemetryRecordingModel:
        return TelemetryRecordingModel(
            self.inner, self.sink, self.clock, SequentialIds("act"), log_prompts,
            monotonic=self.ticker,
        )

    @property
    def only_row(self) -> BrainActivity:
        assert len(self.sink.activities) == 1, self.sink.activities
        return self.sink.activities[0]


@pytest.fixture
def rig() -> Rig:
    ticker = Ticker()
    return Rig(ticker, ScriptedModel(ticker), InMemoryTelemetrySink(), FakeClock())


async def drain(stream: AsyncIterator[StreamItem]) -> list[StreamItem]:
    return [item async for item in stream]


async def test_complete_success(rig: Rig) -> None:
    model = rig.wrap()
    assert await model.complete(make_request()) is rig.inner.result
    assert rig.only_row == BrainActivity(
        id="act-0001",
        created_at=rig.clock.now(),
        activity_type=ActivityType.LLM_CALL,
        call_type="ORCHESTRATED_RESPONSE",
        model_id=SONNET,
        status=ActivityStatus.COMPLETED,
        duration_ms=1200,
        session_id="ses_1",
        turn_id="turn_1",
        user_id="usr_1",
        input_tokens=1000,
        output_tokens=500,
        cache_read_tokens=2000,
        cache_write_tokens=4000,
        cost_usd=SONNET_COST,
        price_known=True,
        time_to_first_token_ms=None,
        error=None,
        prompt=None,
        response=None,
    )
    assert model.model_id(ModelRole.MECHANIC) == HAIKU


async def test_stream_success_passes_items_through_and_times_first_token(rig: Rig) -> None:
    items = await drain(rig.wrap().stream(make_request()))
    assert items == [TextDelta("Hello"), TextDelta(", "), TextDelta("you."),
                     StreamFinished(rig.inner.result)]
    row = rig.only_row
    assert row.status is ActivityStatus.COMPLETED and row.error is None
    assert row.time_to_first_token_ms == 300
    assert row.duration_ms == 550  # 300 + 100 + 100 + 50
    assert (row.cost_usd, row.input_tokens, row.cache_write_tokens) == (SONNET_COST, 1000, 4000)
    assert rig.inner.closed


async def test_result_model_id_wins_over_the_role_default(rig: Rig) -> None:
    rig.inner.result = LlmResult(text="ok", model_id="anthropic.claude-opus-9", usage=USAGE)
    await rig.wrap().complete(make_request())
    row = rig.only_row
    assert row.model_id == "anthropic.claude-opus-9"
    assert (row.cost_usd, row.price_known) == (None, False)  # unknown price: never 0


async def test_complete_failure_reraises_the_same_error(rig: Rig) -> None:
    error = LlmError("Too many requests", retryable=True, code="throttled")
    rig.inner.error, rig.inner.fail_after = error, 0
    with pytest.raises(LlmError) as raised:
        await rig.wrap().complete(make_request(ModelRole.MECHANIC))
    assert raised.value is error
    row = rig.only_row
    assert row.status is ActivityStatus.FAILED
    assert row.error == "throttled: Too many requests"
    assert row.model_id == HAIKU  # from inner.model_id(role): there is no result
    assert (row.input_tokens, row.output_tokens, row.cost_usd, row.price_known) == (
        0, 0, Decimal(0), True,
    )
    assert row.duration_ms == 1200


async def test_unexpected_exception_is_recorded_and_reraised(rig: Rig) -> None:
    rig.inner.error, rig.inner.fail_after = ValueError("boom"), 0
    with pytest.raises(ValueError, match="boom"):
        await rig.wrap().complete(make_request())
    assert (rig.only_row.status, rig.only_row.error) == (ActivityStatus.FAILED, "ValueError: boom")


async def test_stream_failure_mid_stream(rig: Rig) -> None:
    error = LlmError("read timed out", retryable=True, code="timeout")
    rig.inner.error, rig.inner.fail_after = error, 1
    seen: list[StreamItem] = []
    with pytest.raises(LlmError) as raised:
        async for item in rig.wrap().stream(make_request()):
            seen.append(item)
    assert raised.value is error
    assert seen == [TextDelta("Hello")]
    row = rig.only_row
    assert (row.status, row.error) == (ActivityStatus.FAILED, "timeout: read timed out")
    assert row.time_to_first_token_ms == 300
    assert rig.inner.closed


async def test_stream_without_finish_is_a_failed_call_but_not_an_error(rig: Rig) -> None:
    rig.inner.skip_finish = True
    assert len(await drain(rig.wrap().stream(make_request()))) == 3
    assert rig.only_row.status is ActivityStatus.FAILED
    assert "StreamFinished" in (rig.only_row.error or "")


async def test_consumer_closing_the_stream_early_is_cancelled(rig: Rig) -> None:
    stream = rig.wrap().stream(make_request())
    assert await anext(stream) == TextDelta("Hello")
    assert rig.sink.activities == []  # still running
    await stream.aclose()
    row = rig.only_row
    assert row.status is ActivityStatus.CANCELLED
    assert row.time_to_first_token_ms == 300
    assert rig.inner.closed  # the upstream call was closed too
    await stream.aclose()  # closing twice records nothing more
    assert len(rig.sink.activities) == 1


async def test_closing_after_the_result_arrived_is_completed(rig: Rig) -> None:
    async with aclosing(rig.wrap().stream(make_request())) as stream:
        async for item in stream:
            if isinstance(item, StreamFinished):
                break
    assert rig.only_row.status is ActivityStatus.COMPLETED


async def test_cancelled_complete_task(rig: Rig) -> None:
    rig.inner.hang_after = 0
    task = asyncio.create_task(rig.wrap().complete(make_request()))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (rig.only_row.status, rig.only_row.error) == (ActivityStatus.CANCELLED, "cancelled")


async def test_cancelled_stream_task(rig: Rig) -> None:
    rig.inner.hang_after = 1
    received: list[StreamItem] = []

    async def consume() -> None:
        async for item in rig.wrap().stream(make_request()):
            received.append(item)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert received == [TextDelta("Hello")]
    assert rig.only_row.status is ActivityStatus.CANCELLED
    assert rig.inner.closed


async def test_exactly_one_row_per_call(rig: Rig) -> None:
    model = rig.wrap()
    await model.complete(make_request())
    await drain(model.stream(make_request()))
    rig.inner.error, rig.inner.fail_after = LlmError("x", retryable=False), 0
    with pytest.raises(LlmError):
        await model.complete(make_request())
    with pytest.raises(LlmError):
        await drain(model.stream(make_request()))
    assert len(rig.inner.calls) == 4
    assert [a.id for a in rig.sink.activities] == ["act-0001", "act-0002", "act-0003", "act-0004"]
    assert [a.status for a in rig.sink.activities] == [ActivityStatus.COMPLETED] * 2 + [
        ActivityStatus.FAILED
    ] * 2


async def test_prompts_are_absent_unless_enabled(rig: Rig) -> None:
    await rig.wrap().complete(make_request())
    await drain(rig.wrap().stream(make_request()))
    assert all(a.prompt is None and a.response is None for a in rig.sink.activities)


async def test_prompts_and_responses_when_enabled(rig: Rig) -> None:
    rig.inner.result = LlmResult(
        text="Noted.", model_id=SONNET, usage=USAGE,
        tool_calls=(ToolCall("capture_state", {"feeling": "unheard"}),),
    )
    await rig.wrap(log_prompts=True).complete(make_request())
    row = rig.only_row
    assert row.prompt is not None and row.response is not None
    for text in ("You are a calm mediator.", "Stage 1.", "[user]", "I feel unheard."):
        assert text in row.prompt
    assert "Noted." in row.response and "capture_state" in row.response

    rig.sink.activities.clear()
    stream = rig.wrap(log_prompts=True).stream(make_request())
    await anext(stream)
    await anext(stream)
    await stream.aclose()
    assert rig.only_row.response == "Hello, "  # what had been streamed when it was cancelled


async def test_a_raising_sink_never_breaks_the_call(rig: Rig) -> None:
    class BrokenSink(InMemoryTelemetrySink):
        def record(self, activity: BrainActivity) -> None:
            raise RuntimeError("sink down")

    model = TelemetryRecordingModel(rig.inner, BrokenSink(), rig.clock, SequentialIds(),
                                    monotonic=rig.ticker)
    assert (await model.complete(make_request())).text == "Hello, you."
    assert len(await drain(model.stream(make_request()))) == 4
