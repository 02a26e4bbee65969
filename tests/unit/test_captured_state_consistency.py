"""When a turn's captured state is stored: with the reply in one transaction or not at all,
never in a resolved session, taken along when a person leaves, and never past a joint
decision made while the turn waited for the relationship lock."""

from __future__ import annotations

from typing import Any, cast

import pytest

from mwf_core.domain import events
from mwf_core.domain.enums import ProposalKind, ProposalSource, ProposalStatus, SessionStatus
from mwf_core.domain.errors import ConcurrencyConflict
from mwf_core.domain.records import StrategyProposal, User
from mwf_core.usecases.conversation import ConversationUseCases, SendRequest
from tests.fakes.scripted_llm import STATE_CAPTURE, ScriptedModel, tool

from .conftest import App
from .test_captured_state import STATEMENT, add_need, at_stage, needs_of, turn
from .test_captured_state import conv as conv  # noqa: F401  (the fixture)
from .test_captured_state import model as model  # noqa: F401  (the fixture)

# -- one transaction, and when nothing is captured ---------------------------------------------

async def test_captured_state_commits_with_the_reply_or_not_at_all(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 3)
    model.script(STATE_CAPTURE, tool({"proposedNeed": {"need": "Rest", "category": "SAFETY"}}))
    app.db.fail_commits = 100  # every attempt of the completing transaction fails
    with pytest.raises(ConcurrencyConflict):
        [e async for e in conv.send(alice, SendRequest(sid, "I am exhausted"))]
    app.db.fail_commits = 0
    assert app.store.needs == {}
    assert not any(m.role.value == "AI" for m in app.store.messages.values())
    assert app.events(events.NEED_CAPTURED) == []


async def test_nothing_is_captured_in_a_resolved_session(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 4)
    await app.set_status(sid, SessionStatus.RESOLVED)
    await turn(conv, model, alice, sid, {"stage4Proposals": [{"op": "add",
                                                              "description": "Walk daily"}]})
    assert app.store.proposals == {} and app.events(events.STRATEGIES_UPDATED) == []


async def test_leaving_or_deleting_takes_drafts_needs_and_proposals_along(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 2)
    await turn(conv, model, alice, sid, {"offerReadyToShare": True,
                                         "proposedEmpathyStatement": STATEMENT})
    await add_need(app, sid, alice, "Help at home")
    kept = await add_need(app, sid, bob, "Appreciation")
    await app.lifecycle.leave(alice, sid)
    assert app.store.empathy_drafts == {} and list(app.store.needs.values()) == [kept]

    async with app.db() as uow:
        await uow.proposals.add(_proposal(sid, bob.id, app))
        await uow.sessions.delete(sid)
        await uow.commit()
    assert app.store.needs == {} and app.store.proposals == {}


def _proposal(sid: str, user_id: str, app: App) -> StrategyProposal:
    return StrategyProposal("prop-x", sid, user_id, "Walk", [], ProposalSource.USER_SUBMITTED,
                            ProposalKind.SHARED_PROPOSAL, ProposalStatus.ACTIVE, app.clock.now())


async def test_lock_from_the_chat_confirms_my_open_need_once(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 3)
    mine = await add_need(app, sid, alice, "Help at home")
    theirs = await add_need(app, sid, bob, "Appreciation")
    await turn(conv, model, alice, sid, {"needAction": {"action": "lock", "needId": theirs.id}})
    assert app.store.needs[theirs.id] == theirs
    await turn(conv, model, alice, sid, {"needAction": {"action": "lock", "needId": mine.id}})
    locked = app.store.needs[mine.id]
    assert (locked.confirmed, locked.locked_at) == (True, app.clock.now())
    [event] = app.events(events.NEED_LOCKED)
    assert event.channel == events.user_channel(alice.id)
    assert event.payload["affectedNeed"]["status"] == "locked"
    # Locked is final: a second lock changes nothing and says nothing.
    await turn(conv, model, alice, sid, {"needAction": {"action": "lock", "needId": mine.id}})
    assert len(app.events(events.NEED_LOCKED)) == 1


# -- races with the joint decisions (the turn stores under the relationship lock) -------------

async def test_a_need_captured_while_the_needs_are_being_shared_is_not_added(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    # Alice's consent commits while her turn waits for the lock: the turn then reads
    # needsShared and adds nothing Bob could later see without her consent.
    from mwf_core.ports.llm import LanguageModel
    from mwf_core.usecases.needs import NeedsUseCases

    sid = active[0]
    await at_stage(app, sid, alice, 3)
    await at_stage(app, sid, bob, 3)
    shared = await add_need(app, sid, alice, "Help at home", confirmed=True)
    consent = NeedsUseCases(app.deps, cast(LanguageModel, None))
    ran: list[Any] = []

    async def share_meanwhile() -> None:
        ran.append(await consent.consent(alice, sid, [shared.id]))

    app.db.on_lock = share_meanwhile
    await turn(conv, model, alice, sid, {"proposedNeed": {"need": "Unconsented secret",
                                                          "category": "SAFETY"}})
    assert ran, "the consent did not run while the turn waited for the lock"
    assert [n.need for n in needs_of(app, sid, alice)] == ["Help at home"]
    assert app.events(events.NEED_CAPTURED) == []


async def test_a_need_captured_after_both_moved_to_stage4_is_not_added(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 3)
    await at_stage(app, sid, bob, 3)

    async def moved_meanwhile() -> None:
        await at_stage(app, sid, alice, 4)

    app.db.on_lock = moved_meanwhile
    await turn(conv, model, alice, sid, {"proposedNeed": {"need": "Late need",
                                                          "category": "SAFETY"}})
    assert app.db.on_lock is None
    assert needs_of(app, sid, alice) == []


async def test_proposals_captured_while_the_session_is_resolved_are_not_added(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await at_stage(app, sid, alice, 4)
    await at_stage(app, sid, bob, 4)

    async def resolved_meanwhile() -> None:
        await app.set_status(sid, SessionStatus.RESOLVED)

    app.db.on_lock = resolved_meanwhile
    await turn(conv, model, alice, sid, {"stage4Proposals": [{"op": "add",
                                                              "description": "Walk daily"}]})
    assert app.db.on_lock is None
    assert app.store.proposals == {} and app.events(events.STRATEGIES_UPDATED) == []


async def test_stage4_proposals_are_not_captured_outside_stage4(
    app: App, conv: ConversationUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    # Bob's private needs never reach a proposal's needsAddressed before both shared.
    sid = active[0]
    await at_stage(app, sid, alice, 4)
    await at_stage(app, sid, bob, 3)
    theirs = await add_need(app, sid, bob, "Appreciation")
    mine = await add_need(app, sid, alice, "Help at home")
    await turn(conv, model, alice, sid, {"stage4Proposals": [
        {"op": "add", "description": "Cook together", "needsAddressed": [mine.id, theirs.id]}]})
    [proposal] = app.store.proposals.values()
    assert proposal.needs_addressed == [mine.id]
