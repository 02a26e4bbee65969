"""Pure stage-4 rules: coverage, the share gate, mutual willingness, closure and phases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mwf_core.domain.enums import ProposalKind, ProposalSource, ProposalStatus
from mwf_core.domain.records import StrategyProposal
from mwf_core.domain.stage4 import (
    ClosureKind,
    ClosureReason,
    ClosureRefused,
    Coverage,
    Decision,
    Phase,
    Stage4Closure,
    Stage4Selection,
    check_in_date,
    coverage_of,
    fallback_suggestions,
    mutually_willing,
    phase_of,
    plan_closure,
    share_gate,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SHARED, INDIVIDUAL = ProposalKind.SHARED_PROPOSAL, ProposalKind.INDIVIDUAL_COMMITMENT


def proposal(pid: str, needs: list[str], kind: ProposalKind = SHARED,
             status: ProposalStatus = ProposalStatus.ACTIVE, minutes: int = 0) -> StrategyProposal:
    return StrategyProposal(pid, "s", "u1", f"proposal {pid}", needs,
                            ProposalSource.USER_SUBMITTED, kind, status,
                            NOW + timedelta(minutes=minutes))


def sel(pid: str, uid: str, decision: Decision) -> Stage4Selection:
    return Stage4Selection(f"{pid}-{uid}", "s", pid, uid, decision, NOW, NOW)


W, N = Decision.WILLING, Decision.NOT_WILLING


def test_coverage_open_partial_covered_and_inactive_ignored() -> None:
    inventory = [proposal("p1", ["n1"], INDIVIDUAL), proposal("p2", ["n2"]),
                 proposal("p3", ["n3"], status=ProposalStatus.REMOVED),
                 proposal("p4", ["n2"], INDIVIDUAL)]
    assert coverage_of("n1", inventory) == (Coverage.PARTIAL, ["p1"])
    assert coverage_of("n2", inventory) == (Coverage.COVERED, ["p2", "p4"])
    assert coverage_of("n3", inventory) == (Coverage.OPEN, [])


def test_share_gate_needs_a_stance_on_every_shared_proposal() -> None:
    inventory = [proposal("p1", ["n1"]), proposal("p2", ["n1"]), proposal("i1", [], INDIVIDUAL),
                 proposal("old", ["n1"], status=ProposalStatus.REVISED)]
    report = share_gate("u1", inventory, ["n1"], [sel("p1", "u1", W), sel("p2", "u2", W)], [])
    assert report.proposals_without_stance == ["p2"]
    assert report.needs_unresolved == []
    assert not report.satisfied
    ok = share_gate("u1", inventory, ["n1"], [sel("p1", "u1", W), sel("p2", "u1", N)], [])
    assert ok.satisfied


def test_share_gate_needs_each_uncovered_need_willing_or_declined() -> None:
    inventory = [proposal("p1", ["n1"]), proposal("i1", ["n2"], INDIVIDUAL),
                 proposal("i2", ["n4"], INDIVIDUAL)]
    stances = [sel("p1", "u1", N), sel("i2", "u1", W)]
    # n1 is COVERED (a stance on p1 answers it), n2 PARTIAL, n3 OPEN, n4 PARTIAL but willing.
    report = share_gate("u1", inventory, ["n1", "n2", "n3", "n4"], stances, [])
    assert report.needs_unresolved == ["n2", "n3"]
    assert share_gate("u1", inventory, ["n1", "n2", "n3", "n4"], stances,
                      ["n2", "n3"]).satisfied
    # The partner's willingness does not resolve my needs.
    other = share_gate("u1", inventory, ["n2"], [*stances, sel("i1", "u2", W)], [])
    assert other.needs_unresolved == ["n2"]


def test_mutual_willingness_is_active_shared_and_both_willing() -> None:
    inventory = [proposal("p1", []), proposal("p2", []), proposal("i1", [], INDIVIDUAL),
                 proposal("gone", [], status=ProposalStatus.REMOVED)]
    stances = [sel(p, u, W) for p in ("p1", "i1", "gone") for u in ("u1", "u2")]
    stances += [sel("p2", "u1", W), sel("p2", "u2", N)]
    assert [p.id for p in mutually_willing(inventory, stances, ("u1", "u2"))] == ["p1"]


def test_shared_agreement_needs_both_shared_and_mutual_willingness() -> None:
    mutual = [proposal("p1", []), proposal("p2", []), proposal("p3", [])]
    with pytest.raises(ClosureRefused) as refused:
        plan_closure(ClosureKind.SHARED_AGREEMENT, None, both_shared=False, mutual=mutual)
    assert refused.value.field is None
    with pytest.raises(ClosureRefused):
        plan_closure(ClosureKind.SHARED_AGREEMENT, None, both_shared=True, mutual=[])
    plan = plan_closure(ClosureKind.SHARED_AGREEMENT, None, both_shared=True, mutual=mutual)
    assert plan.reason is ClosureReason.MUTUAL_SELECTION
    assert [p.id for p in plan.agreement_proposals] == ["p1", "p2"]  # at most 2
    with pytest.raises(ClosureRefused) as wrong:
        plan_closure(ClosureKind.SHARED_AGREEMENT, ClosureReason.NO_OVERLAP, both_shared=True,
                     mutual=mutual)
    assert wrong.value.field == "reason"


def test_no_shared_agreement_with_mutual_willingness_needs_an_override_reason() -> None:
    mutual = [proposal("p1", [])]
    with pytest.raises(ClosureRefused) as refused:
        plan_closure(ClosureKind.NO_SHARED_AGREEMENT, None, both_shared=True, mutual=mutual)
    assert refused.value.field == "reason"
    with pytest.raises(ClosureRefused):
        plan_closure(ClosureKind.NO_SHARED_AGREEMENT, ClosureReason.NO_OVERLAP,
                     both_shared=True, mutual=mutual)
    for reason in (ClosureReason.BOUNDARY_HONORED, ClosureReason.USER_STOPPED):
        plan = plan_closure(ClosureKind.NO_SHARED_AGREEMENT, reason, both_shared=True,
                            mutual=mutual)
        assert (plan.kind, plan.reason, plan.agreement_proposals) == (
            ClosureKind.NO_SHARED_AGREEMENT, reason, [])
    with pytest.raises(ClosureRefused):
        plan_closure(ClosureKind.NO_SHARED_AGREEMENT, ClosureReason.MUTUAL_SELECTION,
                     both_shared=True, mutual=[])


def test_unshared_willingness_does_not_count_so_it_cannot_leak() -> None:
    plan = plan_closure(ClosureKind.NO_SHARED_AGREEMENT, None, both_shared=False,
                        mutual=[proposal("p1", [])])
    assert plan.reason is ClosureReason.NO_OVERLAP


def test_default_kind_follows_what_is_possible() -> None:
    mutual = [proposal("p1", [])]
    assert plan_closure(None, None, both_shared=True, mutual=mutual).kind is \
        ClosureKind.SHARED_AGREEMENT
    assert plan_closure(None, None, both_shared=False, mutual=mutual).kind is \
        ClosureKind.NO_SHARED_AGREEMENT
    assert plan_closure(None, ClosureReason.USER_STOPPED, both_shared=True,
                        mutual=mutual).kind is ClosureKind.NO_SHARED_AGREEMENT


def test_check_in_defaults_to_ten_days() -> None:
    assert check_in_date(None, NOW) == NOW + timedelta(days=10)
    assert check_in_date(NOW + timedelta(days=3), NOW) == NOW + timedelta(days=3)


def test_phases() -> None:
    def phase(**kw: object) -> Phase:
        args = {"active_count": 0, "my_selection_count": 0, "i_shared": False,
                "partner_shared": False, **kw}
        return phase_of(args.pop("closure", None), **args)  # type: ignore[arg-type]

    assert phase() is Phase.INVENTORY_BUILDING
    assert phase(active_count=2) is Phase.COVERAGE_REVIEW
    assert phase(active_count=2, my_selection_count=1) is Phase.SELECTION
    assert phase(active_count=2, i_shared=True) is Phase.SELECTION
    assert phase(active_count=2, i_shared=True, partner_shared=True) is Phase.OUTCOME_REVIEW
    closure = Stage4Closure("c", "s", ClosureKind.NO_SHARED_AGREEMENT, ClosureReason.NO_OVERLAP,
                            NOW)
    assert phase(closure=closure) is Phase.CLOSED_NO_SHARED_AGREEMENT
    closure.kind = ClosureKind.SHARED_AGREEMENT
    assert phase(closure=closure) is Phase.CLOSED_SHARED_AGREEMENT


def test_fallback_suggestions_are_deterministic_and_valid() -> None:
    first = fallback_suggestions({"n1": "Rest", "n2": "Fairness"}, 3)
    assert first == fallback_suggestions({"n1": "Rest", "n2": "Fairness"}, 3)
    assert [s["needsAddressed"] for s in first] == [["n1"], ["n2"], ["n1"]]
    assert all(10 <= len(str(s["description"])) <= 1000 for s in first)
    assert len(fallback_suggestions({}, 2)) == 2
