"""BedrockLanguageModel with the real boto3 client against the loopback Bedrock fake."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing
from typing import Any

import pytest

from mwf_core.adapters.llm.bedrock import (
    BedrockLanguageModel,
    RetryPolicy,
    Timeouts,
    make_bedrock_client,
)
from mwf_core.adapters.llm.bedrock_stream import THREAD_NAME_PREFIX
from mwf_core.adapters.llm.circuit_breaker import BreakerPolicy, CircuitBreaker, CircuitState
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
    ToolSpec,
    Usage,
)
from tests.fakes.bedrock import (
    FakeBedrock,
    error,
    hang,
    serve_fake_bedrock,
    stream_error_after,
    text,
    tool_use,
    usage,
)

SONNET = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
STATIC = "You are a calm, even-handed mediator.\n" * 40
CACHE_POINT = {"cachePoint": {"type": "default"}}
STATE_TOOL = ToolSpec(
    name="update_session_state",
    description="Record what the mediator learned this turn.",
    input_schema={
        "type": "object",
        "properties": {"stage": {"type": "integer"}, "feel_heard": {"type": "boolean"}},
        "required": ["stage"],
    },
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def request(
    text_: str = "I feel unheard.",
    *,
    role: ModelRole = ModelRole.MEDIATOR,
    system_turn: str = "",
    **kwargs: Any,
) -> LlmRequest:
    return LlmRequest(
        role=role,
        call_type="test",
        system_static=STATIC,
        system_turn=system_turn,
        messages=(ChatTurn("user", text_),),
        **kwargs,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeBedrock]:
    async with serve_fake_bedrock(chunk_pause=0.005) as server:
        yield server


MakeModel = Callable[..., BedrockLanguageModel]


@pytest.fixture
def make_model(fake: FakeBedrock) -> Iterator[MakeModel]:
    """A model on a real boto3 client (dummy credentials) pointed at the fake.

    Tiny retry delays; `read_timeout` and any constructor argument can be overridden."""
    models: list[BedrockLanguageModel] = []

    def make(read_timeout: float = 10.0, **overrides: Any) -> BedrockLanguageModel:
        timeouts = overrides.pop("timeouts", Timeouts(deadline_seconds=20.0))
        client = make_bedrock_client(
            region="us-east-1",
            endpoint_url=fake.base_url,
            timeouts=Timeouts(connect_seconds=2.0, read_seconds=read_timeout),
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        arguments: dict[str, Any] = {
            "mediator_model_id": SONNET,
            "mechanic_model_id": HAIKU,
            "client": client,
            "timeouts": timeouts,
            "retry": RetryPolicy(max_attempts=3, base_delay_seconds=0.002, max_delay_seconds=0.01),
            "rng": random.Random(7),
            **overrides,
        }
        model = BedrockLanguageModel(**arguments)
        models.append(model)
        return model

    yield make
    for model in models:
        model.close()


async def collect(model: BedrockLanguageModel, req: LlmRequest) -> list[StreamItem]:
    items: list[StreamItem] = []
    async with aclosing(model.stream(req)) as stream:
        async for item in stream:
            items.append(item)
    return items


def _alive_new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


async def wait_for_threads_to_end(
    before: set[threading.Thread], prefix: str = "", within: float = 3.0
) -> list[threading.Thread]:
    """New threads (optionally only those named `prefix`…) still alive after `within` s."""
    limit = time.monotonic() + within
    while True:
        alive = [t for t in _alive_new_threads(before) if t.name.startswith(prefix)]
        if not alive or time.monotonic() > limit:
            return alive
        await asyncio.sleep(0.02)


# --- request mapping ---------------------------------------------------------------------------


async def test_system_has_cache_point_after_the_static_block_byte_identical_across_calls(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(text("first"), text("second"), text("third"))
    await model.complete(request(system_turn="Turn 1: stage 1, user is hurt."))
    await model.complete(request("Still unheard.", system_turn="Turn 2: stage 1."))
    await model.complete(request("No per-turn part."))

    bodies = [r.body for r in fake.requests_for("converse")]
    assert len(bodies) == 3
    assert bodies[0]["system"] == [
        {"text": STATIC},
        CACHE_POINT,
        {"text": "Turn 1: stage 1, user is hurt."},
    ]
    assert bodies[1]["system"] == [{"text": STATIC}, CACHE_POINT, {"text": "Turn 2: stage 1."}]
    assert bodies[2]["system"] == [{"text": STATIC}, CACHE_POINT]  # no empty turn block
    # The cached prefix is the same bytes on the wire every time.
    prefixes = []
    for recorded in fake.requests_for("converse"):
        raw = recorded.raw_body
        start = raw.index(b'"system"')
        prefixes.append(raw[start : raw.index(b'{"cachePoint"', start)])
    assert prefixes[0] == prefixes[1] == prefixes[2]
    assert json.dumps(STATIC).encode() in prefixes[0]

    first = bodies[0]
    assert first["messages"] == [{"role": "user", "content": [{"text": "I feel unheard."}]}]
    assert first["inferenceConfig"] == {"maxTokens": 1024}
    assert "toolConfig" not in first
    assert fake.requests[0].model_id == SONNET
    assert fake.requests[0].headers["Authorization"].startswith("AWS4-HMAC-SHA256")


async def test_roles_map_to_their_model_ids_and_inference_config_is_sent(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    assert model.model_id(ModelRole.MEDIATOR) == SONNET
    assert model.model_id(ModelRole.MECHANIC) == HAIKU
    fake.script(text('{"ok": true}'), model=HAIKU)
    req = LlmRequest(
        role=ModelRole.MECHANIC,
        call_type="classify",
        system_static="Answer in JSON.",
        messages=(
            ChatTurn("user", "hello"),
            ChatTurn("assistant", "hi"),
            ChatTurn("user", "classify this"),
        ),
        max_tokens=200,
        temperature=0.2,
    )
    result = await model.complete(req)
    assert result.text == '{"ok": true}'
    assert result.model_id == HAIKU
    recorded = fake.requests[-1]
    assert recorded.model_id == HAIKU
    assert recorded.body["inferenceConfig"] == {"maxTokens": 200, "temperature": 0.2}
    assert [m["role"] for m in recorded.body["messages"]] == ["user", "assistant", "user"]


# --- complete ----------------------------------------------------------------------------------


async def test_complete_returns_text_usage_and_stop_reason(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(text("I hear how much this matters to you.") + usage(input=42, output=9))
    result = await model.complete(request())
    assert result == LlmResult(
        text="I hear how much this matters to you.",
        model_id=SONNET,
        usage=Usage(input_tokens=42, output_tokens=9, cache_read_tokens=0, cache_write_tokens=0),
        tool_calls=(),
        stop_reason="end_turn",
    )


async def test_complete_reports_cache_tokens(fake: FakeBedrock, make_model: MakeModel) -> None:
    model = make_model()
    fake.script(text("ok") + usage(input=5, output=1, cache_read=1200, cache_write=30))
    result = await model.complete(request())
    assert result.usage == Usage(5, 1, 1200, 30)


async def test_forced_tool_is_sent_and_the_tool_call_parsed(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(
        text("Noting that.") + tool_use("update_session_state", {"stage": 2, "feel_heard": True})
    )
    result = await model.complete(request(tools=(STATE_TOOL,), force_tool="update_session_state"))

    assert result.tool_calls == (
        ToolCall(name="update_session_state", input={"stage": 2, "feel_heard": True}),
    )
    assert result.text == "Noting that."
    assert result.stop_reason == "tool_use"
    tool_config = fake.requests[-1].body["toolConfig"]
    assert tool_config == {
        "tools": [
            {
                "toolSpec": {
                    "name": "update_session_state",
                    "description": "Record what the mediator learned this turn.",
                    "inputSchema": {"json": STATE_TOOL.input_schema},
                }
            }
        ],
        "toolChoice": {"tool": {"name": "update_session_state"}},
    }


async def test_tools_without_force_send_no_tool_choice(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    await model.complete(request(tools=(STATE_TOOL,)))
    assert "toolChoice" not in fake.requests[-1].body["toolConfig"]


async def test_forcing_an_unknown_tool_fails_before_any_request(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    with pytest.raises(LlmError) as info:
        await model.complete(request(tools=(STATE_TOOL,), force_tool="nope"))
    assert (info.value.code, info.value.retryable) == ("validation", False)
    assert fake.requests == []


# --- errors and retries ------------------------------------------------------------------------


async def test_throttling_is_retried_then_succeeds(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(error(429, "ThrottlingException"), error(429, "ThrottlingException"), text("ok"))
    result = await model.complete(request())
    assert result.text == "ok"
    assert len(fake.requests_for("converse")) == 3


async def test_throttling_beyond_the_bound_raises_a_retryable_error(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(*[error(429, "ThrottlingException")] * 3, text("never reached"))
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert info.value.retryable is True
    assert info.value.code == "throttled"
    assert len(fake.requests) == 3  # max_attempts=3, and botocore itself never retried
    assert fake.pending == 1


async def test_validation_error_is_not_retried(fake: FakeBedrock, make_model: MakeModel) -> None:
    model = make_model()
    fake.script(error(400, "ValidationException", "messages: must start with user"), text("no"))
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == ("validation", False)
    assert "must start with user" in str(info.value)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_type", "code", "retryable"),
    [
        (503, "ServiceUnavailableException", "unavailable", True),
        (429, "ModelNotReadyException", "unavailable", True),
        (500, "InternalServerException", "unavailable", True),
        (502, "BadGateway", "unavailable", True),
        (408, "ModelTimeoutException", "timeout", True),
        (403, "AccessDeniedException", "access_denied", False),
        (404, "ResourceNotFoundException", "not_found", False),
    ],
)
async def test_error_classification(
    fake: FakeBedrock,
    make_model: MakeModel,
    status: int,
    error_type: str,
    code: str,
    retryable: bool,
) -> None:
    model = make_model(retry=RetryPolicy(max_attempts=1))
    fake.script(error(status, error_type))
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == (code, retryable)


async def test_connection_refused_is_retryable_unavailable() -> None:
    async with serve_fake_bedrock() as gone:
        url = gone.base_url  # the port is free again once the fake has stopped
    client = make_bedrock_client(
        region="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    model = BedrockLanguageModel(
        mediator_model_id=SONNET,
        mechanic_model_id=HAIKU,
        client=client,
        retry=RetryPolicy(max_attempts=2, base_delay_seconds=0.001),
    )
    try:
        with pytest.raises(LlmError) as info:
            await model.complete(request())
        assert (info.value.code, info.value.retryable) == ("unavailable", True)
    finally:
        model.close()


async def test_endpoint_can_come_from_the_environment(
    fake: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", fake.base_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    model = BedrockLanguageModel(mediator_model_id=SONNET, mechanic_model_id=HAIKU)
    try:
        fake.script(text("via env"))
        assert (await model.complete(request())).text == "via env"
        assert len(fake.requests) == 1
    finally:
        model.close()


# --- stream ------------------------------------------------------------------------------------


async def test_stream_yields_deltas_in_order_then_one_finished_with_usage(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(
        text("Hello there", chunks=3) + usage(input=12, output=3, cache_read=900, cache_write=64)
    )
    items = await collect(model, request())

    deltas = [item for item in items[:-1] if isinstance(item, TextDelta)]
    assert len(deltas) == 3 == len(items) - 1
    assert "".join(d.text for d in deltas) == "Hello there"
    assert [d.text for d in deltas] == ["Hell", "o th", "ere"]
    finished = items[-1]
    assert isinstance(finished, StreamFinished)
    assert finished.result == LlmResult(
        text="Hello there",
        model_id=SONNET,
        usage=Usage(12, 3, 900, 64),
        stop_reason="end_turn",
    )
    assert fake.requests[0].operation == "converse-stream"
    assert fake.requests[0].body["system"][1] == CACHE_POINT


async def test_stream_assembles_tool_use_fragments(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    state = {"stage": 3, "feel_heard": False, "note": "wants an apology"}
    fake.script(text("Okay.", chunks=2) + tool_use("update_session_state", state, chunks=4))
    items = await collect(model, request(tools=(STATE_TOOL,)))

    finished = items[-1]
    assert isinstance(finished, StreamFinished)
    assert sum(isinstance(i, StreamFinished) for i in items) == 1
    assert finished.result.tool_calls == (ToolCall("update_session_state", state),)
    assert finished.result.text == "Okay."
    assert finished.result.stop_reason == "tool_use"


async def test_stream_retries_throttling_before_the_first_byte(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(error(429, "ThrottlingException"), text("second try", chunks=2))
    items = await collect(model, request())
    assert "".join(i.text for i in items if isinstance(i, TextDelta)) == "second try"
    assert len(fake.requests) == 2


async def test_mid_stream_throttling_raises_after_the_deltas_already_yielded(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(text("one,two,six,ten,", chunks=4) + stream_error_after(2), text("unused"))
    seen: list[str] = []
    with pytest.raises(LlmError) as info:
        async with aclosing(model.stream(request())) as stream:
            async for item in stream:
                assert isinstance(item, TextDelta)
                seen.append(item.text)
    assert seen == ["one,", "two,"]
    assert (info.value.code, info.value.retryable) == ("throttled", True)
    assert len(fake.requests) == 1  # text was out: no retry, the caller decides


async def test_mid_stream_model_error_is_retryable(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(text("a b c", chunks=3) + stream_error_after(1, "modelStreamErrorException"))
    with pytest.raises(LlmError) as info:
        await collect(model, request())
    assert (info.value.code, info.value.retryable) == ("unavailable", True)


async def test_stream_error_before_any_text_is_retried(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(stream_error_after(0), text("fine now", chunks=2))
    items = await collect(model, request())
    assert isinstance(items[-1], StreamFinished)
    assert items[-1].result.text == "fine now"
    assert len(fake.requests) == 2


# --- deadlines ---------------------------------------------------------------------------------


async def test_complete_hits_its_deadline(fake: FakeBedrock, make_model: MakeModel) -> None:
    model = make_model(read_timeout=1.0, timeouts=Timeouts(deadline_seconds=0.3))
    fake.script(hang(3) + text("too late"))
    started = time.monotonic()
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == ("timeout", True)
    assert time.monotonic() - started < 2.5  # generous: the deadline is 0.3 s
    assert len(fake.requests) == 1


async def test_read_timeout_is_a_retryable_timeout(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model(read_timeout=0.3, retry=RetryPolicy(max_attempts=1))
    fake.script(hang(3) + text("too late"))
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == ("timeout", True)


async def test_stream_deadline_mid_stream_drops_the_connection(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    before = set(threading.enumerate())
    model = make_model(timeouts=Timeouts(deadline_seconds=0.5))
    fake.script(text("slow answer here", chunks=4) + hang(5, after_chunks=1))
    seen: list[StreamItem] = []
    started = time.monotonic()
    with pytest.raises(LlmError) as info:
        async with aclosing(model.stream(request())) as stream:
            async for item in stream:
                seen.append(item)
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 3.0
    assert seen == [TextDelta("slow")]
    assert await fake.wait_for_disconnect(within=3.0)
    assert await wait_for_threads_to_end(before, THREAD_NAME_PREFIX) == []


async def test_stream_deadline_before_the_headers(fake: FakeBedrock, make_model: MakeModel) -> None:
    before = set(threading.enumerate())
    model = make_model(read_timeout=1.0, timeouts=Timeouts(deadline_seconds=0.3))
    fake.script(hang(5) + text("late"))
    started = time.monotonic()
    with pytest.raises(LlmError) as info:
        await collect(model, request())
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 2.5
    # Nothing can interrupt a request still waiting for its headers: its thread ends at the
    # client's read timeout (1 s here).
    assert await wait_for_threads_to_end(before, THREAD_NAME_PREFIX, within=5.0) == []


# --- cancellation ------------------------------------------------------------------------------


async def test_closing_the_stream_early_drops_the_connection_and_ends_the_thread(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    before = set(threading.enumerate())
    model = make_model()
    # The fake stalls after 3 deltas: only dropping the connection can end the read now.
    fake.script(text("word " * 40, chunks=40) + hang(30, after_chunks=3))
    stream = model.stream(request())
    received = [await anext(stream), await anext(stream)]
    assert all(isinstance(item, TextDelta) for item in received)
    assert fake.disconnects == 0
    await asyncio.sleep(0.2)  # let the reader get stuck in the stall
    await stream.aclose()

    assert await fake.wait_for_disconnect(within=3.0)
    assert "client_disconnected" in fake.events
    assert await wait_for_threads_to_end(before) == []
    assert model.breakers[ModelRole.MEDIATOR].consecutive_failures == 0


async def test_cancelling_the_consuming_task_drops_the_connection(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    fake.chunk_pause = 0.05
    before = set(threading.enumerate())
    model = make_model()
    fake.script(text("word " * 40, chunks=40))
    got_two = asyncio.Event()

    async def consume() -> None:
        count = 0
        async with aclosing(model.stream(request())) as stream:
            async for _ in stream:
                count += 1
                if count == 2:
                    got_two.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_two.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await fake.wait_for_disconnect(within=3.0)
    assert await wait_for_threads_to_end(before) == []


async def test_a_finished_stream_leaves_no_thread(fake: FakeBedrock, make_model: MakeModel) -> None:
    before = set(threading.enumerate())
    model = make_model()
    for _ in range(3):
        await collect(model, request())
    assert await wait_for_threads_to_end(before, THREAD_NAME_PREFIX) == []
    assert fake.disconnects == 0


# --- the event loop stays free -----------------------------------------------------------------


@pytest.mark.parametrize("streaming", [False, True])
async def test_event_loop_keeps_ticking_during_a_slow_call(
    fake: FakeBedrock, make_model: MakeModel, streaming: bool
) -> None:
    model = make_model()
    fake.script(hang(0.6) + text("slow but fine", chunks=2))
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    try:
        if streaming:
            items = await collect(model, request())
            assert isinstance(items[-1], StreamFinished)
        else:
            assert (await model.complete(request())).text == "slow but fine"
    finally:
        done.set()
        await ticking
    # ~60 ticks expected; a blocked loop would manage one or two.
    assert ticks >= 15


# --- circuit breaker ---------------------------------------------------------------------------


def test_breaker_opens_after_n_failures_and_half_opens_after_the_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=3, cooldown_seconds=30), clock=clock)
    for _ in range(2):
        assert breaker.try_acquire() is not None
        breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.try_acquire() is not None
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    assert breaker.try_acquire() is None
    assert breaker.retry_after() == pytest.approx(30)

    clock.advance(29.9)
    assert breaker.try_acquire() is None
    clock.advance(0.1)
    assert breaker.state is CircuitState.HALF_OPEN
    trial = breaker.try_acquire()
    assert trial is not None and trial.trial is not None
    assert breaker.try_acquire() is None  # one trial at a time
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.consecutive_failures == 0


def test_breaker_failed_trial_reopens_and_abandoned_trial_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, cooldown_seconds=10), clock=clock)
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    clock.advance(10)
    trial = breaker.try_acquire()
    assert trial is not None
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    assert breaker.try_acquire() is None
    clock.advance(10)
    trial = breaker.try_acquire()
    assert trial is not None
    breaker.release(trial)  # cancelled: no verdict
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.try_acquire() is not None


def test_a_success_resets_the_consecutive_count() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=2), clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED


async def test_model_circuit_opens_per_role_and_half_opens_after_the_cooldown(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    clock = FakeClock()
    model = make_model(
        retry=RetryPolicy(max_attempts=1),
        breaker=BreakerPolicy(failure_threshold=3, cooldown_seconds=30),
        clock=clock,
    )
    fake.script(*[error(503, "ServiceUnavailableException")] * 3, model=SONNET)
    for _ in range(3):
        with pytest.raises(LlmError) as info:
            await model.complete(request())
        assert info.value.code == "unavailable"
    assert len(fake.requests) == 3

    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == ("circuit_open", True)
    with pytest.raises(LlmError) as info:
        await collect(model, request())
    assert info.value.code == "circuit_open"
    assert len(fake.requests) == 3  # failed fast: nothing sent

    # The mechanic's breaker is its own.
    assert (await model.complete(request(role=ModelRole.MECHANIC))).model_id == HAIKU

    clock.advance(30)
    fake.script(error(503, "ServiceUnavailableException"), model=SONNET)
    with pytest.raises(LlmError) as info:
        await model.complete(request())  # the half-open trial fails...
    assert info.value.code == "unavailable"
    with pytest.raises(LlmError) as info:
        await model.complete(request())  # ...so the circuit is open again
    assert info.value.code == "circuit_open"

    clock.advance(30)
    fake.script(text("back"), model=SONNET)
    assert (await model.complete(request())).text == "back"
    assert model.breakers[ModelRole.MEDIATOR].state is CircuitState.CLOSED
    assert (await model.complete(request())).text == "Okay."  # the fake's default reply


async def test_validation_errors_do_not_trip_the_breaker(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model(breaker=BreakerPolicy(failure_threshold=2), clock=FakeClock())
    fake.script(*[error(400, "ValidationException")] * 3)
    for _ in range(3):
        with pytest.raises(LlmError) as info:
            await model.complete(request())
        assert info.value.code == "validation"
    assert model.breakers[ModelRole.MEDIATOR].state is CircuitState.CLOSED


# --- retry policy ------------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay_seconds=0.1, max_delay_seconds=0.5)
    rng = random.Random(1)
    for retry, cap in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (5, 0.5)]:
        delays = {policy.delay(retry, rng) for _ in range(50)}
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(delays) > 1  # jittered
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


# --- the fake itself ---------------------------------------------------------------------------


async def test_fake_serves_titan_embeddings(fake: FakeBedrock) -> None:
    client = make_bedrock_client(
        region="us-east-1",
        endpoint_url=fake.base_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    body = json.dumps({"inputText": "we both want to be heard", "dimensions": 256})
    response = await asyncio.to_thread(
        client.invoke_model,
        modelId="amazon.titan-embed-text-v2:0",
        contentType="application/json",
        accept="application/json",
        body=body,
    )
    payload = json.loads(response["body"].read())
    assert len(payload["embedding"]) == 256
    assert payload["inputTextTokenCount"] == 6
    assert fake.requests[-1].operation == "invoke"
    assert fake.requests[-1].model_id == "amazon.titan-embed-text-v2:0"
    client.close()
