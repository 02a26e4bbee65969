"""Stage 4 (redesigned flow): the rules over the shared proposal inventory, each person's
private willingness, need coverage, the share gate and the closure (partner-journey.md §1.5).

Everything here is pure: the use cases load rows, ask these functions, and write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

# The text limits of proposals (description, duration, measure of success) live in
# domain/agreements.py, shared with the legacy strategies flow.
from mwf_core.domain.agreements import MAX_AGREEMENTS
from mwf_core.domain.enums import ProposalKind, ProposalStatus
from mwf_core.domain.records import IdentifiedNeed, StrategyProposal

NOTE_MAX = 1000
SUMMARY_MAX = 2000
SUGGEST_MAX = 3
DEFAULT_CHECK_IN = timedelta(days=10)


class Decision(StrEnum):
    WILLING = "WILLING"
    NOT_WILLING = "NOT_WILLING"


class Coverage(StrEnum):
    OPEN = "OPEN"  # no active proposal addresses the need
    PARTIAL = "PARTIAL"  # only individual commitments address it
    COVERED = "COVERED"  # at least one active shared proposal addresses it


class Phase(StrEnum):
    INVENTORY_BUILDING = "INVENTORY_BUILDING"
    COVERAGE_REVIEW = "COVERAGE_REVIEW"
    SELECTION = "SELECTION"
    OUTCOME_REVIEW = "OUTCOME_REVIEW"
    CLOSING = "CLOSING"
    CLOSED_SHARED_AGREEMENT = "CLOSED_SHARED_AGREEMENT"
    CLOSED_NO_SHARED_AGREEMENT = "CLOSED_NO_SHARED_AGREEMENT"


class ClosureKind(StrEnum):
    SHARED_AGREEMENT = "SHARED_AGREEMENT"
    NO_SHARED_AGREEMENT = "NO_SHARED_AGREEMENT"


class ClosureReason(StrEnum):
    MUTUAL_SELECTION = "MUTUAL_SELECTION"
    NO_OVERLAP = "NO_OVERLAP"
    BOUNDARY_HONORED = "BOUNDARY_HONORED"
    USER_STOPPED = "USER_STOPPED"


class RevisionAction(StrEnum):
    REVISE = "REVISE"
    REMOVE = "REMOVE"


# Reasons that may close without an agreement although both said yes to something.
OVERRIDE_REASONS = frozenset({ClosureReason.BOUNDARY_HONORED, ClosureReason.USER_STOPPED})

# The gate keys stage 4 writes on the user's stage-4 progress row (§1.6).
SELECTION_SUBMITTED = "selectionSubmitted"
SELECTION_SUBMITTED_AT = "selectionSubmittedAt"


# -- records of the stage-4 tables ----------------------------------------------------------

@dataclass(slots=True)
class Stage4Selection:
    """One person's private stance on one proposal; one row per (proposal, user)."""

    id: str
    session_id: str
    proposal_id: str
    user_id: str
    decision: Decision
    created_at: datetime
    updated_at: datetime
    note: str | None = None


@dataclass(slots=True)
class Stage4NeedCoverage:
    """How well the active inventory addresses one need; one row per (session, need)."""

    id: str
    session_id: str
    need_id: str
    need_label: str
    source_user_id: str | None
    coverage_status: Coverage
    covering_proposal_ids: list[str]
    updated_at: datetime


@dataclass(slots=True)
class Stage4NeedDeclination:
    """One person's "leave this need for now"; one row per (session, user, need)."""

    id: str
    session_id: str
    user_id: str
    need_id: str
    created_at: datetime


@dataclass(slots=True)
class Stage4ProposalRevision:
    """Audit of one REVISE or REMOVE of a proposal."""

    id: str
    session_id: str
    proposal_id: str
    action: RevisionAction
    previous_description: str
    created_at: datetime
    new_proposal_id: str | None = None
    new_description: str | None = None
    user_id: str | None = None


@dataclass(slots=True)
class Stage4Closure:
    """How stage 4 ended; at most one per session."""

    id: str
    session_id: str
    kind: ClosureKind
    reason: ClosureReason
    closed_at: datetime
    summary: str | None = None
    shared_agreement_ids: list[str] = field(default_factory=list)
    individual_proposal_ids: list[str] = field(default_factory=list)
    open_need_ids: list[str] = field(default_factory=list)
    check_in_at: datetime | None = None
    closed_by_user_id: str | None = None


# -- coverage -------------------------------------------------------------------------------

def is_active(proposal: StrategyProposal) -> bool:
    return proposal.status is ProposalStatus.ACTIVE


def coverage_of(need_id: str, proposals: Iterable[StrategyProposal]) -> tuple[Coverage, list[str]]:
    """The coverage of one need by the active proposals, and which ones cover it."""
    covering = [p for p in proposals if is_active(p) and need_id in p.needs_addressed]
    if any(p.kind is ProposalKind.SHARED_PROPOSAL for p in covering):
        return Coverage.COVERED, [p.id for p in covering]
    if covering:
        return Coverage.PARTIAL, [p.id for p in covering]
    return Coverage.OPEN, []


def compute_coverage(
    needs: Iterable[tuple[IdentifiedNeed, str | None]], proposals: Iterable[StrategyProposal],
    *, session_id: str, now: datetime, new_id: object,
) -> list[Stage4NeedCoverage]:
    """One coverage row per (need, owner user id); `new_id` is a zero-argument id factory."""
    inventory = list(proposals)
    rows = []
    for need, owner in needs:
        status, covering = coverage_of(need.id, inventory)
        rows.append(Stage4NeedCoverage(
            id=new_id(), session_id=session_id, need_id=need.id,  # type: ignore[operator]
            need_label=need.need, source_user_id=owner, coverage_status=status,
            covering_proposal_ids=covering, updated_at=now,
        ))
    return rows


# -- the share gate -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GateReport:
    """What stands between one person and sharing their selections (empty lists = ok)."""

    proposals_without_stance: list[str]
    needs_unresolved: list[str]

    @property
    def satisfied(self) -> bool:
        return not self.proposals_without_stance and not self.needs_unresolved


def share_gate(
    user_id: str, proposals: Iterable[StrategyProposal], need_ids: Iterable[str],
    selections: Iterable[Stage4Selection], declined_need_ids: Iterable[str],
) -> GateReport:
    """A stance on every active shared proposal, and every need the inventory leaves open
    (OPEN, or only PARTIAL through individual commitments) either addressed by an active
    proposal the person is WILLING on or declined ("leave for now") by them. A COVERED need
    asks nothing more: the stances on its shared proposals are the answer."""
    mine = {s.proposal_id: s.decision for s in selections if s.user_id == user_id}
    active = [p for p in proposals if is_active(p)]
    missing = [p.id for p in active
               if p.kind is ProposalKind.SHARED_PROPOSAL and p.id not in mine]
    declined = set(declined_need_ids)
    willing_needs = {n for p in active if mine.get(p.id) is Decision.WILLING
                     for n in p.needs_addressed}
    unresolved = [n for n in need_ids
                  if coverage_of(n, active)[0] is not Coverage.COVERED
                  and n not in willing_needs and n not in declined]
    return GateReport(missing, unresolved)


# -- mutual willingness and the closure -----------------------------------------------------

def mutually_willing(
    proposals: Iterable[StrategyProposal], selections: Iterable[Stage4Selection],
    user_ids: tuple[str, str],
) -> list[StrategyProposal]:
    """Active shared proposals both people are WILLING on, oldest first."""
    willing: dict[str, set[str]] = {}
    for s in selections:
        if s.decision is Decision.WILLING:
            willing.setdefault(s.proposal_id, set()).add(s.user_id)
    return [p for p in proposals
            if is_active(p) and p.kind is ProposalKind.SHARED_PROPOSAL
            and set(user_ids) <= willing.get(p.id, set())]


@dataclass(frozen=True, slots=True)
class ClosurePlan:
    kind: ClosureKind
    reason: ClosureReason
    agreement_proposals: list[StrategyProposal]


class ClosureRefused(Exception):
    """A closure rule said no: `field` is None for a gate, else the request field at fault."""

    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field_name


def plan_closure(
    kind: ClosureKind | None, reason: ClosureReason | None, *, both_shared: bool,
    mutual: list[StrategyProposal],
) -> ClosurePlan:
    """Decide the closure. Mutual willingness only counts once both have shared (before that
    neither may learn the other's stances, so it cannot shape what the closer must say).

    - SHARED_AGREEMENT: both shared and at least one mutually WILLING shared proposal; the
      oldest `MAX_AGREEMENTS` of them become agreements. Reason MUTUAL_SELECTION.
    - NO_SHARED_AGREEMENT: always possible; with mutual willingness it needs BOUNDARY_HONORED
      or USER_STOPPED; otherwise the reason defaults to NO_OVERLAP.
    - No kind: SHARED_AGREEMENT when possible, else NO_SHARED_AGREEMENT.
    """
    visible_mutual = mutual if both_shared else []
    if kind is None:
        kind = (ClosureKind.SHARED_AGREEMENT if visible_mutual and reason not in OVERRIDE_REASONS
                else ClosureKind.NO_SHARED_AGREEMENT)
    if kind is ClosureKind.SHARED_AGREEMENT:
        if not both_shared:
            raise ClosureRefused("Both partners must share their selections before agreeing")
        if not visible_mutual:
            raise ClosureRefused("No proposal has both partners' willingness")
        if reason not in (None, ClosureReason.MUTUAL_SELECTION):
            raise ClosureRefused("A shared agreement closes with reason MUTUAL_SELECTION",
                                 "reason")
        return ClosurePlan(kind, ClosureReason.MUTUAL_SELECTION,
                           visible_mutual[:MAX_AGREEMENTS])
    if reason is ClosureReason.MUTUAL_SELECTION:
        raise ClosureRefused("MUTUAL_SELECTION needs a shared agreement", "reason")
    if visible_mutual and reason not in OVERRIDE_REASONS:
        raise ClosureRefused(
            "Both partners are willing on a shared proposal: closing without an agreement "
            "needs reason BOUNDARY_HONORED or USER_STOPPED", "reason")
    return ClosurePlan(kind, reason or ClosureReason.NO_OVERLAP, [])


def check_in_date(requested: datetime | None, now: datetime) -> datetime:
    return requested or now + DEFAULT_CHECK_IN


# -- phase ----------------------------------------------------------------------------------

def phase_of(
    closure: Stage4Closure | None, *, active_count: int, my_selection_count: int,
    i_shared: bool, partner_shared: bool,
) -> Phase:
    if closure is not None:
        return (Phase.CLOSED_SHARED_AGREEMENT if closure.kind is ClosureKind.SHARED_AGREEMENT
                else Phase.CLOSED_NO_SHARED_AGREEMENT)
    if i_shared and partner_shared:
        return Phase.OUTCOME_REVIEW
    if i_shared or my_selection_count:
        return Phase.SELECTION
    if active_count:
        return Phase.COVERAGE_REVIEW
    return Phase.INVENTORY_BUILDING


# -- deterministic suggestions (the model's fallback, and the offline answer) ---------------

def fallback_suggestions(needs: Mapping[str, str], count: int) -> list[dict[str, object]]:
    """Small, time-limited, reversible experiments, one per need (needs: id → label)."""
    items = list(needs.items()) or [("", "")]
    out: list[dict[str, object]] = []
    for index in range(count):
        need_id, label = items[index % len(items)]
        topic = f" around {label.strip().rstrip('.').lower()}" if label.strip() else ""
        out.append({
            "description": (f"For one week, set aside ten minutes each evening to check in "
                            f"with each other{topic}" if index % 2 == 0 else
                            f"Try a pause signal for one week: either of us can ask for a "
                            f"twenty-minute break{topic}, and we come back to it afterwards"),
            "needsAddressed": [need_id] if need_id else [],
            "duration": "1 week",
            "measureOfSuccess": "We both say it helped when we check in",
        })
    return out


@dataclass(slots=True)
class Stage4ProposalDetails:
    """What the proposals table does not hold: how long and how to tell it worked."""

    proposal_id: str
    session_id: str
    duration: str | None = None
    measure_of_success: str | None = None
