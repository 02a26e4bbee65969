"""The stage-4 state one person sees (GET /stage4): pure assembly from loaded rows.

Privacy (partner-journey.md §8 rule 6): the proposals are shared inventory, but each person's
WILLING / NOT_WILLING and notes stay theirs until *both* have shared their selections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mwf_core.domain.agreements import Agreement
from mwf_core.domain.enums import ProposalKind, ProposalStatus
from mwf_core.domain.records import IdentifiedNeed, StrategyProposal
from mwf_core.domain.stage4 import (
    SELECTION_SUBMITTED,
    Coverage,
    Decision,
    Stage4Closure,
    Stage4NeedDeclination,
    Stage4ProposalDetails,
    Stage4Selection,
    check_in_date,
    coverage_of,
    phase_of,
)


@dataclass(slots=True)
class NeedRef:
    id: str
    label: str
    coverage: Coverage


@dataclass(slots=True)
class NeedItem:
    id: str
    label: str
    owner: str  # ME | PARTNER
    coverage: Coverage
    covering_proposal_ids: list[str]
    declined_by_me: bool


@dataclass(slots=True)
class ProposalCard:
    id: str
    kind: ProposalKind
    description: str
    source_label: str  # YOU | PARTNER | AI | UNKNOWN
    owner_label: str
    needs_addressed: list[NeedRef]
    duration: str | None
    measure_of_success: str | None
    status: ProposalStatus
    my_decision: Decision | None
    partner_decision_visible: bool
    partner_decision: Decision | None
    created_at: datetime


@dataclass(slots=True)
class SelectionView:
    proposal_id: str
    decision: Decision
    note: str | None
    updated_at: datetime


@dataclass(slots=True)
class Walkthrough:
    phase: str  # MY_NEEDS | PARTNER_NEEDS | QUALITY_REVIEW | SUMMARY
    current_need: NeedItem | None
    current_index: int
    total_in_phase: int
    own_needs: list[NeedItem]
    partner_needs: list[NeedItem]
    proposal_groups: list[tuple[str, list[str]]]  # (need id, proposal ids)
    quality_warnings: list[str]
    default_check_in_date: datetime


@dataclass(slots=True)
class AgreementView:
    id: str
    description: str
    proposal_id: str | None
    status: str
    follow_up_date: datetime | None


@dataclass(slots=True)
class Outcome:
    kind: str
    reason: str
    summary: str | None
    agreements: list[AgreementView]
    individual_commitments: list[ProposalCard]
    open_needs: list[NeedItem]
    closed_at: datetime
    check_in_at: datetime | None


@dataclass(slots=True)
class Stage4State:
    phase: str
    walkthrough: Walkthrough
    shared_proposals: list[ProposalCard]
    individual_commitments: list[ProposalCard]
    unaddressed_needs: list[NeedItem]
    removed_proposal_count: int
    inventory_updated_at: datetime | None
    covered: list[NeedItem]
    partial: list[NeedItem]
    open: list[NeedItem]
    coverage_updated_at: datetime | None
    my_selections: list[SelectionView]
    partner_selections: list[SelectionView]
    my_selection_status: str  # NOT_STARTED | SUBMITTED
    partner_selection_status: str
    outcome: Outcome | None = None
    declined_need_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Stage4Rows:
    """What the state is built from, as loaded in one transaction."""

    viewer_id: str
    partner_id: str | None
    proposals: list[StrategyProposal]
    needs: list[tuple[IdentifiedNeed, str]]
    selections: list[Stage4Selection]
    declinations: list[Stage4NeedDeclination]
    details: list[Stage4ProposalDetails]
    closure: Stage4Closure | None
    agreements: list[Agreement]
    my_gates: dict[str, object]
    partner_gates: dict[str, object]
    coverage_updated_at: datetime | None
    now: datetime

    @property
    def i_shared(self) -> bool:
        return bool(self.my_gates.get(SELECTION_SUBMITTED))

    @property
    def partner_shared(self) -> bool:
        return bool(self.partner_gates.get(SELECTION_SUBMITTED))

    @property
    def both_shared(self) -> bool:
        return self.i_shared and self.partner_shared


def _label(proposal: StrategyProposal, viewer_id: str) -> str:
    if proposal.created_by_user_id is None:
        return "AI" if proposal.source.value == "AI_SUGGESTED" else "UNKNOWN"
    return "YOU" if proposal.created_by_user_id == viewer_id else "PARTNER"


def build_state(rows: Stage4Rows) -> Stage4State:
    viewer = rows.viewer_id
    active = [p for p in rows.proposals if p.status is ProposalStatus.ACTIVE]
    labels = {need.id: need.need for need, _ in rows.needs}
    declined = {d.need_id for d in rows.declinations if d.user_id == viewer}
    mine = {s.proposal_id: s for s in rows.selections if s.user_id == viewer}
    theirs = {s.proposal_id: s for s in rows.selections if s.user_id == rows.partner_id}
    visible = rows.both_shared
    details = {d.proposal_id: d for d in rows.details}

    def need_item(need: IdentifiedNeed, owner: str) -> NeedItem:
        status, covering = coverage_of(need.id, rows.proposals)
        return NeedItem(need.id, need.need, "ME" if owner == viewer else "PARTNER", status,
                        covering, need.id in declined)

    def card(p: StrategyProposal) -> ProposalCard:
        refs = [NeedRef(n, labels[n], coverage_of(n, rows.proposals)[0])
                for n in p.needs_addressed if n in labels]
        label = _label(p, viewer)
        my = mine.get(p.id)
        partner = theirs.get(p.id)
        extra = details.get(p.id)
        return ProposalCard(
            id=p.id, kind=p.kind, description=p.description, source_label=label,
            owner_label={"YOU": "You", "PARTNER": "Your partner", "AI": "Suggested"}.get(
                label, "Unknown"),
            needs_addressed=refs, duration=extra.duration if extra else None,
            measure_of_success=extra.measure_of_success if extra else None, status=p.status,
            my_decision=my.decision if my else None, partner_decision_visible=visible,
            partner_decision=partner.decision if (visible and partner) else None,
            created_at=p.created_at,
        )

    items = [need_item(need, owner) for need, owner in rows.needs]
    by_status = {status: [i for i in items if i.coverage is status] for status in Coverage}
    stamps = [p.removed_at or p.created_at for p in rows.proposals]
    def views(sel: dict[str, Stage4Selection]) -> list[SelectionView]:
        return [SelectionView(s.proposal_id, s.decision, s.note, s.updated_at)
                for s in sorted(sel.values(), key=lambda s: (s.created_at, s.id))]

    outcome = None
    if rows.closure is not None:
        c = rows.closure
        cards = {p.id: p for p in rows.proposals}
        outcome = Outcome(
            kind=c.kind.value, reason=c.reason.value, summary=c.summary,
            agreements=[AgreementView(a.id, a.description, a.proposal_id, a.status.value,
                                      a.follow_up_date)
                        for a in rows.agreements if a.id in c.shared_agreement_ids],
            individual_commitments=[card(cards[pid]) for pid in c.individual_proposal_ids
                                    if pid in cards],
            open_needs=[i for i in items if i.id in c.open_need_ids],
            closed_at=c.closed_at, check_in_at=c.check_in_at,
        )
    return Stage4State(
        phase=phase_of(rows.closure, active_count=len(active), my_selection_count=len(mine),
                       i_shared=rows.i_shared, partner_shared=rows.partner_shared).value,
        walkthrough=_walkthrough(items, active, mine, rows.now),
        shared_proposals=[card(p) for p in active if p.kind is ProposalKind.SHARED_PROPOSAL],
        individual_commitments=[card(p) for p in active
                                if p.kind is ProposalKind.INDIVIDUAL_COMMITMENT],
        unaddressed_needs=by_status[Coverage.OPEN],
        removed_proposal_count=sum(p.status is ProposalStatus.REMOVED for p in rows.proposals),
        inventory_updated_at=max(stamps) if stamps else None,
        covered=by_status[Coverage.COVERED], partial=by_status[Coverage.PARTIAL],
        open=by_status[Coverage.OPEN], coverage_updated_at=rows.coverage_updated_at,
        my_selections=views(mine),
        partner_selections=views(theirs) if visible else [],
        my_selection_status="SUBMITTED" if rows.i_shared else "NOT_STARTED",
        partner_selection_status="SUBMITTED" if rows.partner_shared else "NOT_STARTED",
        outcome=outcome,
        declined_need_ids=sorted(declined),
    )


def _walkthrough(items: list[NeedItem], active: list[StrategyProposal],
                 mine: dict[str, Stage4Selection], now: datetime) -> Walkthrough:
    """A minimal guide: first the caller's own needs without a stance, then the partner's,
    then proposals that address no need, then the summary."""
    willing = {n for p in active if (s := mine.get(p.id)) and s.decision is Decision.WILLING
               for n in p.needs_addressed}
    own = [i for i in items if i.owner == "ME"]
    partner = [i for i in items if i.owner == "PARTNER"]
    groups = [(i.id, i.covering_proposal_ids) for i in items]
    warnings = [f"Proposal {p.id} does not address any need" for p in active
                if not p.needs_addressed]

    def pending(group: list[NeedItem]) -> list[NeedItem]:
        return [i for i in group if i.id not in willing and not i.declined_by_me]

    for phase, group in (("MY_NEEDS", own), ("PARTNER_NEEDS", partner)):
        todo = pending(group)
        if todo:
            return Walkthrough(phase, todo[0], group.index(todo[0]), len(group), own, partner,
                               groups, warnings, check_in_date(None, now))
    phase = "QUALITY_REVIEW" if warnings else "SUMMARY"
    return Walkthrough(phase, None, 0, len(warnings) if warnings else 0, own, partner, groups,
                       warnings, check_in_date(None, now))
