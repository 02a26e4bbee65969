"""ConversationUseCases.send over in-memory fakes and the scripted model: event order, what is
stored where, hidden tags, captured state, failures and retries, safety, refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from mwf_core.domain import events
from mwf_core.domain.enums import MessageRole, SessionStatus, Stage, StageStatus, TurnStatus
from mwf_core.domain.errors import SessionNotActive, ValidationFailed
from mwf_core.domain.records import Message, User
from mwf_core.usecases.conversation import ConversationUseCases, SendRequest
from mwf_core.usecases.turn_events import (
    ReplyChunk,
    ReplyFailed,
    ReplyMetadata,
    ReplyStored,
    ReplyTextComplete,
    TurnEvent,
    UserMessageStored,
)
from tests.fakes.scripted_llm import REPLY, STATE_CAPTURE, ScriptedModel, block, chunks, fail, tool

from .conftest import App

SUCCESS = [UserMessageStored, ReplyChunk, ReplyMetadata, ReplyTextComplete, ReplyStored]


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
def conv(app: App, model: ScriptedModel) -> ConversationUseCases:
    return ConversationUseCases(app.deps, model, poll_seconds=0.01)


async def collect(stream: AsyncIterator[TurnEvent]) -> list[TurnEvent]:
    return [event async for event in stream]


def kinds(found: list[TurnEvent]) -> list[type]:
    """Event types with runs of chunks collapsed to one."""
    out: list[type] = []
    for event in found:
        if not (out and out[-1] is ReplyChunk and isinstance(event, ReplyChunk)):
            out.append(type(event))
    return out


def visible(found: list[TurnEvent]) -> str:
    return "".join(e.text for e in found if isinstance(e, ReplyChunk))


def lane(app: App, session_id: str, user_id: str) -> list[Message]:
    rows = [m for m in app.store.messages.values() if m.session_id == session_id and (
        (m.sender_id == user_id and m.for_user_id is None) or m.for_user_id == user_id)]
    return sorted(rows, key=lambda m: (m.timestamp, m.id))


def roles(app: App, session_id: str, user_id: str) -> list[MessageRole]:
    return [m.role for m in lane(app, session_id, user_id)]


async def send(conv: ConversationUseCases, user: User, session_id: str, content: str,
               request_id: str = "") -> list[TurnEvent]:
    return await collect(conv.send(user, SendRequest(session_id, content, request_id)))


async def test_event_order_and_the_reply_lands_in_my_lane_only(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    model.script(REPLY, chunks("Thank you ", "for telling me ", "about this."))
    found = await send(conv, alice, sid, "He never does the dishes.", "req-1")
    assert kinds(found) == SUCCESS
    assert visible(found) == "Thank you for telling me about this."
    stored = found[0]
    assert isinstance(stored, UserMessageStored)
    assert stored.message.content == "He never does the dishes."
    mine = lane(app, sid, alice.id)
    assert [(m.role, m.content) for m in mine] == [
        (MessageRole.USER, "He never does the dishes."),
        (MessageRole.AI, "Thank you for telling me about this."),
    ]
    reply = mine[1]
    assert (reply.sender_id, reply.for_user_id, reply.stage) == (None, alice.id, Stage.WITNESS)
    assert mine[0].stage == Stage.WITNESS
    done = found[-1]
    assert isinstance(done, ReplyStored) and done.message_id == reply.id
    assert lane(app, sid, bob.id) == []
    assert (model.calls[STATE_CAPTURE], model.calls[REPLY]) == (1, 1)
    [turn] = app.store.turns.values()
    assert (turn.status, turn.reply_message_id) == (TurnStatus.COMPLETED, reply.id)


async def test_hidden_tags_split_across_chunks_never_reach_the_person(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    model.script(REPLY, chunks("Let me <thin", "king>she is furious, go slow</thi",
                               "nking>I hear you. <dra", "ft>private draft</draft>Tell me more."))
    found = await send(conv, alice, active[0], "I'm so tired of this.")
    assert kinds(found) == SUCCESS
    for event in found:
        if isinstance(event, ReplyChunk):
            assert "<" not in event.text and ">" not in event.text, event
    assert visible(found) == "Let me I hear you. Tell me more."
    reply = lane(app, active[0], alice.id)[-1]
    assert reply.content == "Let me I hear you. Tell me more."
    for secret in ("furious", "private draft", "thinking", "draft"):
        assert secret not in reply.content


async def test_topic_frame_saved_only_while_drafting_the_invitation(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
) -> None:
    created = await app.create(alice, "Bob", "We argue about chores.")
    sid = created.view.session.id
    model.script(STATE_CAPTURE, tool({"topicFrame": "Sharing the housework fairly"}))
    found = await send(conv, alice, sid, "It's about the housework.")
    assert found[-1].metadata == {"topicFrame": "Sharing the housework fairly"}  # type: ignore
    assert app.store.sessions[sid].topic_frame == "Sharing the housework fairly"
    [draft] = [e for e in app.events(events.TOPIC_FRAME_UPDATED)
               if e.payload.get("confirmed") is False]
    assert draft.channel == f"user:{alice.id}"
    assert draft.payload["topicFrame"] == "Sharing the housework fairly"

    await app.stage0.sign_compact(alice, sid, True)
    await app.stage0.confirm_topic_frame(alice, sid)
    assert app.store.sessions[sid].status is SessionStatus.INVITED
    model.script(STATE_CAPTURE, tool({"topicFrame": "Something else entirely"}))
    await send(conv, alice, sid, "Actually it's about money too.")
    assert app.store.sessions[sid].topic_frame == "Sharing the housework fairly"
    assert len([e for e in app.events(events.TOPIC_FRAME_UPDATED)
                if e.payload.get("confirmed") is False]) == 1


async def test_stage1_offer_sets_the_gate_but_never_moves_the_stage(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    model.script(STATE_CAPTURE, tool({"offerFeelHeardCheck": True}))
    found = await send(conv, alice, sid, "I think that's everything.")
    meta = [e for e in found if isinstance(e, ReplyMetadata | ReplyTextComplete | ReplyStored)]
    assert [e.metadata for e in meta] == [{"offerFeelHeardCheck": True}] * 3
    rows = {(p.user_id, p.stage): p for p in app.store.progress.values() if p.session_id == sid}
    assert rows[(alice.id, 1)].gates_satisfied.get("feelHeardCheckOffered") is True
    assert rows[(alice.id, 1)].status is StageStatus.IN_PROGRESS
    assert (alice.id, 2) not in rows
    assert "feelHeardCheckOffered" not in rows[(bob.id, 1)].gates_satisfied


@pytest.mark.parametrize("retryable", [True, False])
async def test_model_failure_keeps_the_message_and_tells_the_writer(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str], retryable: bool,
) -> None:
    sid = active[0]
    model.script(REPLY, fail(retryable, after=1))
    found = await send(conv, alice, sid, "Please help me with this.", "req-f")
    assert kinds(found) == [UserMessageStored, ReplyChunk, ReplyFailed]
    failed = found[-1]
    assert isinstance(failed, ReplyFailed) and failed.retryable is retryable
    user_message = found[0].message  # type: ignore[union-attr]
    assert failed.user_message_id == user_message.id
    assert [(m.role, m.content) for m in lane(app, sid, alice.id)] == [
        (MessageRole.USER, "Please help me with this.")]
    [turn] = app.store.turns.values()
    assert turn.status is TurnStatus.FAILED
    [error] = app.events(events.MESSAGE_ERROR)
    assert error.channel == f"user:{alice.id}"
    assert error.payload["userMessageId"] == user_message.id
    assert error.payload["forUserId"] == alice.id and error.payload["canRetry"] is retryable
    assert lane(app, sid, bob.id) == []


async def test_retry_with_the_same_request_id_then_replay(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    model.script(REPLY, fail(True), chunks("Second ", "try works."))
    first = await send(conv, alice, sid, "Hello?", "req-r")
    assert kinds(first) == [UserMessageStored, ReplyFailed]
    second = await send(conv, alice, sid, "Hello?", "req-r")
    assert kinds(second) == SUCCESS
    assert second[0].message.id == first[0].message.id  # type: ignore[union-attr]
    assert visible(second) == "Second try works."
    assert roles(app, sid, alice.id) == [MessageRole.USER, MessageRole.AI]
    assert model.calls[REPLY] == 2
    calls_before = dict(model.calls)

    third = await send(conv, alice, sid, "Hello?", "req-r")
    assert kinds(third) == SUCCESS
    assert dict(model.calls) == calls_before  # replayed, the model was not asked
    assert visible(third) == "Second try works."
    assert third[-1].message_id == second[-1].message_id  # type: ignore[union-attr]
    assert roles(app, sid, alice.id) == [MessageRole.USER, MessageRole.AI]


async def test_replay_carries_the_first_metadata(
    conv: ConversationUseCases, model: ScriptedModel, alice: User, active: tuple[str, str],
) -> None:
    model.script(STATE_CAPTURE, tool({"offerFeelHeardCheck": True}))
    first = await send(conv, alice, active[0], "That's all, I think.", "req-m")
    again = await send(conv, alice, active[0], "That's all, I think.", "req-m")
    assert first[-1].metadata == {"offerFeelHeardCheck": True}  # type: ignore[union-attr]
    assert again[-1].metadata == first[-1].metadata  # type: ignore[union-attr]


async def test_same_request_id_with_other_content_is_refused(
    app: App, conv: ConversationUseCases, alice: User, active: tuple[str, str],
) -> None:
    await send(conv, alice, active[0], "First words.", "req-x")
    with pytest.raises(ValidationFailed) as caught:
        await send(conv, alice, active[0], "Different words.", "req-x")
    assert list(caught.value.details) == ["request_id"]
    assert [m.content for m in lane(app, active[0], alice.id)
            if m.role is MessageRole.USER] == ["First words."]


async def _close_after_first_chunk(conv: ConversationUseCases, alice: User, sid: str) -> None:
    stream = conv.send(alice, SendRequest(sid, "I need to vent.", "req-c"))
    async for event in stream:
        if isinstance(event, ReplyChunk):
            break
    await stream.aclose()


async def test_consumer_leaving_mid_stream_closes_the_model_and_stores_nothing(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    model.script(REPLY, block(after=1), chunks("Welcome ", "back."))
    await _close_after_first_chunk(conv, alice, sid)
    await asyncio.wait_for(model.stream_closed.wait(), 2)
    for _ in range(50):  # the cleanup may take a few loop turns
        if next(iter(app.store.turns.values())).status is not TurnStatus.RUNNING:
            break
        await asyncio.sleep(0.01)
    assert model.closed_early == 1 and model.finished[REPLY] == 0
    assert roles(app, sid, alice.id) == [MessageRole.USER]
    [turn] = app.store.turns.values()
    assert (turn.status, turn.error) == (TurnStatus.FAILED, "cancelled")
    assert app.events(events.MESSAGE_ERROR) == []  # nobody is left to tell
    retry = await send(conv, alice, sid, "I need to vent.", "req-c")
    assert kinds(retry) == SUCCESS and visible(retry) == "Welcome back."
    assert roles(app, sid, alice.id) == [MessageRole.USER, MessageRole.AI]


async def test_consumer_leaving_cleans_up_before_aclose_returns(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    model.script(REPLY, block(after=1))
    await _close_after_first_chunk(conv, alice, active[0])
    assert model.closed_early == 1
    assert next(iter(app.store.turns.values())).status is TurnStatus.FAILED


async def test_empty_visible_reply_is_a_failure(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    model.script(REPLY, chunks("<thinking>nothing to say</thinking>", "   "))
    found = await send(conv, alice, active[0], "Hello.")
    assert kinds(found) == [UserMessageStored, ReplyFailed]
    assert found[-1].retryable is True  # type: ignore[union-attr]
    assert roles(app, active[0], alice.id) == [MessageRole.USER]
    [turn] = app.store.turns.values()
    assert (turn.status, turn.error) == (TurnStatus.FAILED, "empty_reply")


async def test_state_capture_failure_still_replies(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    model.script(STATE_CAPTURE, fail(True))
    found = await send(conv, alice, active[0], "Where do I start?")
    assert kinds(found) == SUCCESS
    assert [e.metadata for e in found[-3:]] == [{}, {}, {}]  # type: ignore[union-attr]
    assert roles(app, active[0], alice.id) == [MessageRole.USER, MessageRole.AI]
    assert (model.calls[STATE_CAPTURE], model.calls[REPLY]) == (1, 1)


async def test_crisis_signal_adds_safety_metadata_and_an_event_without_the_words(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    found = await send(conv, alice, active[0], "I have been counting my pills")
    assert kinds(found) == SUCCESS  # never blocks the reply
    safety = found[-1].metadata["safety"]  # type: ignore[union-attr]
    assert set(safety) == {"level", "categories"}
    assert safety["level"] in {"concern", "urgent", "emergency"}
    assert safety["categories"] and isinstance(safety["categories"], list)
    assert found[-3].metadata["safety"] == safety  # type: ignore[union-attr]
    [event] = app.events(events.SAFETY_CONCERN)
    assert event.channel == f"user:{alice.id}"
    assert event.payload["level"] == safety["level"]
    assert "pills" not in json.dumps(event.payload) and "counting" not in json.dumps(
        event.payload)
    reply_request = [r for r in model.requests if r.call_type == REPLY][-1]
    assert "safety" in reply_request.system_turn.lower()


async def test_figurative_speech_raises_no_safety_flag(
    app: App, conv: ConversationUseCases, alice: User, active: tuple[str, str],
) -> None:
    found = await send(conv, alice, active[0], "Honestly this commute is killing me")
    assert kinds(found) == SUCCESS
    assert all("safety" not in e.metadata for e in found[-3:])  # type: ignore[union-attr]
    assert app.events(events.SAFETY_CONCERN) == []


async def test_chat_refused_while_paused(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    await app.set_status(active[0], SessionStatus.PAUSED)
    for user in (alice, bob):
        with pytest.raises(SessionNotActive):
            await send(conv, user, active[0], "Hello?")
    assert lane(app, active[0], alice.id) == [] and sum(model.calls.values()) == 0


async def test_only_the_creator_chats_while_created(
    app: App, conv: ConversationUseCases, alice: User, bob: User, active: tuple[str, str],
) -> None:
    await app.set_status(active[0], SessionStatus.CREATED)
    with pytest.raises(SessionNotActive):
        await send(conv, bob, active[0], "Can I talk?")
    assert lane(app, active[0], bob.id) == []
    assert kinds(await send(conv, alice, active[0], "I can talk.")) == SUCCESS


@pytest.mark.parametrize("content", ["", "   \n", "x" * 5001])
async def test_content_must_be_1_to_5000_characters(
    app: App, conv: ConversationUseCases, alice: User, active: tuple[str, str], content: str,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await send(conv, alice, active[0], content)
    assert list(caught.value.details) == ["content"]
    assert lane(app, active[0], alice.id) == []


async def test_5000_characters_are_accepted(
    app: App, conv: ConversationUseCases, alice: User, active: tuple[str, str],
) -> None:
    found = await send(conv, alice, active[0], "y" * 5000)
    assert kinds(found) == SUCCESS
    assert lane(app, active[0], alice.id)[0].content == "y" * 5000


async def test_refining_need_id_is_refused_before_anything_is_stored(
    app: App, conv: ConversationUseCases, alice: User, active: tuple[str, str],
) -> None:
    request = SendRequest(active[0], "About that need.", refining_need_id="need-1")
    with pytest.raises(ValidationFailed):
        await collect(conv.send(alice, request))
    assert lane(app, active[0], alice.id) == []

