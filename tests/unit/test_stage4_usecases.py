"""Stage-4 use cases over the in-memory fakes: selections, privacy, the share gate, declines,
suggestions, chat capture bookkeeping and the closure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from mwf_core.adapters.llm.offline import OfflineMediator
from mwf_core.domain import events
from mwf_core.domain.enums import (
    ProposalSource,
    ProposalStatus,
    SessionStatus,
)
from mwf_core.domain.errors import (
    Forbidden,
    GateNotSatisfied,
    NotFound,
    SessionNotActive,
    ValidationFailed,
)
from mwf_core.domain.records import User
from mwf_core.domain.stage4 import RevisionAction
from mwf_core.ports.llm import LlmError, LlmRequest, LlmResult
from mwf_core.usecases.stage4 import SelectionInput, Stage4UseCases

from .conftest import App
from .journey_seed import move_to
from .stage4_seed import add_need, add_proposal

NOTE = "only on weekdays, secret-note-xyz"


@dataclass
class World:
    app: App
    s4: Stage4UseCases
    sid: str
    alice: User
    bob: User
    carol: User
    needs: dict[str, str]
    props: dict[str, str]


async def _world(app: App, alice: User, bob: User, carol: User, llm: Any = None) -> World:
    sid, _ = await app.activate(alice, bob)
    deps = app.deps
    await move_to(deps, sid, (alice.id, bob.id), 4)
    needs = {"a_rest": await add_need(deps, sid, alice.id, "Rest after work"),
             "b_fair": await add_need(deps, sid, bob.id, "Fairness in chores"),
             "b_time": await add_need(deps, sid, bob.id, "Time to myself")}  # OPEN
    props = {
        "walk": await add_proposal(deps, sid, alice.id, "Walk together twice a week",
                                   [needs["a_rest"]]),
        "rota": await add_proposal(deps, sid, bob.id, "Try a chore rota for two weeks",
                                   [needs["b_fair"]]),
    }
    return World(app, Stage4UseCases(deps, llm or OfflineMediator()), sid, alice, bob, carol,
                 needs, props)


@pytest.fixture
async def w(app: App, alice: User, bob: User, carol: User) -> World:
    return await _world(app, alice, bob, carol)


async def _both_willing_and_shared(w: World) -> None:
    for user in (w.alice, w.bob):
        await w.s4.select_many(user, w.sid, [SelectionInput(w.props["walk"], "WILLING", NOTE),
                                             SelectionInput(w.props["rota"], "WILLING")])
        await w.s4.decline_need(user, w.sid, w.needs["b_time"], True)
        await w.s4.share(user, w.sid)


async def test_state_shows_inventory_labels_and_coverage(w: World) -> None:
    state = await w.s4.state(w.alice, w.sid)
    assert state.phase == "COVERAGE_REVIEW"
    labels = {c.id: c.source_label for c in state.shared_proposals}
    assert labels == {w.props["walk"]: "YOU", w.props["rota"]: "PARTNER"}
    assert {n.id for n in state.covered} == {w.needs["a_rest"], w.needs["b_fair"]}
    assert [n.id for n in state.open] == [w.needs["b_time"]]
    assert [n.id for n in state.unaddressed_needs] == [w.needs["b_time"]]
    assert state.my_selection_status == state.partner_selection_status == "NOT_STARTED"
    assert state.coverage_updated_at is not None
    assert state.walkthrough.phase == "MY_NEEDS"
    assert state.walkthrough.current_need is not None
    assert state.walkthrough.current_need.id == w.needs["a_rest"]


async def test_access_rules(w: World) -> None:
    with pytest.raises(Forbidden):
        await w.s4.state(w.carol, w.sid)
    with pytest.raises(NotFound):
        await w.s4.state(w.alice, "missing")
    with pytest.raises(Forbidden):
        await w.s4.select(w.carol, w.sid, w.props["walk"], "WILLING")


async def test_selection_validation(w: World) -> None:
    with pytest.raises(ValidationFailed) as bad:
        await w.s4.select(w.alice, w.sid, w.props["walk"], "MAYBE")
    assert "decision" in bad.value.details
    with pytest.raises(ValidationFailed) as long_note:
        await w.s4.select(w.alice, w.sid, w.props["walk"], "WILLING", "x" * 1001)
    assert "note" in long_note.value.details
    with pytest.raises(NotFound):
        await w.s4.select(w.alice, w.sid, "nope", "WILLING")
    with pytest.raises(ValidationFailed) as dup:
        await w.s4.select_many(w.alice, w.sid, [SelectionInput(w.props["walk"], "WILLING"),
                                                SelectionInput(w.props["walk"], "NOT_WILLING")])
    assert "selections" in dup.value.details
    with pytest.raises(ValidationFailed):
        await w.s4.select_many(w.alice, w.sid, [])
    await w.s4.select(w.alice, w.sid, w.props["walk"], "WILLING", "x" * 1000)


async def test_stage_and_status_are_required(app: App, alice: User, bob: User,
                                             carol: User) -> None:
    sid, _ = await app.activate(alice, bob)
    s4 = Stage4UseCases(app.deps, OfflineMediator())
    with pytest.raises(ValidationFailed, match="stage 4 is required"):
        await s4.share(alice, sid)
    await move_to(app.deps, sid, (alice.id, bob.id), 4)
    await app.set_status(sid, SessionStatus.PAUSED)
    with pytest.raises(SessionNotActive):
        await s4.share(alice, sid)


async def test_partner_selections_stay_hidden_until_both_shared(w: World) -> None:
    await w.s4.select(w.alice, w.sid, w.props["walk"], "WILLING", NOTE)
    await w.s4.select(w.alice, w.sid, w.props["rota"], "NOT_WILLING")
    bob_view = await w.s4.state(w.bob, w.sid)
    assert bob_view.partner_selections == []
    assert all(c.partner_decision is None and not c.partner_decision_visible
               for c in bob_view.shared_proposals)
    await w.s4.decline_need(w.alice, w.sid, w.needs["b_time"], True)
    await w.s4.share(w.alice, w.sid)
    bob_view = await w.s4.state(w.bob, w.sid)
    assert bob_view.partner_selection_status == "SUBMITTED"
    assert bob_view.partner_selections == []  # Bob has not shared yet
    await w.s4.select_many(w.bob, w.sid, [SelectionInput(w.props["walk"], "WILLING"),
                                          SelectionInput(w.props["rota"], "WILLING")])
    await w.s4.decline_need(w.bob, w.sid, w.needs["b_time"], True)
    await w.s4.share(w.bob, w.sid)
    bob_view = await w.s4.state(w.bob, w.sid)
    assert bob_view.phase == "OUTCOME_REVIEW"
    assert {s.proposal_id: s.decision.value for s in bob_view.partner_selections} == {
        w.props["walk"]: "WILLING", w.props["rota"]: "NOT_WILLING"}
    # No event ever carried a decision or a note.
    for event in w.app.events():
        text = json.dumps(event.payload)
        assert NOTE not in text and "NOT_WILLING" not in text and '"WILLING"' not in text


async def test_share_gate_reports_what_is_missing(w: World) -> None:
    with pytest.raises(GateNotSatisfied) as refused:
        await w.s4.share(w.alice, w.sid)
    assert set(refused.value.details["proposalsWithoutStance"]) == set(w.props.values())
    await w.s4.select(w.alice, w.sid, w.props["walk"], "WILLING")
    await w.s4.select(w.alice, w.sid, w.props["rota"], "NOT_WILLING")
    with pytest.raises(GateNotSatisfied) as still:
        await w.s4.share(w.alice, w.sid)
    assert still.value.details == {"unresolvedNeeds": [w.needs["b_time"]]}
    await w.s4.decline_need(w.alice, w.sid, w.needs["b_time"], True)
    state = await w.s4.share(w.alice, w.sid)
    assert state.my_selection_status == "SUBMITTED"
    shared = [e for e in w.app.events(events.STRATEGIES_UPDATED)
              if e.payload.get("change") == "stage4_selection_submitted"]
    assert len(shared) == 1 and shared[0].payload["submittedBy"] == w.alice.id
    assert shared[0].channel == events.session_channel(w.sid)


async def test_changing_a_selection_after_sharing_clears_the_share(w: World) -> None:
    await _both_willing_and_shared(w)
    result = await w.s4.select(w.alice, w.sid, w.props["rota"], "NOT_WILLING")
    assert result.partner_submitted is True
    assert result.state.my_selection_status == "NOT_STARTED"
    assert result.state.partner_selections == []  # hidden again
    revised = [e for e in w.app.events(events.STRATEGIES_UPDATED)
               if e.payload.get("change") == "stage4_selection_revised"]
    assert len(revised) == 1
    # Posting the same stance again changes nothing.
    await w.s4.share(w.alice, w.sid)
    await w.s4.select(w.alice, w.sid, w.props["rota"], "NOT_WILLING")
    assert (await w.s4.state(w.alice, w.sid)).my_selection_status == "SUBMITTED"
    state = await w.s4.unshare(w.alice, w.sid)
    assert state.my_selection_status == "NOT_STARTED"


async def test_decline_and_undecline(w: World) -> None:
    state = await w.s4.decline_need(w.alice, w.sid, w.needs["b_fair"], True)
    assert state.declined_need_ids == [w.needs["b_fair"]]
    await w.s4.decline_need(w.alice, w.sid, w.needs["b_fair"], True)  # idempotent
    state = await w.s4.decline_need(w.alice, w.sid, w.needs["b_fair"], False)
    assert state.declined_need_ids == []
    with pytest.raises(NotFound):
        await w.s4.decline_need(w.alice, w.sid, "nope", True)


async def test_suggest_adds_ai_proposals(w: World) -> None:
    result = await w.s4.suggest(w.alice, w.sid, count=2, need_id=w.needs["b_fair"])
    assert len(result.suggestions) == 2
    for s in result.suggestions:
        assert s.proposal.source is ProposalSource.AI_SUGGESTED
        assert s.proposal.created_by_user_id is None
        assert s.proposal.needs_addressed == [w.needs["b_fair"]]
        assert s.duration
    labels = {c.id: c.source_label for c in result.state.shared_proposals}
    assert all(labels[s.proposal.id] == "AI" for s in result.suggestions)
    with pytest.raises(ValidationFailed):
        await w.s4.suggest(w.alice, w.sid, count=4)
    with pytest.raises(NotFound):
        await w.s4.suggest(w.alice, w.sid, need_id="nope")


class BrokenModel(OfflineMediator):
    async def complete(self, request: LlmRequest) -> LlmResult:
        raise LlmError("down", retryable=True, code="throttled")


class JsonModel(OfflineMediator):
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.requests: list[LlmRequest] = []

    async def complete(self, request: LlmRequest) -> LlmResult:
        self.requests.append(request)
        return LlmResult(text="Here: " + json.dumps(self.payload), model_id="m")


async def test_suggest_survives_a_failing_model(app: App, alice: User, bob: User,
                                                carol: User) -> None:
    w = await _world(app, alice, bob, carol, BrokenModel())
    result = await w.s4.suggest(w.alice, w.sid, count=1)
    assert len(result.suggestions) == 1


async def test_suggest_uses_the_model_answer_and_drops_unknown_needs(
        app: App, alice: User, bob: User, carol: User) -> None:
    model = JsonModel({})
    w = await _world(app, alice, bob, carol, model)
    model.payload = {"suggestions": [
        {"description": "Cook dinner together on Sundays", "needsAddressed":
         [w.needs["a_rest"], "made-up"], "duration": "a month", "measureOfSuccess": "fun"},
        {"description": "short"},
    ]}
    result = await w.s4.suggest(w.alice, w.sid, count=2)
    assert [s.proposal.description for s in result.suggestions] == [
        "Cook dinner together on Sundays"]
    assert result.suggestions[0].proposal.needs_addressed == [w.needs["a_rest"]]
    assert model.requests[0].call_type == "stage4-suggest-proposals"
    card = next(c for c in result.state.shared_proposals
                if c.id == result.suggestions[0].proposal.id)
    assert (card.duration, card.measure_of_success) == ("a month", "fun")


async def test_state_below_stage4_is_refused_and_hides_unshared_needs(
    app: App, alice: User, bob: User,
) -> None:
    sid, _ = await app.activate(alice, bob)
    s4 = Stage4UseCases(app.deps, OfflineMediator())
    await move_to(app.deps, sid, (alice.id,), 4)
    secret = await add_need(app.deps, sid, bob.id, "Bob's unshared need")
    own = await add_need(app.deps, sid, alice.id, "Alice's need")
    with pytest.raises(ValidationFailed, match="you are in stage 1, but stage 4 is required"):
        await s4.state(bob, sid)
    state = await s4.state(alice, sid)
    assert "Bob's unshared need" not in repr(state) and secret not in repr(state)
    assert own in repr(state)


async def test_chat_capture_records_revisions_and_coverage(w: World) -> None:
    from mwf_core.mediator.state_tool import ProposalOp
    from mwf_core.usecases.conversation_store import TurnStore

    store = TurnStore(w.app.deps)
    ops = (ProposalOp("revise", w.props["walk"], "Walk together three times a week",
                      (w.needs["a_rest"],)),
           ProposalOp("remove", w.props["rota"]),
           ProposalOp("add", "", "A weekly planning chat on Sundays", ("unknown-need",)),
           ProposalOp("remove", "does-not-exist"))
    async with w.app.db() as uow:
        session = await uow.sessions.get(w.sid)
        assert session is not None
        await store._apply_proposals(uow, session, w.alice.id, ops, "reply-1")
        await uow.commit()
    async with w.app.db() as uow:
        revisions = await uow.stage4.revisions(w.sid)
        coverage = {c.need_id: c.coverage_status.value for c in await uow.stage4.coverage(w.sid)}
        added = [p for p in await uow.proposals.for_session(w.sid)
                 if p.description.startswith("A weekly")]
    assert [r.action for r in revisions] == [RevisionAction.REVISE, RevisionAction.REMOVE]
    assert revisions[0].new_description == "Walk together three times a week"
    assert coverage == {w.needs["a_rest"]: "COVERED", w.needs["b_fair"]: "OPEN",
                        w.needs["b_time"]: "OPEN"}
    assert added[0].needs_addressed == []  # unknown need ids are dropped
    updated = w.app.events(events.STRATEGIES_UPDATED)[-1].payload
    assert (updated["appliedOperationCount"], updated["skippedOperationCount"],
            updated["selectionCaptured"]) == (3, 1, False)


async def test_one_duplicate_rule_for_every_source(app: App, alice: User, bob: User,
                                                    carol: User) -> None:
    """Chat capture, AI suggestions and revisions skip a text already active in the session
    (case and spacing aside); a revision may keep its own text."""
    from mwf_core.mediator.state_tool import ProposalOp
    from mwf_core.usecases.conversation_store import TurnStore

    model = JsonModel({"suggestions": [
        {"description": "walk together TWICE a week"},
        {"description": "Cook dinner together on Sundays"},
        {"description": "Cook  dinner together on sundays"}]})
    w = await _world(app, alice, bob, carol, model)
    result = await w.s4.suggest(w.alice, w.sid, count=3)
    assert [s.proposal.description for s in result.suggestions] == [
        "Cook dinner together on Sundays"]
    assert w.app.events(events.STRATEGIES_UPDATED)[-1].payload["skippedOperationCount"] == 2
    ops = (ProposalOp("add", "", "  Try a chore ROTA for two weeks", ()),
           ProposalOp("revise", w.props["walk"], "try a chore rota for two weeks", ()),
           ProposalOp("revise", w.props["rota"], "Try a chore rota for two weeks",
                      (w.needs["b_time"],)))
    async with w.app.db() as uow:
        session = await uow.sessions.get(w.sid)
        assert session is not None
        await TurnStore(w.app.deps)._apply_proposals(uow, session, w.alice.id, ops, "reply-1")
        await uow.commit()
    async with w.app.db() as uow:
        active = await uow.proposals.for_session(w.sid, frozenset({ProposalStatus.ACTIVE}))
    texts = sorted(p.description for p in active)
    assert texts == ["Cook dinner together on Sundays", "Try a chore rota for two weeks",
                     "Walk together twice a week"]
    rota = next(p for p in active if p.description.startswith("Try"))
    assert rota.parent_proposal_id == w.props["rota"]
    assert rota.needs_addressed == [w.needs["b_time"]]
    updated = w.app.events(events.STRATEGIES_UPDATED)[-1].payload
    assert (updated["appliedOperationCount"], updated["skippedOperationCount"]) == (1, 2)


async def test_offline_mediator_answers_the_suggest_call() -> None:
    from mwf_core.ports.llm import ChatTurn, ModelRole

    request = LlmRequest(role=ModelRole.MECHANIC, call_type="stage4-suggest-proposals",
                         system_static="s", messages=(ChatTurn("user", "needs"),),
                         hints={"needs": {"n1": "Rest"}, "count": 2})
    answer = json.loads((await OfflineMediator().complete(request)).text)
    assert [s["needsAddressed"] for s in answer["suggestions"]] == [["n1"], ["n1"]]
