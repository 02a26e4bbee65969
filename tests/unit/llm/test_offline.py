"""The offline mediator: milestones per stage, reflections, determinism, streaming, honesty."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mwf_core.adapters.llm.offline import OFFLINE_MODEL_ID, OfflineMediator, split_chunks
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
CAPTURE_KEYS = {"topicFrame", "offerFeelHeardCheck", "offerReadyToShare",
                "proposedEmpathyStatement", "proposedNeed", "needAction", "stage4Proposals"}
CATEGORIES = {"SAFETY", "CONNECTION", "AUTONOMY", "RECOGNITION", "MEANING", "FAIRNESS"}
VAGUE = ["ok", "hmm", "I don't know", "maybe", "yes", "not sure"]


def hints(stage: str, turn: int, **extra: Any) -> dict[str, Any]:
    return {"stage_key": stage, "turn_in_stage": turn, "user_name": "Alice",
            "partner_name": "Bob", "is_inviter": True, "topic_frame": "", "state": {}, **extra}


def capture_request(history: list[ChatTurn], hint: dict[str, Any]) -> LlmRequest:
    return LlmRequest(role=ModelRole.MECHANIC, call_type="state_capture", system_static="s",
                      messages=tuple(history), tools=(TOOL,),
                      force_tool="update_session_state", hints=hint)


def reply_request(history: list[ChatTurn], hint: dict[str, Any]) -> LlmRequest:
    return LlmRequest(role=ModelRole.MEDIATOR, call_type="mediator_reply", system_static="s",
                      messages=tuple(history), hints=hint)


async def converse(stage: str, messages: list[str],
                   **extra: Any) -> list[tuple[dict[str, Any], str]]:
    """What the conversation use case does per turn: state capture, then the reply."""
    model, history, turns = OfflineMediator(), [], []
    for turn, text in enumerate(messages, start=1):
        history.append(ChatTurn("user", text))
        hint = hints(stage, turn, **extra)
        captured = await model.complete(capture_request(history, hint))
        assert len(captured.tool_calls) == 1
        call = captured.tool_calls[0]
        assert call.name == "update_session_state"
        assert set(call.input) <= CAPTURE_KEYS
        reply = await model.complete(reply_request(history, hint))
        turns.append((call.input, reply.text))
        history.append(ChatTurn("assistant", reply.text))
    return turns


def first_turn_with(turns: list[tuple[dict[str, Any], str]], key: str) -> int:
    for number, (capture, _) in enumerate(turns, start=1):
        if capture.get(key):
            return number
    raise AssertionError(f"{key} never captured in {turns}")


# -- invitation phase: topic frame --------------------------------------------------------

@pytest.mark.parametrize("script", [
    ["Bob never helps with the dishes and I'm exhausted"],
    ["I want to talk about the way Bob talks to me when he is tired"],
    ["We keep arguing about money", "Bob spends without asking"],
    ["hmm", "I don't know, Bob and I just aren't okay"],
    ["It's complicated", "Things with Bob have been hard since Christmas"],
    ["ok", "ok", "ok"],
])
async def test_invitation_proposes_a_neutral_topic_frame_by_turn_two(script: list[str]) -> None:
    turns = await converse("invitation", script)
    reached = first_turn_with(turns, "topicFrame")
    assert reached <= 2
    frame = turns[reached - 1][0]["topicFrame"]
    assert 0 < len(frame.split()) <= 20
    assert not re.search(r"\b(alice|bob)\b", frame, re.IGNORECASE)
    assert not any(word[0].isupper() for word in frame.split()[1:])
    assert f'"{frame}"' in turns[reached - 1][1]


async def test_a_topic_named_on_the_first_turn_is_framed_at_once() -> None:
    turns = await converse("invitation", ["We fight about money and Bob's mother"])
    assert turns[0][0]["topicFrame"] == "Finding a way forward together on money and family"


async def test_stage_zero_inviter_without_a_frame_drafts_the_topic_like_the_invitation() -> None:
    turns = await converse("0", ["hmm", "it's about chores"])
    assert first_turn_with(turns, "topicFrame") <= 2


async def test_a_settled_frame_is_not_replaced_by_a_short_agreement() -> None:
    frame = "Finding a way forward together on money"
    turns = await converse("invitation", ["yes that works"], topic_frame=frame)
    assert turns[0][0] == {}
    assert "confirm the topic" in turns[0][1]


# -- stage 1: the feel-heard check ---------------------------------------------------------

@pytest.mark.parametrize("script", [
    ["I feel ignored when Bob is on his phone", "It makes me sad", "I miss us"],
    VAGUE[:3],
    ["He shouted at me", "I was scared", "I still am", "It keeps happening", "That's it"],
])
async def test_witness_offers_the_feel_heard_check_within_three_turns(script: list[str]) -> None:
    turns = await converse("1", script)
    assert first_turn_with(turns, "offerFeelHeardCheck") <= 3
    assert turns[0][0] == {"offerFeelHeardCheck": False}
    offered = turns[2][1]
    assert '"I feel heard"' in offered


async def test_witness_offers_early_when_the_person_says_they_feel_heard() -> None:
    turns = await converse("1", ["Thanks, I feel heard now"])
    assert turns[0][0] == {"offerFeelHeardCheck": True}


async def test_witness_stays_present_at_high_intensity() -> None:
    turns = await converse("1", ["Everything is falling apart"],
                           state={"emotionalIntensity": 9})
    assert "Take your time" in turns[0][1]


# -- stage 2 / 21: the empathy statement ---------------------------------------------------

@pytest.mark.parametrize("stage", ["2", "21"])
@pytest.mark.parametrize("script", [
    ["He probably felt attacked", "Maybe he is overwhelmed because his job is so stressful"],
    ["I don't know", "no idea", "maybe"],
    ["She was quiet", "She stayed late at work", "She sighed a lot"],
])
async def test_perspective_proposes_an_empathy_statement_by_turn_three(
    stage: str, script: list[str]
) -> None:
    turns = await converse(stage, script)
    reached = first_turn_with(turns, "offerReadyToShare")
    assert reached <= 3
    statement = turns[reached - 1][0]["proposedEmpathyStatement"]
    assert statement.startswith("I imagine Bob might be feeling ")
    assert " because " in statement
    assert statement in turns[reached - 1][1]


async def test_empathy_statement_uses_the_persons_feeling_words_and_reason() -> None:
    turns = await converse("2", ["He might feel overwhelmed", "because his job is so stressful"])
    assert turns[1][0] == {
        "offerReadyToShare": True,
        "proposedEmpathyStatement":
            "I imagine Bob might be feeling overwhelmed because his job is so stressful.",
    }


# -- stage 3: needs ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "category"), [
    ("I get scared when he yells", "SAFETY"),
    ("I don't feel safe at home", "SAFETY"),
    ("I feel so alone in this", "CONNECTION"),
    ("I feel ignored when he's on his phone", "CONNECTION"),
    ("I just want us to be close again", "CONNECTION"),
    ("She tries to control every choice I make", "AUTONOMY"),
    ("I need some space and freedom", "AUTONOMY"),
    ("Nobody ever gives me credit", "RECOGNITION"),
    ("I want to feel appreciated and respected", "RECOGNITION"),
    ("I want my work to have purpose", "MEANING"),
    ("It matters to me that we live by our values", "MEANING"),
    ("It's not fair that I do all the chores", "FAIRNESS"),
    ("We should share the load equally and take turns", "FAIRNESS"),
])
async def test_needs_category_follows_the_persons_words(text: str, category: str) -> None:
    turns = await converse("3", [text])
    need = turns[0][0]["proposedNeed"]
    assert need["category"] == category
    assert need["need"]
    assert need["evidence"] and need["evidence"] in text


@pytest.mark.parametrize("script", [VAGUE[:3], ["hmm", "dunno"], ["It has been a long year"]*3])
async def test_a_need_is_named_by_turn_three_even_from_vague_words(script: list[str]) -> None:
    turns = await converse("3", script)
    reached = first_turn_with(turns, "proposedNeed")
    assert reached <= 3
    assert turns[reached - 1][0]["proposedNeed"]["category"] in CATEGORIES


async def test_one_need_per_turn_and_known_categories_are_not_repeated() -> None:
    turns = await converse("3", ["I feel ignored and unappreciated"],
                           needs=[{"id": "n1", "need": "Closeness", "category": "CONNECTION"}])
    assert turns[0][0]["proposedNeed"]["category"] == "RECOGNITION"


# -- stage 4: strategies -------------------------------------------------------------------

async def test_repair_captures_the_persons_own_idea_as_a_one_week_experiment() -> None:
    needs = [{"id": "n1", "need": "To feel close", "category": "CONNECTION"}]
    turns = await converse("4", ["we could put our phones away at dinner"], needs=needs)
    [proposal] = turns[0][0]["stage4Proposals"]
    assert proposal["op"] == "add"
    assert "put our phones away at dinner" in proposal["description"]
    assert "one week" in proposal["description"]
    assert proposal["needsAddressed"] == ["n1"]


@pytest.mark.parametrize("script", [VAGUE[:2], ["I really don't know what would help"] * 5])
async def test_repair_proposes_a_small_strategy_within_five_turns(script: list[str]) -> None:
    turns = await converse("4", script)
    reached = first_turn_with(turns, "stage4Proposals")
    assert reached <= 5
    [proposal] = turns[reached - 1][0]["stage4Proposals"]
    assert proposal["op"] == "add" and proposal["description"].startswith("For one week, ")


async def test_repair_experiment_follows_the_needs_given() -> None:
    turns = await converse("4", ["ok"], needs=[{"needId": "n9", "need": "Fair share",
                                                "category": "FAIRNESS"}])
    [proposal] = turns[0][0]["stage4Proposals"]
    assert "chores" in proposal["description"] and proposal["needsAddressed"] == ["n9"]


@pytest.mark.parametrize(("stage", "milestone"), [
    ("invitation", "topicFrame"), ("1", "offerFeelHeardCheck"), ("2", "offerReadyToShare"),
    ("21", "offerReadyToShare"), ("3", "proposedNeed"), ("4", "stage4Proposals"),
])
async def test_every_milestone_is_reached_within_five_vague_turns(stage: str,
                                                                   milestone: str) -> None:
    turns = await converse(stage, VAGUE[:5])
    assert first_turn_with(turns, milestone) <= 5


# -- reflections ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("I feel ignored when he's on his phone", "you feel ignored when he's on his phone"),
    ("I am tired of arguing about my mother", "you are tired of arguing about your mother"),
    ("Honestly, I was hurt by what he said", "you were hurt by what he said"),
    ("We never talk anymore", "you two never talk anymore"),
    ("I'm exhausted. The house is a mess", "you're exhausted"),
])
async def test_reflections_use_the_persons_own_words_in_second_person(text: str,
                                                                     expected: str) -> None:
    for stage in ("1", "2", "3"):
        turns = await converse(stage, [text])
        assert expected in turns[0][1]


async def test_words_spoken_to_someone_are_not_turned_around() -> None:
    turns = await converse("1", ["You don't understand me"])
    assert turns[0][1].startswith("I hear you.")
    assert "understand you" not in turns[0][1]


async def test_reflection_ignores_the_context_wrapper_of_the_last_message() -> None:
    wrapped = "Context: stage 1, intensity 5, facts: none.\n\nUser message: I feel left out"
    turns = await converse("1", [wrapped])
    assert "you feel left out" in turns[0][1]
    assert "intensity" not in turns[0][1]


# -- determinism, streaming, honesty ------------------------------------------------------

def sample_requests() -> list[LlmRequest]:
    history = [ChatTurn("user", "I feel ignored"), ChatTurn("assistant", "Go on."),
               ChatTurn("user", "He never listens when I talk about my day")]
    requests = []
    for stage in ("invitation", "0", "1", "2", "21", "3", "4", "9"):
        for turn in (1, 2, 3, 5):
            hint = hints(stage, turn)
            requests += [capture_request(history, hint), reply_request(history, hint)]
    return requests


async def test_same_request_gives_the_same_output() -> None:
    for request in sample_requests():
        first = await OfflineMediator().complete(request)
        second = await OfflineMediator().complete(request)
        assert first == second


async def collect(model: OfflineMediator, request: LlmRequest) -> tuple[list[str], LlmResult]:
    deltas, finished = [], []
    async for item in model.stream(request):
        if isinstance(item, TextDelta):
            assert not finished
            deltas.append(item.text)
        else:
            assert isinstance(item, StreamFinished)
            finished.append(item.result)
    assert len(finished) == 1
    return deltas, finished[0]


async def test_stream_chunks_concatenate_to_the_complete_text() -> None:
    model = OfflineMediator()
    for request in sample_requests():
        if request.call_type != "mediator_reply":
            continue
        deltas, result = await collect(model, request)
        complete = await model.complete(request)
        assert "".join(deltas) == complete.text == result.text
        assert len(deltas) >= 3
        assert all(1 <= len(chunk.split()) <= 6 for chunk in deltas)
        assert result.model_id == OFFLINE_MODEL_ID
        assert result.usage.output_tokens == pytest.approx(len(result.text) / 4, abs=1)
        assert result.usage.input_tokens > 0


def test_split_chunks_keeps_every_character() -> None:
    text = "  One two three four five six seven eight nine ten eleven twelve thirteen.\n"
    chunks = split_chunks(text)
    assert "".join(chunks) == text
    assert [len(c.split()) for c in chunks] == [3, 4, 5, 1]
    assert split_chunks("") == []


HONESTY = re.compile(r"\bAI\b|\bmodel\b|language model|artificial|assistant|\bbot\b|chatbot|"
                     r"understand deeply|deeply understand|I understand|as an\b",
                     re.IGNORECASE)
INPUTS = [
    "I feel ignored", "Are you an AI?", "are you a bot or a real person?", "is this chatgpt",
    "What are you?", "You don't understand me", "I feel like a robot at work",
    "I'm angry!!!", "", "???", "...", "\U0001f622", "ok", "He said I'm impossible to live with",
    "Context: x\n\nUser message: I need help", "I could cook on Tuesdays",
    "My boss and my partner both want everything from me",
]


@pytest.mark.parametrize("text", INPUTS)
async def test_no_reply_claims_to_be_a_model_and_each_asks_one_question(text: str) -> None:
    model = OfflineMediator()
    for stage in ("invitation", "0", "1", "2", "21", "3", "4", "unknown"):
        for turn in (1, 3):
            history = [ChatTurn("user", text)]
            reply = await model.complete(reply_request(history, hints(stage, turn)))
            assert reply.text.strip()
            assert not HONESTY.search(reply.text), (stage, reply.text)
            assert reply.text.count("?") == 1, reply.text
            greeting = await model.complete(LlmRequest(
                role=ModelRole.MEDIATOR, call_type="initial_message", system_static="s",
                messages=(ChatTurn("user", "(opened)"),), hints=hints(stage, 0)))
            assert not HONESTY.search(greeting.text)
            assert greeting.text.count("?") == 1


async def test_questions_about_itself_get_a_plain_honest_answer() -> None:
    turns = await converse("1", ["Are you an AI?"])
    assert "simple offline guide" in turns[0][1]


async def test_greeting_names_the_person_and_the_stage_work() -> None:
    model = OfflineMediator()
    request = LlmRequest(role=ModelRole.MEDIATOR, call_type="initial_message",
                         system_static="s", messages=(ChatTurn("user", "(opened)"),),
                         hints={"stage_key": "invitation", "turn_in_stage": 0,
                                "user_name": "Alice", "is_inviter": True})
    text = (await model.complete(request)).text
    assert text.startswith("Hi Alice.") and "private" in text
    deltas, result = await collect(model, request)
    assert "".join(deltas) == text == result.text


# -- JSON jobs, fallbacks, errors ----------------------------------------------------------

def job(call_type: str, *texts: str, force_tool: str | None = None) -> LlmRequest:
    return LlmRequest(role=ModelRole.MECHANIC, call_type=call_type, system_static="s",
                      messages=tuple(ChatTurn("user", text) for text in texts),
                      force_tool=force_tool)


async def test_summary_and_notable_facts_are_small_valid_json() -> None:
    model = OfflineMediator()
    result = await model.complete(job("summary", "We argued about money. It was bad.",
                                      "Later we talked. I felt better."))
    summary = json.loads(result.text)
    assert summary["text"] == "We argued about money. ... I felt better."
    assert summary["keyThemes"] == ["money"] and summary["messageCount"] == 2
    assert json.loads((await model.complete(job("notable_facts", "x"))).text) == {"facts": []}
    reconciler = json.loads((await model.complete(job("reconciler_analysis", "x"))).text)
    assert reconciler["recommendation"]["action"] == "PROCEED"
    assert json.loads((await model.complete(job("something_else", "x"))).text) == {}


async def test_a_job_with_a_forced_tool_answers_through_the_tool() -> None:
    result = await OfflineMediator().complete(job("notable_facts", "x", force_tool="facts"))
    assert result.tool_calls == (ToolCall("facts", {"facts": []}),)
    assert result.stop_reason == "tool_use"


async def test_unknown_stage_and_odd_messages_get_a_supportive_fallback() -> None:
    model = OfflineMediator()
    for text in ("", "   ", "!!!"):
        for stage in ("", "7", "1"):
            result = await model.complete(reply_request([ChatTurn("user", text)],
                                                        hints(stage, 1)))
            assert result.text.endswith("?")
    only_ai = [ChatTurn("assistant", "Hello")]
    assert (await model.complete(reply_request(only_ai, {}))).text
    no_hints = LlmRequest(role=ModelRole.MEDIATOR, call_type="mediator_reply",
                          system_static="", messages=(ChatTurn("user", "I feel lost"),))
    assert "you feel lost" in (await model.complete(no_hints)).text


async def test_an_empty_message_list_is_an_error() -> None:
    model = OfflineMediator()
    request = LlmRequest(role=ModelRole.MEDIATOR, call_type="mediator_reply",
                         system_static="s", messages=())
    with pytest.raises(LlmError) as caught:
        await model.complete(request)
    assert caught.value.retryable is False
    with pytest.raises(LlmError):
        await collect(model, request)


def test_model_id_is_the_same_for_both_roles() -> None:
    model = OfflineMediator()
    assert model.model_id(ModelRole.MEDIATOR) == model.model_id(ModelRole.MECHANIC) \
        == "offline-mediator"
