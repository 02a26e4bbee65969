"""Stage 2B: the guesser's chat while refining uses prompt 21 with their previous attempt,
the ABSTRACT hints and what the subject shared - never the private analysis."""

from __future__ import annotations

import json

import pytest

from mwf_core.domain.enums import MessageRole, Stage, TurnStatus
from mwf_core.domain.records import Message, Turn, User
from mwf_core.usecases.conversation import ConversationUseCases
from mwf_core.usecases.conversation_context import PreparedTurn, prepare_turn
from tests.fakes.scripted_llm import ScriptedModel

from .conftest import App
from .test_captured_state import turn
from .test_reconciler import (
    ALICE_SECRET,
    GAP_SUMMARY,
    MISSED,
    SUGGESTED,
    World,
    make_world,
    offered,
)

PRIVATE = (GAP_SUMMARY, MISSED, "MOST-IMPORTANT-GAP", ALICE_SECRET, "REASON")


@pytest.fixture
async def world(app: App, active: tuple[str, str], alice: User, bob: User) -> World:
    return await make_world(app, active, alice, bob)


async def prepare(w: World, user: User) -> PreparedTurn:
    now = w.app.clock.now()
    message = Message(id=w.app.deps.ids.new_id(), session_id=w.session_id, sender_id=user.id,
                      for_user_id=None, role=MessageRole.USER, content="I am thinking it over.",
                      stage=int(Stage.PERSPECTIVE_STRETCH), timestamp=now)
    turn = Turn(id="turn-1", session_id=w.session_id, user_id=user.id, request_id="r1",
                fingerprint="f", user_message_id=message.id, status=TurnStatus.RUNNING,
                created_at=now, updated_at=now)
    async with w.app.db() as uow:
        await uow.messages.add(message)
        return await prepare_turn(uow, user, w.session_id, turn, message, "")


def everything(prepared: PreparedTurn) -> str:
    requests = (prepared.capture_request(), prepared.reply_request(
        prepared.parse_state({})))
    return json.dumps([[r.system_static, r.system_turn, [t.text for t in r.messages], r.hints]
                       for r in requests], default=str)


async def test_refining_uses_prompt_21_with_abstract_hints_only(world: World) -> None:
    await offered(world)
    waiting = await prepare(world, world.bob)
    assert waiting.stage_key == "2"
    assert SUGGESTED not in everything(waiting)
    await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "accept")
    prepared = await prepare(world, world.bob)
    assert prepared.stage_key == "21"
    text = everything(prepared)
    assert "AREA-HINT" in text and "PROMPT-SEED" in text and "explore_feelings" in text
    assert "You felt hurt and left out at the dinner" in text  # the previous attempt
    assert f"They shared: {SUGGESTED}" in prepared.facts.shared_content
    assert prepared.hints["refinement"] == {"areaHint": "AREA-HINT",
                                            "guidanceType": "explore_feelings",
                                            "promptSeed": "PROMPT-SEED"}
    for secret in PRIVATE:
        assert secret not in text


async def test_the_subjects_prompt_is_unchanged(world: World) -> None:
    await offered(world)
    await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "accept")
    prepared = await prepare(world, world.alice)
    assert prepared.stage_key == "2" and prepared.facts.shared_content == ()
    assert "AREA-HINT" not in everything(prepared)


async def test_both_sides_of_a_refining_turn_are_stored_as_stage_21(world: World) -> None:
    await offered(world)
    await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "accept")
    model = ScriptedModel()
    conv = ConversationUseCases(world.app.deps, model, poll_seconds=0.01)
    reply_id = await turn(conv, model, world.bob, world.session_id, {})
    reply = world.app.store.messages[reply_id]
    [mine] = [m for m in world.app.store.messages.values()
              if m.sender_id == world.bob.id and m.timestamp == reply.timestamp
              and m.role is MessageRole.USER] or [None]
    assert reply.stage == 21
    assert mine is not None and mine.stage == 21
