"""Stage 4, legacy flow: strategies, ranking, agreements (partner-journey.md §1.5, §3.8).

Still routed because the mobile app calls it next to the redesigned flow. Strategies are the
session's ACTIVE shared proposals (the same inventory as the redesign); a strategy never says
who proposed it. Rankings stay private until both people have ranked; then only the overlap
(the intersection of both top-threes) is shown. Agreements live in agreement storage; the
session resolves when every agreement carries both flags (`strategies_agreements`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.agreements import (
    DURATION_MAX,
    MEASURE_OF_SUCCESS_MAX,
    RANKED_IDS_MAX,
    RANKING_SUBMITTED,
    RANKING_SUBMITTED_AT,
    READY_AT,
    READY_TO_RANK,
    STRATEGY_DESCRIPTION_MAX,
    STRATEGY_DESCRIPTION_MIN,
    STRATEGY_NEEDS_MAX,
    StrategyPhase,
    StrategyRanking,
    agreement_candidates,
    overlap_of,
    strategy_phase,
    viewer_order,
)
from mwf_core.domain.enums import (
    ProposalKind,
    ProposalSource,
    SessionStatus,
    Stage,
)
from mwf_core.domain.errors import Conflict, ValidationFailed, field_error
from mwf_core.domain.records import User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.llm import LanguageModel
from mwf_core.ports.repositories import UnitOfWork

from .guards import require_active
from .lane import emit_to_session
from .progression import merge_gates
from .runtime import Dependencies, in_transaction, new_event
from .session_view import load_context, load_locked_context
from .stage4_inventory import add_proposal
from .strategies_agreements import AgreementUseCases
from .strategies_common import PartnerNotReady, StrategyView, gate, rankable, require_stage4

__all__ = ["StrategyUseCases", "StrategyView", "PartnerNotReady"]


@dataclass(frozen=True, slots=True)
class StrategyBoard:
    strategies: list[StrategyView]
    phase: StrategyPhase
    ai_suggestions_available: bool
    my_ready: bool
    partner_ready: bool
    can_mark_ready: bool
    can_rank: bool
    rankable_count: int


@dataclass(frozen=True, slots=True)
class NewStrategy:
    description: str
    needs_addressed: list[str]
    duration: str | None = None
    measure_of_success: str | None = None


@dataclass(frozen=True, slots=True)
class CreatedStrategy:
    strategy: StrategyView
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReadyResult:
    ready_at: datetime
    partner_ready: bool

    @property
    def can_start_ranking(self) -> bool:
        return self.partner_ready


@dataclass(frozen=True, slots=True)
class RankResult:
    submitted_at: datetime
    partner_submitted: bool


@dataclass(frozen=True, slots=True)
class Overlap:
    """`revealed` false: not both ranked yet, so nothing of either ranking is shown."""

    revealed: bool
    waiting_for_partner: bool
    overlap: list[StrategyView]
    candidates: list[StrategyView]


def _parse_at(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def _check_new(new: NewStrategy) -> None:
    problems: dict[str, list[str]] = {}
    text = new.description.strip()
    if len(text) < STRATEGY_DESCRIPTION_MIN or len(new.description) > STRATEGY_DESCRIPTION_MAX:
        problems["description"] = [f"description must be {STRATEGY_DESCRIPTION_MIN}-"
                                   f"{STRATEGY_DESCRIPTION_MAX} characters"]
    needs = new.needs_addressed
    if not needs:
        problems["needs_addressed"] = ["at least one need is required"]
    elif len(needs) > STRATEGY_NEEDS_MAX:
        problems["needs_addressed"] = [f"at most {STRATEGY_NEEDS_MAX} needs"]
    elif any(not n.strip() or len(n) > 64 for n in needs):
        problems["needs_addressed"] = ["need ids must be 1-64 characters"]
    if new.duration is not None and len(new.duration) > DURATION_MAX:
        problems["duration"] = [f"duration must be at most {DURATION_MAX} characters"]
    if new.measure_of_success is not None and len(new.measure_of_success) > MEASURE_OF_SUCCESS_MAX:
        problems["measure_of_success"] = [
            f"measureOfSuccess must be at most {MEASURE_OF_SUCCESS_MAX} characters"]
    if problems:
        raise ValidationFailed("Invalid strategy", problems)


class StrategyUseCases(AgreementUseCases):
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm

    async def board(self, actor: User, session_id: str) -> StrategyBoard:
        """GET /strategies: any member may look; the order is the viewer's own shuffle."""

        async def work(uow: UnitOfWork) -> StrategyBoard:
            context = await load_context(uow, session_id, actor)
            found = await rankable(uow, session_id)
            other = context.partner_id
            mine_ready, theirs_ready = (gate(context, actor.id, READY_TO_RANK),
                                        gate(context, other, READY_TO_RANK))
            both_ranked = (gate(context, actor.id, RANKING_SUBMITTED)
                           and gate(context, other, RANKING_SUBMITTED))
            at_stage4 = context.row(actor.id, Stage.STRATEGIC_REPAIR) is not None
            live = context.session.status is SessionStatus.ACTIVE
            count = len(found.proposals)
            return StrategyBoard(
                strategies=[found.views[sid] for sid in viewer_order(actor.id, found.ids)],
                phase=strategy_phase(mine_ready and theirs_ready, both_ranked),
                ai_suggestions_available=found.ai_suggested,
                my_ready=mine_ready, partner_ready=theirs_ready,
                can_mark_ready=live and at_stage4 and not mine_ready and count > 0,
                can_rank=live and at_stage4 and mine_ready and theirs_ready and count > 0,
                rankable_count=count,
            )

        return await in_transaction(self._deps.uow, work)

    async def propose(self, actor: User, session_id: str, new: NewStrategy) -> CreatedStrategy:
        """POST /strategies: adds a USER_SUBMITTED shared proposal (stage 4, ACTIVE session).
        The same text (case and spacing aside) already on the list: 409 CONFLICT, nothing
        added (`stage4_inventory.add_proposal` holds the one duplicate rule)."""
        _check_new(new)

        async def work(uow: UnitOfWork) -> CreatedStrategy:
            # Locked: two people proposing the same text at once add it once.
            context = await load_locked_context(uow, session_id, actor)
            require_active(context)
            require_stage4(context, "propose strategy")
            duration = (new.duration or "").strip() or None
            measure = (new.measure_of_success or "").strip() or None
            proposal = await add_proposal(
                uow, self._deps, session_id, description=new.description,
                needs_addressed=list(new.needs_addressed), source=ProposalSource.USER_SUBMITTED,
                kind=ProposalKind.SHARED_PROPOSAL, created_by=actor.id, duration=duration,
                measure_of_success=measure)
            if proposal is None:
                raise Conflict("This strategy is already on the list")
            # Both screens refresh; the event does not name the proposer (the list is
            # anonymous so that ranking is about the idea, not the person).
            await emit_to_session(uow, self._deps, session_id, events.STRATEGIES_UPDATED,
                                  {"stage": 4, "change": "strategy_proposed"})
            view = StrategyView(proposal.id, proposal.description, proposal.needs_addressed,
                                duration, measure)
            return CreatedStrategy(view, proposal.created_at)

        return await in_transaction(self._deps.uow, work)

    async def mark_ready(self, actor: User, session_id: str) -> ReadyResult:
        """POST /strategies/ready: gates readyToRank/readyAt; again answers as the first time."""

        async def work(uow: UnitOfWork) -> ReadyResult:
            context = await load_locked_context(uow, session_id, actor)
            require_active(context)
            row = require_stage4(context, "mark ready to rank")
            theirs = gate(context, context.partner_id, READY_TO_RANK)
            if row.gates_satisfied.get(READY_TO_RANK):
                ready_at = _parse_at(row.gates_satisfied.get(READY_AT))
                return ReadyResult(ready_at or self._deps.clock.now(), theirs)
            if not (await rankable(uow, session_id)).proposals:
                raise ValidationFailed("There are no strategies to rank yet")
            now = self._deps.clock.now()
            await merge_gates(uow, row, {READY_TO_RANK: True, READY_AT: js_iso(now)})
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id), events.PARTNER_READY_TO_RANK,
                session_id, {"stage": 4, "readyBy": actor.id, "excludeUserId": actor.id}))
            return ReadyResult(now, theirs)

        return await in_transaction(self._deps.uow, work)

    async def rank(self, actor: User, session_id: str, ranked_ids: list[str]) -> RankResult:
        """POST /strategies/rank: the caller's private order (best first), once both are
        ready. Submitting again replaces it."""
        if not ranked_ids:
            raise field_error("ranked_ids", "rank at least one strategy")
        if len(ranked_ids) > RANKED_IDS_MAX:
            raise field_error("ranked_ids", f"at most {RANKED_IDS_MAX} strategies")
        if len(set(ranked_ids)) != len(ranked_ids):
            raise field_error("ranked_ids", "strategy ids must be unique")

        async def work(uow: UnitOfWork) -> RankResult:
            context = await load_locked_context(uow, session_id, actor)
            require_active(context)
            row = require_stage4(context, "rank strategies")
            other = context.partner_id
            if not (row.gates_satisfied.get(READY_TO_RANK) and gate(context, other,
                                                                     READY_TO_RANK)):
                raise PartnerNotReady("Both partners must be ready to rank first")
            known = set((await rankable(uow, session_id)).ids)
            if any(sid not in known for sid in ranked_ids):
                raise field_error("ranked_ids", "every id must be one of this session's "
                                                "strategies")
            now = self._deps.clock.now()
            await uow.rankings.upsert(StrategyRanking(self._deps.ids.new_id(), session_id,
                                                      actor.id, list(ranked_ids), now))
            await merge_gates(uow, row, {RANKING_SUBMITTED: True,
                                         RANKING_SUBMITTED_AT: js_iso(now)})
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id),
                events.PARTNER_RANKING_SUBMITTED, session_id,
                {"stage": 4, "submittedBy": actor.id, "excludeUserId": actor.id}))
            return RankResult(now, gate(context, other, RANKING_SUBMITTED))

        return await in_transaction(self._deps.uow, work)

    async def overlap(self, actor: User, session_id: str) -> Overlap:
        """GET /strategies/overlap: nothing of either ranking until both have ranked."""

        async def work(uow: UnitOfWork) -> Overlap:
            context = await load_context(uow, session_id, actor)
            other = context.partner_id
            rankings = {r.user_id: r for r in await uow.rankings.for_session(session_id)}
            mine, theirs = rankings.get(actor.id), rankings.get(other) if other else None
            if mine is None or theirs is None:
                return Overlap(False, mine is not None, [], [])
            found = await rankable(uow, session_id)
            first = [sid for sid in mine.ranked_ids if sid in found.views]
            second = [sid for sid in theirs.ranked_ids if sid in found.views]
            return Overlap(True, False,
                           [found.views[sid] for sid in overlap_of(first, second)],
                           [found.views[sid] for sid in agreement_candidates(first, second)])

        return await in_transaction(self._deps.uow, work)
