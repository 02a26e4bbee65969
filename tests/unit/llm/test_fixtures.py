"""E2E fixtures: loading, turn indexing per (fixture, session, user), operations, errors."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mwf_core.adapters.llm.fixtures import FixtureLanguageModel, parse_fixture
from mwf_core.ports.llm import (
    ChatTurn,
    LlmError,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    TextDelta,
    ToolCall,
    ToolSpec,
)

TOOL = ToolSpec("update_session_state", "Record what this turn captured.", {"type": "object"})

JOURNEY = {
    "initial": "Hi! What brings you here?",
    "responses": [
        "First reply, about what happened.",
        {"text": "Second reply <thinking>FeelHeardCheck: Y</thinking>",
         "state": {"offerFeelHeardCheck": True}},
        {"chunks": ["Split <thin", "king>x</thinking> tag"], "state": {"topicFrame": "Money"}},
    ],
    "operations": {
        "summary": {"text": "They argued.", "keyThemes": ["money"]},
        "notable_facts": {"facts": []},
        "reconciler-analysis": {"response": {"alignment": {"score": 90}}},
        "share_text": "A plain text operation",
    },
}


@pytest.fixture
def fixture_dir(tmp_path: Path) -> Path:
    (tmp_path / "journey.json").write_text(json.dumps(JOURNEY))
    (tmp_path / "flat.json").write_text(json.dumps(["one", "two"]))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "failing.json").write_text(json.dumps({
        "responses": ["r0", "r1 is a longer reply in several chunks for the stream", "r2"],
        "errors": [0, {"turn": 1, "afterChunks": 2}, {"turn": 2, "callType": "state_capture"},
                   {"callType": "summary", "times": 2, "message": "summary down"}],
        "operations": {"summary": {"text": "ok"}},
    }))
    return tmp_path


def reply(fixture_id: str | None = "journey", session: str = "s1",
          user: str = "alice") -> LlmRequest:
    hints = {"stage_key": "1", "turn_in_stage": 1}
    if fixture_id is not None:
        hints["fixture_id"] = fixture_id
    return LlmRequest(role=ModelRole.MEDIATOR, call_type="mediator_reply", system_static="s",
                      messages=(ChatTurn("user", "hello"),), session_id=session,
                      user_id=user, hints=hints)


def capture(fixture_id: str = "journey", session: str = "s1", user: str = "alice") -> LlmRequest:
    return LlmRequest(role=ModelRole.MECHANIC, call_type="state_capture", system_static="s",
                      messages=(ChatTurn("user", "hello"),), tools=(TOOL,),
                      force_tool="update_session_state", session_id=session, user_id=user,
                      hints={"fixture_id": fixture_id})


def job(call_type: str, fixture_id: str = "journey", force_tool: str | None = None,
        role: ModelRole = ModelRole.MECHANIC) -> LlmRequest:
    return LlmRequest(role=role, call_type=call_type, system_static="s",
                      messages=(ChatTurn("user", "x"),), force_tool=force_tool,
                      session_id="s1", user_id="alice", hints={"fixture_id": fixture_id})


async def collect(model: FixtureLanguageModel,
                  request: LlmRequest) -> tuple[list[str], LlmResult]:
    deltas, results = [], []
    async for item in model.stream(request):
        if isinstance(item, TextDelta):
            deltas.append(item.text)
        else:
            assert isinstance(item, StreamFinished)
            results.append(item.result)
    assert len(results) == 1
    return deltas, results[0]


async def test_replies_follow_the_users_turns_and_repeat_the_last(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    texts = []
    for _ in range(5):
        deltas, result = await collect(model, reply())
        assert "".join(deltas) == result.text
        assert result.model_id == "fixture:journey"
        texts.append(result.text)
    assert texts == ["First reply, about what happened.",
                     "Second reply <thinking>FeelHeardCheck: Y</thinking>",
                     "Split <thinking>x</thinking> tag", "Split <thinking>x</thinking> tag",
                     "Split <thinking>x</thinking> tag"]


async def test_explicit_chunks_are_streamed_as_written(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    await model.complete(reply())
    await model.complete(reply())
    deltas, _ = await collect(model, reply())
    assert deltas == ["Split <thin", "king>x</thinking> tag"]


async def test_state_capture_answers_the_state_of_the_coming_reply(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    states = []
    for _ in range(3):
        result = await model.complete(capture())
        assert result.stop_reason == "tool_use"
        [call] = result.tool_calls
        states.append(call)
        await model.complete(reply())
    assert states == [ToolCall("update_session_state", {}),
                      ToolCall("update_session_state", {"offerFeelHeardCheck": True}),
                      ToolCall("update_session_state", {"topicFrame": "Money"})]


async def test_turns_are_counted_per_session_and_user(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    assert (await model.complete(reply(user="alice"))).text.startswith("First")
    assert (await model.complete(reply(user="alice"))).text.startswith("Second")
    assert (await model.complete(reply(user="bob"))).text.startswith("First")
    assert (await model.complete(reply(session="s2"))).text.startswith("First")
    assert model.turn_index("journey", "s1", "alice") == 2
    model.reset()
    assert (await model.complete(reply(user="alice"))).text.startswith("First")


async def test_concurrent_replies_take_distinct_turns() -> None:
    model = FixtureLanguageModel(fixtures={"many": [f"reply {i}" for i in range(40)]})
    results = await asyncio.gather(*(model.complete(reply("many")) for _ in range(20)))
    assert sorted(r.text for r in results) == sorted(f"reply {i}" for i in range(20))

    def in_thread() -> str:
        return asyncio.run(model.complete(reply("many"))).text

    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda _: in_thread(), range(20)))
    assert sorted(threaded) == sorted(f"reply {i}" for i in range(20, 40))


async def test_a_cancelled_stream_gives_its_turn_back(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    stream = model.stream(reply())
    first = await anext(stream)
    assert isinstance(first, TextDelta)
    await stream.aclose()
    assert model.turn_index("journey", "s1", "alice") == 0
    assert (await model.complete(reply())).text.startswith("First")


async def test_operations_answer_named_jobs(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    summary = await model.complete(job("summary"))
    assert json.loads(summary.text) == {"text": "They argued.", "keyThemes": ["money"]}
    assert json.loads((await model.complete(job("notable_facts"))).text) == {"facts": []}
    unwrapped = await model.complete(job("reconciler_analysis"))
    assert json.loads(unwrapped.text) == {"alignment": {"score": 90}}
    assert (await model.complete(job("share_text"))).text == "A plain text operation"
    tool = await model.complete(job("summary", force_tool="write_summary"))
    assert tool.tool_calls == (ToolCall("write_summary", {"text": "They argued.",
                                                          "keyThemes": ["money"]}),)
    with pytest.raises(LlmError) as caught:
        await model.complete(job("classify"))
    assert caught.value.code == "fixture_missing_operation"
    assert caught.value.retryable is False
    assert model.turn_index("journey", "s1", "alice") == 0  # jobs are not turns


async def test_initial_message(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    greeting = await model.complete(job("initial_message", role=ModelRole.MEDIATOR))
    assert greeting.text == "Hi! What brings you here?"
    deltas, result = await collect(model, job("initial_message", role=ModelRole.MEDIATOR))
    assert "".join(deltas) == result.text == greeting.text
    with pytest.raises(LlmError):
        await model.complete(job("initial_message", fixture_id="flat"))


async def test_scripted_errors_fail_once_and_the_retry_gets_the_same_turn(
    fixture_dir: Path,
) -> None:
    model = FixtureLanguageModel(fixture_dir)
    with pytest.raises(LlmError) as caught:
        await model.complete(reply("failing"))
    assert caught.value.retryable is True and caught.value.code == "fixture_error"
    assert (await model.complete(reply("failing"))).text == "r0"

    received: list[str] = []
    with pytest.raises(LlmError) as caught:
        async for item in model.stream(reply("failing")):
            assert isinstance(item, TextDelta)
            received.append(item.text)
    assert len(received) == 2 and caught.value.retryable
    deltas, result = await collect(model, reply("failing"))
    assert result.text.startswith("r1") and "".join(deltas) == result.text

    with pytest.raises(LlmError):
        await model.complete(capture("failing"))
    assert (await model.complete(capture("failing"))).tool_calls[0].input == {}
    assert (await model.complete(reply("failing"))).text == "r2"


async def test_operation_errors_fire_the_given_number_of_times(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    for _ in range(2):
        with pytest.raises(LlmError, match="summary down"):
            await model.complete(job("summary", fixture_id="failing"))
    assert json.loads((await model.complete(job("summary", "failing"))).text) == {"text": "ok"}


async def test_unknown_missing_and_invalid_fixtures(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir)
    for fixture_id in ("nope", "../journey", ""):
        with pytest.raises(LlmError) as caught:
            await model.complete(reply(fixture_id))
        assert caught.value.code == "fixture_not_found"
        assert caught.value.retryable is False
    with pytest.raises(LlmError, match="nope"):
        await collect(model, reply("nope"))
    with pytest.raises(LlmError) as caught:
        await model.complete(reply("broken"))
    assert caught.value.code == "fixture_invalid"
    with pytest.raises(LlmError) as caught:
        await FixtureLanguageModel().complete(reply("journey"))
    assert caught.value.code == "fixture_not_found"


async def test_default_fixture_id_and_header_override(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir, default_fixture_id="flat")
    assert model.model_id(ModelRole.MEDIATOR) == "fixture:flat"
    assert (await model.complete(reply(None))).text == "one"
    assert (await model.complete(reply("journey"))).text.startswith("First")
    assert FixtureLanguageModel().model_id(ModelRole.MECHANIC) == "fixture"


async def test_fixtures_registered_in_code_win_over_files(fixture_dir: Path) -> None:
    model = FixtureLanguageModel(fixture_dir, fixtures={"journey": {"responses": ["coded"]}})
    assert (await model.complete(reply())).text == "coded"
    model.register("extra", {"responses": [{"text": "added", "state": {"x": 1}}]})
    assert (await model.complete(capture("extra"))).tool_calls[0].input == {"x": 1}


async def test_a_fixture_without_responses_fails_the_reply_clearly() -> None:
    model = FixtureLanguageModel(fixtures={"ops": {"operations": {"summary": {}}}})
    with pytest.raises(LlmError) as caught:
        await model.complete(reply("ops"))
    assert caught.value.code == "fixture_no_response"
    assert (await model.complete(capture("ops"))).tool_calls[0].input == {}


@pytest.mark.parametrize("document", [
    42, {"responses": "x"}, {"responses": [3]}, {"responses": [{"state": []}]},
    {"operations": []}, {"errors": ["x"]}, {"responses": [{"chunks": [1]}]},
])
def test_invalid_documents_are_refused(document: Any) -> None:
    with pytest.raises(ValueError):
        parse_fixture("bad", document)
