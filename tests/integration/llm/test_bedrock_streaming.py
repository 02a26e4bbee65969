"""BedrockLanguageModel with the real boto3 client against the loopback Bedrock fake:
streaming, mid-stream errors, deadlines and timeouts, cancellation, reader threads, and a free
event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import aclosing

import pytest

from mwf_core.adapters.llm.bedrock import RetryPolicy, Timeouts
from mwf_core.adapters.llm.bedrock_stream import THREAD_NAME_PREFIX
from mwf_core.ports.llm import (
    LlmError,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    ToolCall,
    Usage,
)
from tests.fakes.bedrock import FakeBedrock, error, hang, stream_error_after, text, tool_use, usage
from tests.integration.llm.bedrock_helpers import (
    CACHE_POINT,
    SONNET,
    STATE_TOOL,
    MakeModel,
    collect,
    request,
    wait_for_threads_to_end,
)

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
