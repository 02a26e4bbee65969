"""The legacy Stage 4 flow over the in-memory fakes: strategies, ranking, overlap,
agreements, confirmation and resolution."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mwf_core.domain import events
from mwf_core.domain.agreements import (
    AgreementStatus,
    AgreementType,
    StrategyPhase,
    agreement_candidates,
    overlap_of,
    viewer_order,
)
from mwf_core.domain.enums import SessionStatus, StageStatus
from mwf_core.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    SessionNotActive,
    ValidationFailed,
)
from mwf_core.domain.records import User
from mwf_core.usecases.strategies import NewStrategy, PartnerNotReady, StrategyUseCases
from mwf_core.usecases.strategies_agreements import NewAgreement

from .conftest import App
from .journey_seed import move_to

NEED = ["need-1"]


@pytest.fixture
def strategies(app: App) -> StrategyUseCases:
    return StrategyUseCases(app.deps, None)  # type: ignore[arg-type]


@pytest.fixture
async def at4(app: App, active: tuple[str, str], alice: User, bob: User) -> str:
    session_id = active[0]
    await move_to(app.deps, session_id, (alice.id, bob.id), 4)
    return session_id


async def _three(strategies: StrategyUseCases, alice: User, bob: User, sid: str) -> list[str]:
    made = [await strategies.propose(alice, sid, NewStrategy(f"Walk together, idea {i}", NEED))
            for i in range(2)]
    made.append(await strategies.propose(bob, sid, NewStrategy("Phone-free dinners", NEED,
                                                               "two weeks", "we talk more")))
    return [m.strategy.id for m in made]


def test_overlap_rules() -> None:
    assert overlap_of(["a", "b", "c", "d"], ["d", "c", "b", "a"]) == ["b", "c"]
    assert overlap_of(["a"], ["b"]) == []
    assert agreement_candidates(["a", "x"], ["b", "a"]) == ["a"]
    assert agreement_candidates(["a"], ["b"]) == ["a", "b"]
    assert agreement_candidates(["a"], ["a", "b"]) == ["a"]
    ids = [f"s{i}" for i in range(8)]
    assert viewer_order("u1", ids) == viewer_order("u1", list(reversed(ids)))
    assert sorted(viewer_order("u1", ids)) == sorted(ids)


async def test_strategies_are_shared_without_authors_and_shuffled_per_viewer(
    app: App, strategies: StrategyUseCases, at4: str, alice: User, bob: User,
) -> None:
    ids = await _three(strategies, alice, bob, at4)
    board_a = await strategies.board(alice, at4)
    board_b = await strategies.board(bob, at4)
    assert sorted(s.id for s in board_a.strategies) == sorted(ids)
    assert [s.id for s in board_a.strategies] == viewer_order(alice.id, ids)
    assert [s.id for s in board_b.strategies] == viewer_order(bob.id, ids)
    dinners = next(s for s in board_a.strategies if s.id == ids[2])
    assert (dinners.duration, dinners.measure_of_success) == ("two weeks", "we talk more")
    assert not hasattr(dinners, "created_by_user_id")
    assert board_a.phase is StrategyPhase.COLLECTING and board_a.rankable_count == 3
    assert board_a.can_mark_ready and not board_a.can_rank
    assert len(app.events(events.STRATEGIES_UPDATED)) == 3


async def test_propose_limits_and_stage(
    app: App, strategies: StrategyUseCases, active: tuple[str, str], alice: User,
) -> None:
    sid = active[0]
    with pytest.raises(ValidationFailed, match="stage 4 is required"):
        await strategies.propose(alice, sid, NewStrategy("A long enough idea", NEED))
    cases: list[tuple[NewStrategy, str]] = [
        (NewStrategy("too short", NEED), "description"),
        (NewStrategy("x" * 1001, NEED), "description"),
        (NewStrategy("A long enough idea", []), "needs_addressed"),
        (NewStrategy("A long enough idea", NEED, duration="d" * 101), "duration"),
        (NewStrategy("A long enough idea", NEED, measure_of_success="m" * 501),
         "measure_of_success"),
    ]
    for new, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            await strategies.propose(alice, sid, new)
        assert field in caught.value.details


async def test_the_same_strategy_twice_is_a_conflict(
    app: App, strategies: StrategyUseCases, at4: str, alice: User, bob: User,
) -> None:
    first = await strategies.propose(alice, at4, NewStrategy("Walk  together on Sundays", NEED))
    # Case and spacing do not make a new idea, whoever proposes it.
    with pytest.raises(Conflict, match="already on the list"):
        await strategies.propose(bob, at4, NewStrategy(" walk together ON sundays ", NEED))
    board = await strategies.board(alice, at4)
    assert [s.id for s in board.strategies] == [first.strategy.id]
    assert len(app.events(events.STRATEGIES_UPDATED)) == 1


async def test_ranking_waits_for_both_and_overlap_stays_hidden_until_both_ranked(
    app: App, strategies: StrategyUseCases, at4: str, alice: User, bob: User,
) -> None:
    a, b, c = await _three(strategies, alice, bob, at4)
    with pytest.raises(PartnerNotReady):
        await strategies.rank(alice, at4, [a])
    first = await strategies.mark_ready(alice, at4)
    assert not first.can_start_ranking
    app.clock.advance(minutes=1)
    again = await strategies.mark_ready(alice, at4)
    assert again.ready_at == first.ready_at
    assert len(app.events(events.PARTNER_READY_TO_RANK)) == 1
    with pytest.raises(PartnerNotReady):
        await strategies.rank(alice, at4, [a])
    assert (await strategies.mark_ready(bob, at4)).can_start_ranking
    assert (await strategies.board(alice, at4)).phase is StrategyPhase.RANKING
    with pytest.raises(ValidationFailed) as caught:
        await strategies.rank(alice, at4, [a, "nope"])
    assert "ranked_ids" in caught.value.details
    with pytest.raises(ValidationFailed):
        await strategies.rank(alice, at4, [a, a])
    ranked = await strategies.rank(alice, at4, [c, a, b])
    assert not ranked.partner_submitted
    hidden = await strategies.overlap(alice, at4)
    assert not hidden.revealed and hidden.waiting_for_partner and hidden.overlap == []
    partner_view = await strategies.overlap(bob, at4)
    assert not partner_view.revealed and not partner_view.waiting_for_partner
    assert (await strategies.rank(bob, at4, [b, c])).partner_submitted
    shown = await strategies.overlap(bob, at4)
    assert shown.revealed and [s.id for s in shown.overlap] == [c, b]
    assert (await strategies.board(alice, at4)).phase is StrategyPhase.REVEALING
    ranking_events = app.events(events.PARTNER_RANKING_SUBMITTED)
    assert [e.payload["submittedBy"] for e in ranking_events] == [alice.id, bob.id]
    assert all("rankedIds" not in e.payload for e in ranking_events)


async def test_agreements_flags_follow_member_order_and_the_session_resolves_once(
    app: App, strategies: StrategyUseCases, at4: str, alice: User, bob: User,
) -> None:
    a, b, _ = await _three(strategies, alice, bob, at4)
    follow = app.clock.now() + timedelta(days=7)
    first = await strategies.propose_agreement(
        bob, at4, NewAgreement("Walk on Sundays", AgreementType.MICRO_EXPERIMENT, a,
                               follow_up_date=follow))
    assert first.agreed_by_me and not first.agreed_by_partner
    # Alice joined first, so she is A: Bob's flag is B.
    assert (first.agreement.agreed_by_a, first.agreement.agreed_by_b) == (False, True)
    with pytest.raises(Conflict):
        await strategies.propose_agreement(alice, at4, NewAgreement("Again", AgreementType.HYBRID,
                                                                    a))
    with pytest.raises(NotFound):
        await strategies.propose_agreement(alice, at4, NewAgreement("X", AgreementType.HYBRID,
                                                                    "missing"))
    second = await strategies.propose_agreement(alice, at4,
                                                NewAgreement("Check in", AgreementType.CHECK_IN))
    with pytest.raises(ValidationFailed, match="at most 2"):
        await strategies.propose_agreement(alice, at4,
                                           NewAgreement("Third", AgreementType.COMMITMENT, b))
    seen_by_alice = await strategies.agreements(alice, at4)
    assert [(v.agreed_by_me, v.agreed_by_partner) for v in seen_by_alice] == [
        (False, True), (True, False)]
    with pytest.raises(ValidationFailed, match="no agreement"):
        await strategies.resolve(alice, at4)

    done = await strategies.confirm_agreement(alice, at4, first.agreement.id, True)
    assert done.agreement.agreement.status is AgreementStatus.AGREED
    assert not done.session_can_resolve and not done.resolved
    withdrawn = await strategies.confirm_agreement(alice, at4, first.agreement.id, False)
    assert withdrawn.agreement.agreement.status is AgreementStatus.PROPOSED
    await strategies.confirm_agreement(alice, at4, first.agreement.id, True)
    last = await strategies.confirm_agreement(bob, at4, second.agreement.id, True)
    assert last.resolved and last.session_can_resolve
    session = app.store.sessions[at4]
    assert session.status is SessionStatus.RESOLVED and session.resolved_at is not None
    assert all(p.status is StageStatus.COMPLETED for p in app.store.progress.values()
               if p.session_id == at4)
    resolved = app.events(events.SESSION_RESOLVED)
    assert [e.payload["agreementId"] for e in resolved] == [second.agreement.id]
    # One payload shape for every way of resolving (resolution.resolved_payload).
    assert resolved[0].payload["resolvedBy"] == resolved[0].payload["closedBy"] == bob.id
    assert sorted(resolved[0].payload["agreementIds"]) == sorted(
        [first.agreement.id, second.agreement.id])
    assert resolved[0].payload["kind"] is None and resolved[0].payload["closureKind"] is None
    assert resolved[0].payload["resolvedAt"]
    # A double tap after resolution answers, without a second resolution.
    repeat = await strategies.confirm_agreement(bob, at4, second.agreement.id, True)
    assert repeat.session_can_resolve and not repeat.resolved
    again = await strategies.resolve(alice, at4)
    assert again.resolved_at == session.resolved_at and again.follow_up_scheduled
    assert len(app.events(events.SESSION_RESOLVED)) == 1
    with pytest.raises(SessionNotActive):
        await strategies.confirm_agreement(bob, at4, second.agreement.id, False)


async def test_resolve_on_one_agreed_agreement(
    app: App, strategies: StrategyUseCases, at4: str, alice: User, bob: User,
) -> None:
    one = await strategies.propose_agreement(alice, at4,
                                             NewAgreement("Walk", AgreementType.COMMITMENT))
    await strategies.propose_agreement(bob, at4, NewAgreement("Talk", AgreementType.CHECK_IN))
    await strategies.confirm_agreement(bob, at4, one.agreement.id, True)
    assert app.store.sessions[at4].status is SessionStatus.ACTIVE
    result = await strategies.resolve(bob, at4)
    assert not result.follow_up_scheduled and len(result.agreements) == 2
    assert app.store.sessions[at4].status is SessionStatus.RESOLVED
    payloads: list[dict[str, Any]] = [e.payload for e in app.events(events.SESSION_RESOLVED)]
    assert [p["resolvedBy"] for p in payloads] == [bob.id]
    assert payloads[0]["agreementIds"] == [one.agreement.id] and "agreementId" not in payloads[0]


async def test_access_and_status_rules(
    app: App, strategies: StrategyUseCases, at4: str, alice: User, carol: User,
) -> None:
    with pytest.raises(Forbidden):
        await strategies.board(carol, at4)
    with pytest.raises(Forbidden):
        await strategies.agreements(carol, at4)
    with pytest.raises(NotFound):
        await strategies.overlap(alice, "missing")
    await app.set_status(at4, SessionStatus.PAUSED)
    with pytest.raises(SessionNotActive):
        await strategies.propose(alice, at4, NewStrategy("A long enough idea", NEED))
    with pytest.raises(SessionNotActive):
        await strategies.resolve(alice, at4)
    assert not (await strategies.board(alice, at4)).can_mark_ready
