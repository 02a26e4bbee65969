"""What a turn's state capture stores in stages 2 to 4 (empathy draft, needs, proposals), what
the next turn's prompt gets back, and what never reaches the other person."""

from __future__ import annotations

from typing import Any

import pytest

from mwf_core.adapters.llm.offline import OfflineMediator
from mwf_core.domain import events
from mwf_core.domain.enums import (
    NeedCategory,
    ProposalKind,
    ProposalSource,
    ProposalStatus,
    StageStatus,
)
from mwf_core.domain.records import (
    EmpathyDraft,
    IdentifiedNeed,
    StageProgress,
    User,
)
from mwf_core.ports.llm import LlmRequest
from mwf_core.usecases.conversation import ConversationUseCases, SendRequest
from mwf_core.usecases.turn_events import ReplyStored
from tests.fakes.scripted_llm import STATE_CAPTURE, ScriptedModel, tool

from .conftest import App

STATEMENT = "I imagine you felt alone with the chores and unseen for what you do."


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
def conv(app: App, model: ScriptedModel) -> ConversationUseCases:
    return ConversationUseCases(app.deps, model, poll_seconds=0.01)


async def at_stage(app: App, sid: str, user: User, stage: int,
                   gates: dict[str, Any] | None = None) -> None:
    """Give `user` progress rows up to `stage` (the last one is where their chat is)."""
    async with app.db() as uow:
        have = {p.stage for p in await uow.progress.for_session(sid) if p.user_id == user.id}
        for number in range(2, stage + 1):
            if number not in have:
                await uow.progress.add(StageProgress(
                    f"stp-{user.id}-{number}", sid, user.id, number, StageStatus.IN_PROGRESS,
                    app.clock.now(), gates_satisfied=dict(gates or {}) if number == stage else {},
                ))
        await uow.commit()


async def turn(conv: ConversationUseCases, model: ScriptedModel, user: User, sid: str,
               capture: dict[str, Any], text: str = "Here is what I think.") -> str:
    """One send whose state capture answers `capture`; returns the stored reply's id."""
    model.script(STATE_CAPTURE, tool(capture))
    found = [e async for e in conv.send(user, SendRequest(sid, text))]
    assert isinstance(found[-1], ReplyStored), found[-1]
    return found[-1].message_id


def last_capture(model: ScriptedModel) -> LlmRequest:
    return [r for r in model.requests if r.call_type == STATE_CAPTURE][-1]


def needs_of(app: App, sid: str, user: User) -> list[IdentifiedNeed]:
    vessel = next(v for v in app.store.user_vessels.values()
                  if v.session_id == sid and v.user_id == user.id)
    return sorted((n for n in app.store.needs.values() if n.vessel_id == vessel.id),
                  key=lambda n: n.id)


async def add_need(app: App, sid: str, user: User, text: str, **fields: Any) -> IdentifiedNeed:
    vessel = next(v for v in app.store.user_vessels.values()
                  if v.session_id == sid and v.user_id == user.id)
    values: dict[str, Any] = {"confirmed": False, **fields}
    need = IdentifiedNeed(id=f"need-{user.id}-{len(app.store.needs)}", vessel_id=vessel.id,
                          need=text, category=NeedCategory.CONNECTION, evidence=["my words"],
                          created_at=app.clock.now(), **values)
    async with app.db() as uow:
        await uow.needs.add(need)
        await uow.commit()
    return need


def channel_events(app: App, channel: str) -> list[Any]:
    return [e for e in app.events() if e.channel == channel]


# -- stage 2: the empathy draft -------------------------------------------------------------

async def test_empathy_draft_is_upserted_privately_and_fed_back(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 2)
    await at_stage(app, sid, bob, 2)
    await turn(conv, model, alice, sid, {"proposedEmpathyStatement": STATEMENT})
    assert app.store.empathy_drafts == {}  # a statement without the offer is not a draft
    before = len(app.events())
    await turn(conv, model, alice, sid, {"offerReadyToShare": True,
                                         "proposedEmpathyStatement": STATEMENT})
    [draft] = app.store.empathy_drafts.values()
    assert (draft.session_id, draft.user_id, draft.content) == (sid, alice.id, STATEMENT)
    # As the original: the person confirms the draft in the app before it is ready to share.
    assert (draft.version, draft.ready_to_share) == (1, False)
    assert [e.name for e in app.events()[before:]] == [events.PARTNER_ACTIVITY]

    await turn(conv, model, alice, sid, {"offerReadyToShare": True,
                                         "proposedEmpathyStatement": "I imagine you felt tired."})
    [again] = app.store.empathy_drafts.values()
    assert (again.id, again.version, again.content) == (draft.id, 2, "I imagine you felt tired.")
    assert again.created_at == draft.created_at

    await turn(conv, model, alice, sid, {})
    request = last_capture(model)
    assert request.hints["empathy_draft"] == "I imagine you felt tired."
    assert "I imagine you felt tired." in request.system_turn and "version 2" in request.system_turn

    await turn(conv, model, bob, sid, {})
    theirs = last_capture(model)
    assert "empathy_draft" not in theirs.hints
    assert "felt tired" not in theirs.system_turn and "No empathy statement" in theirs.system_turn
    assert all("tired" not in str(e.payload) for e in app.events())
    assert not any("tired" in m.content for m in app.store.messages.values()
                   if bob.id in (m.sender_id, m.for_user_id))


async def test_a_draft_update_lost_to_a_concurrent_writer_is_refused(
    app: App, alice: User, active: tuple[str, str],
) -> None:
    draft = EmpathyDraft("d-1", active[0], alice.id, "v1", False, 1, app.clock.now(),
                         app.clock.now())
    async with app.db() as uow:
        await uow.empathy_drafts.add(draft)
        assert await uow.empathy_drafts.update(draft, expected_version=7) is False
        draft.version = 2
        assert await uow.empathy_drafts.update(draft, expected_version=1) is True
        await uow.commit()
    assert app.store.empathy_drafts["d-1"].version == 2


# -- stage 3: needs ---------------------------------------------------------------------------

async def test_a_captured_need_is_stored_in_my_vessel_with_an_event_on_my_channel(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 3)
    before = len(app.events())
    await turn(conv, model, alice, sid, {
        "proposedNeed": {"need": "To feel safe at home", "category": "safety",
                         "evidence": "I never know what mood he's in"},
        "needAction": {"action": "add", "need": "To be seen", "category": "RECOGNITION"},
    })
    [need] = needs_of(app, sid, alice)  # one new need per turn: the second is ignored
    assert (need.need, need.category, need.evidence, need.confirmed) == (
        "To feel safe at home", NeedCategory.SAFETY, ["I never know what mood he's in"], False)
    [captured] = [e for e in app.events()[before:] if e.name == events.NEED_CAPTURED]
    assert captured.channel == events.user_channel(alice.id)
    assert captured.payload["forUserId"] == captured.payload["userId"] == alice.id
    assert captured.payload["need"]["id"] == need.id
    assert captured.payload["capturedAt"] == "2025-03-01T09:00:00.000Z"

    await turn(conv, model, alice, sid, {"needAction": {"action": "add", "need": "to feel SAFE "
                                                        "at home", "category": "SAFETY"}})
    assert len(needs_of(app, sid, alice)) == 1  # the same need again is not a second one
    await turn(conv, model, alice, sid, {"needAction": {"action": "add", "need": "To be seen",
                                                        "category": "RECOGNITION"}})
    assert [n.need for n in needs_of(app, sid, alice)] == ["To feel safe at home", "To be seen"]
    assert channel_events(app, events.user_channel(bob.id)) == []
    assert not any(e.name.startswith("need.") for e in
                   channel_events(app, events.session_channel(sid)))


async def test_refine_and_delete_touch_only_my_open_needs(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 3)
    mine = await add_need(app, sid, alice, "Help at home")
    locked = await add_need(app, sid, alice, "Rest", locked_at=app.clock.now(), confirmed=True)
    doomed = await add_need(app, sid, alice, "Quiet evenings")
    theirs = await add_need(app, sid, bob, "Appreciation")
    before = len(app.events())
    for action in ({"action": "refine", "needId": theirs.id, "need": "Hijacked"},
                   {"action": "delete", "needId": theirs.id},
                   {"action": "refine", "needId": locked.id, "need": "Changed"},
                   {"action": "delete", "needId": locked.id},
                   {"action": "delete", "needId": "need-unknown"}):
        await turn(conv, model, alice, sid, {"needAction": action})
    assert app.store.needs[theirs.id] == theirs and app.store.needs[locked.id] == locked
    assert len(app.store.needs) == 4
    assert [e.name for e in app.events()[before:] if e.name.startswith("need.")] == []

    app.clock.advance(minutes=1)
    await turn(conv, model, alice, sid, {"needAction": {
        "action": "refine", "needId": mine.id, "need": "Shared responsibility at home",
        "category": "FAIRNESS"}})
    old = app.store.needs[mine.id]
    [new] = [n for n in needs_of(app, sid, alice) if n.id == old.superseded_by_need_id]
    assert (new.need, new.category, new.evidence) == (
        "Shared responsibility at home", NeedCategory.FAIRNESS, ["my words"])
    refined = app.events(events.NEED_REFINED)[-1]
    assert refined.channel == events.user_channel(alice.id)
    assert {k: refined.payload[k] for k in ("forUserId", "userId", "oldId", "oldNeed", "newId")} \
        == {"forUserId": alice.id, "userId": alice.id, "oldId": mine.id,
            "oldNeed": "Help at home", "newId": new.id}
    # A superseded need is no longer mine to change.
    await turn(conv, model, alice, sid, {"needAction": {"action": "delete", "needId": mine.id}})
    assert app.store.needs[mine.id].deleted_at is None

    await turn(conv, model, alice, sid, {"needAction": {"action": "delete", "needId": doomed.id}})
    assert app.store.needs[doomed.id].deleted_at == app.clock.now()
    deleted = app.events(events.NEED_DELETED)[-1]
    assert deleted.channel == events.user_channel(alice.id)
    assert deleted.payload["affectedNeed"]["id"] == doomed.id
    assert deleted.payload["affectedNeed"]["status"] == "deleted"

    await turn(conv, model, alice, sid, {})
    request = last_capture(model)
    assert request.hints["needs"] == [
        {"id": locked.id, "need": "Rest", "category": "CONNECTION"},
        {"id": new.id, "need": "Shared responsibility at home", "category": "FAIRNESS"},
    ]
    assert f"[{new.id}] FAIRNESS: Shared responsibility at home" in request.system_turn
    assert "Rest (confirmed; cannot change)" in request.system_turn
    for hidden in ("Appreciation", theirs.id, "Quiet evenings", "Help at home"):
        assert hidden not in request.system_turn

    await at_stage(app, sid, bob, 3)
    await turn(conv, model, bob, sid, {})
    bobs = last_capture(model)
    assert bobs.hints["needs"] == [{"id": theirs.id, "need": "Appreciation",
                                    "category": "CONNECTION"}]
    assert "Shared responsibility" not in bobs.system_turn and new.id not in bobs.system_turn


async def test_needs_are_not_changed_once_shared(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 3, {"needsShared": True})
    need = await add_need(app, sid, alice, "Help at home")
    await turn(conv, model, alice, sid, {"proposedNeed": {"need": "Rest", "category": "SAFETY"},
                                         "needAction": {"action": "delete", "needId": need.id}})
    assert needs_of(app, sid, alice) == [need]


# -- stage 4: the shared proposal inventory ----------------------------------------------------

async def test_proposal_ops_add_revise_remove_and_skip(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 4)
    await at_stage(app, sid, bob, 4)
    mine = await add_need(app, sid, alice, "Help at home")
    theirs = await add_need(app, sid, bob, "Appreciation")
    gone = await add_need(app, sid, alice, "Old", deleted_at=app.clock.now())
    reply_id = await turn(conv, model, alice, sid, {"stage4Proposals": [
        {"op": "add", "description": "Cook together on Sundays",
         "needsAddressed": [mine.id, theirs.id, gone.id, "need-bogus"]},
        {"op": "revise", "proposalId": "prop-unknown", "description": "x"},
    ]})
    [first] = app.store.proposals.values()
    assert (first.session_id, first.created_by_user_id, first.description) == (
        sid, alice.id, "Cook together on Sundays")
    assert first.needs_addressed == [mine.id, theirs.id]
    assert (first.source, first.kind, first.status) == (
        ProposalSource.USER_SUBMITTED, ProposalKind.SHARED_PROPOSAL, ProposalStatus.ACTIVE)
    assert first.captured_from_message_id == reply_id
    [updated] = app.events(events.STRATEGIES_UPDATED)
    assert updated.channel == events.session_channel(sid)
    assert {k: updated.payload[k] for k in ("stage", "updatedBy", "appliedOperationCount",
                                            "skippedOperationCount")} == {
        "stage": 4, "updatedBy": alice.id, "appliedOperationCount": 1,
        "skippedOperationCount": 1}

    # Bob sees the shared inventory, but not Alice's needs behind it.
    await turn(conv, model, bob, sid, {"stage4Proposals": [
        {"op": "revise", "proposalId": first.id, "description": "Cook together every Sunday",
         "needsAddressed": []},
        {"op": "add", "description": "cook together  EVERY sunday"},  # the same idea again
    ]})
    bobs = last_capture(model)
    assert bobs.hints["proposals"] == [{"id": first.id, "description": "Cook together on Sundays",
                                        "needsAddressed": [theirs.id], "mine": False}]
    assert f"[{first.id}] Cook together on Sundays (proposed by the other person; meets " \
        "their needs: Appreciation)" in bobs.system_turn
    assert "Help at home" not in bobs.system_turn and mine.id not in bobs.system_turn
    assert app.store.proposals[first.id].status is ProposalStatus.REVISED
    [second] = [p for p in app.store.proposals.values() if p.parent_proposal_id == first.id]
    assert (second.description, second.created_by_user_id, second.needs_addressed,
            second.status) == ("Cook together every Sunday", bob.id, [mine.id, theirs.id],
                               ProposalStatus.ACTIVE)
    assert app.events(events.STRATEGIES_UPDATED)[-1].payload["skippedOperationCount"] == 1

    count = len(app.events(events.STRATEGIES_UPDATED))
    await turn(conv, model, alice, sid, {"stage4Proposals": [
        {"op": "remove", "proposalId": first.id}]})  # already revised: skipped
    assert len(app.events(events.STRATEGIES_UPDATED)) == count  # nothing applied, no event
    app.clock.advance(minutes=1)
    await turn(conv, model, alice, sid, {"stage4Proposals": [
        {"op": "remove", "proposalId": second.id}]})
    removed = app.store.proposals[second.id]
    assert (removed.status, removed.removed_at, removed.removed_by_user_id) == (
        ProposalStatus.REMOVED, app.clock.now(), alice.id)
    await turn(conv, model, alice, sid, {})
    assert last_capture(model).hints["proposals"] == []
    assert "No proposals on the shared list yet." in last_capture(model).system_turn


async def test_proposal_of_another_session_cannot_be_touched(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    carol: User, active: tuple[str, str],
) -> None:
    other, _ = await app.activate(carol, bob)
    await at_stage(app, other, carol, 4)
    await turn(conv, model, carol, other, {"stage4Proposals": [{"op": "add",
                                                                "description": "Walk daily"}]})
    [proposal] = app.store.proposals.values()
    sid = active[0]
    await at_stage(app, sid, alice, 4)
    await turn(conv, model, alice, sid, {"stage4Proposals": [
        {"op": "remove", "proposalId": proposal.id},
        {"op": "revise", "proposalId": proposal.id, "description": "Walk weekly"}]})
    assert list(app.store.proposals.values()) == [proposal]
    await turn(conv, model, alice, sid, {})
    assert last_capture(model).hints["proposals"] == []
    assert "Walk daily" not in last_capture(model).system_turn


async def test_offline_mediator_needs_then_proposals_use_the_ids_it_is_given(
    app: App, alice: User, active: tuple[str, str],
) -> None:
    conv = ConversationUseCases(app.deps, OfflineMediator(), poll_seconds=0.01)
    sid = active[0]
    await at_stage(app, sid, alice, 3)
    for text in ("I never feel safe when he shouts.", "I also want to be appreciated."):
        [e async for e in conv.send(alice, SendRequest(sid, text))]
    needs = needs_of(app, sid, alice)
    assert len(needs) == 2 and len({n.category for n in needs}) == 2
    await at_stage(app, sid, alice, 4)
    [e async for e in conv.send(alice, SendRequest(sid, "Maybe we could talk on Sundays."))]
    [proposal] = app.store.proposals.values()
    assert proposal.needs_addressed and set(proposal.needs_addressed) <= {n.id for n in needs}
