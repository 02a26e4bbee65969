"""What a turn carries into the model and back out: the lane's memory, the offline label,
and which need a message may refine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mwf_core.adapters.llm.offline import OfflineMediator
from mwf_core.domain.enums import NeedCategory, Stage, StageStatus
from mwf_core.domain.errors import ValidationFailed
from mwf_core.domain.records import ConversationMemory, IdentifiedNeed, StageProgress, User
from mwf_core.usecases.conversation import ConversationUseCases, SendRequest
from mwf_core.usecases.turn_events import ReplyMetadata, TurnEvent
from tests.fakes.scripted_llm import REPLY, STATE_CAPTURE, ScriptedModel, text, tool

from .conftest import App


async def collect(stream: AsyncIterator[TurnEvent]) -> list[TurnEvent]:
    return [event async for event in stream]


async def _vessel_id(app: App, session_id: str, user: User) -> str:
    async with app.db() as uow:
        vessel = await uow.vessels.user_vessel(session_id, user.id)
        assert vessel is not None
        return vessel.id


async def test_the_rolling_summary_reaches_the_prompt_of_its_owner_only(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    vessel = await _vessel_id(app, sid, alice)
    async with app.db() as uow:
        await uow.memories.save(ConversationMemory(
            vessel_id=vessel, summary="Alice felt alone at the dinner party.",
            updated_at=app.clock.now(), notable_facts=[{"category": "events",
                                                        "fact": "The party was on Friday."}]))
        await uow.commit()
    model = ScriptedModel()
    conv = ConversationUseCases(app.deps, model)
    for user in (alice, bob):
        model.script(STATE_CAPTURE, tool({}))
        model.script(REPLY, text("I hear you."))
        await collect(conv.send(user, SendRequest(sid, "Still thinking about it.")))
    replies = [r for r in model.requests if r.call_type == "mediator_reply"]
    assert "dinner party" in replies[0].system_turn and "Friday" in replies[0].system_turn
    assert "dinner party" not in replies[1].system_turn  # Bob's prompt: nothing of Alice's


async def test_offline_replies_say_they_are_offline(app: App, alice: User,
                                                   active: tuple[str, str]) -> None:
    conv = ConversationUseCases(app.deps, OfflineMediator())
    found = await collect(conv.send(alice, SendRequest(active[0], "I feel unseen.")))
    [metadata] = [e.metadata for e in found if isinstance(e, ReplyMetadata)]
    assert metadata["offline"] is True


async def test_a_model_reply_carries_no_offline_label(app: App, alice: User,
                                                     active: tuple[str, str]) -> None:
    model = ScriptedModel()
    model.script(STATE_CAPTURE, tool({}))
    model.script(REPLY, text("I hear you."))
    found = await collect(ConversationUseCases(app.deps, model).send(
        alice, SendRequest(active[0], "Hello")))
    [metadata] = [e.metadata for e in found if isinstance(e, ReplyMetadata)]
    assert "offline" not in metadata


async def _to_stage_three(app: App, session_id: str, user: User) -> None:
    async with app.db() as uow:
        await uow.progress.add(StageProgress(f"p3-{user.id}", session_id, user.id,
                                             Stage.NEED_MAPPING, StageStatus.IN_PROGRESS,
                                             started_at=app.clock.now()))
        await uow.commit()


async def _need(app: App, vessel_id: str, need_id: str) -> None:
    async with app.db() as uow:
        await uow.needs.add(IdentifiedNeed(
            id=need_id, vessel_id=vessel_id, need="Rest", category=NeedCategory.AUTONOMY,
            evidence=[], confirmed=False, created_at=app.clock.now()))
        await uow.commit()


async def test_only_my_own_live_need_can_be_refined_in_stage_three(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    await _need(app, await _vessel_id(app, sid, alice), "need-alice")
    await _need(app, await _vessel_id(app, sid, bob), "need-bob")
    model = ScriptedModel()
    conv = ConversationUseCases(app.deps, model)
    with pytest.raises(ValidationFailed):  # not in stage 3 yet
        await collect(conv.send(alice, SendRequest(sid, "About rest",
                                                   refining_need_id="need-alice")))
    await _to_stage_three(app, sid, alice)
    for foreign in ("need-bob", "no-such-need"):
        with pytest.raises(ValidationFailed):
            await collect(conv.send(alice, SendRequest(sid, "About rest",
                                                       refining_need_id=foreign)))
    model.script(STATE_CAPTURE, tool({}))
    model.script(REPLY, text("Let's look at rest."))
    found = await collect(conv.send(alice, SendRequest(sid, "About rest",
                                                       refining_need_id="need-alice")))
    assert any(isinstance(e, ReplyMetadata) for e in found)
