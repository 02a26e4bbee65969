"""Stage 4: closing (POST /stage4/close). A joint decision: it runs after
`load_locked_context`, so of two partners closing at once exactly one writes the closure
and resolves the session (`resolution.resolve_session`, one `session.resolved`); the other
gets 409."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mwf_core.domain.agreements import (
    MAX_AGREEMENTS,
    Agreement,
    AgreementStatus,
    AgreementType,
    counts_toward_limit,
)
from mwf_core.domain.enums import ProposalKind, ProposalStatus, Stage
from mwf_core.domain.errors import Conflict, GateNotSatisfied, field_error
from mwf_core.domain.records import StrategyProposal, User
from mwf_core.domain.stage4 import (
    SELECTION_SUBMITTED,
    SUMMARY_MAX,
    ClosureKind,
    ClosureReason,
    ClosureRefused,
    Decision,
    Stage4Closure,
    check_in_date,
    coverage_of,
    mutually_willing,
    plan_closure,
)
from mwf_core.ports.repositories import UnitOfWork

from .resolution import resolve_session
from .runtime import in_transaction
from .session_view import load_locked_context
from .stage4_common import Stage4Base, partner_row, require_stage4
from .stage4_inventory import refresh_coverage, session_needs
from .stage4_state import Stage4State


@dataclass(slots=True)
class CloseResult:
    closed: bool
    closed_at: datetime
    state: Stage4State


class Stage4CloseMixin(Stage4Base):
    async def close(self, actor: User, session_id: str, kind: str | None = None,
                    reason: str | None = None, summary: str | None = None,
                    check_in: datetime | None = None) -> CloseResult:
        closure_kind = _enum(ClosureKind, kind, "kind")
        closure_reason = _enum(ClosureReason, reason, "reason")
        if summary is not None and len(summary) > SUMMARY_MAX:
            raise field_error("summary", f"summary must be at most {SUMMARY_MAX} characters")

        async def work(uow: UnitOfWork) -> CloseResult:
            context = await load_locked_context(uow, session_id, actor)
            if await uow.stage4.closure(session_id) is not None:
                raise Conflict("Stage 4 is already closed")
            require_stage4(context)
            partner_id = context.partner_id
            mine = context.row(actor.id, Stage.STRATEGIC_REPAIR)
            theirs = partner_row(context)
            both_shared = bool(mine and mine.gates_satisfied.get(SELECTION_SUBMITTED)
                               and theirs and theirs.gates_satisfied.get(SELECTION_SUBMITTED))
            proposals = await uow.proposals.for_session(session_id)
            selections = await uow.stage4.selections(session_id)
            mutual = (mutually_willing(proposals, selections, (actor.id, partner_id))
                      if partner_id else [])
            try:
                plan = plan_closure(closure_kind, closure_reason, both_shared=both_shared,
                                    mutual=mutual)
            except ClosureRefused as refused:
                if refused.field:
                    raise field_error(refused.field, refused.message) from None
                raise GateNotSatisfied(refused.message) from None
            now = self._deps.clock.now()
            follow_up = check_in_date(check_in, now)
            agreements = await self._agree(uow, session_id, actor.id, plan.agreement_proposals,
                                           follow_up, now)
            # The outcome is seen by both: a person's WILLING choices count only once that
            # person shared their selections (unshared ones stay private).
            shared_by = {uid for uid, row in ((actor.id, mine), (partner_id, theirs))
                         if uid and row and row.gates_satisfied.get(SELECTION_SUBMITTED)}
            willing_by = {(s.proposal_id, s.user_id) for s in selections
                          if s.decision is Decision.WILLING and s.user_id in shared_by}
            individual = [p.id for p in proposals
                          if p.status is ProposalStatus.ACTIVE
                          and p.kind is ProposalKind.INDIVIDUAL_COMMITMENT
                          and any((p.id, uid) in willing_by for uid in (actor.id, partner_id))]
            needs = await session_needs(uow, session_id, actor.id)
            open_needs = [n.id for n, _ in needs
                          if coverage_of(n.id, proposals)[0].value == "OPEN"]
            await uow.stage4.add_closure(Stage4Closure(
                id=self._deps.ids.new_id(), session_id=session_id, kind=plan.kind,
                reason=plan.reason, closed_at=now, summary=summary or None,
                shared_agreement_ids=[a.id for a in agreements],
                individual_proposal_ids=individual, open_need_ids=open_needs,
                check_in_at=follow_up if agreements else check_in,
                closed_by_user_id=actor.id))
            await resolve_session(uow, self._deps, context, now, resolved_by=actor.id,
                                  agreement_ids=[a.id for a in agreements],
                                  closure_kind=plan.kind.value)
            await refresh_coverage(uow, self._deps, session_id, needs)
            return CloseResult(True, now, await self._state(uow, context))

        return await in_transaction(self._deps.uow, work)

    async def _agree(self, uow: UnitOfWork, session_id: str, actor_id: str,
                     chosen: list[StrategyProposal], follow_up: datetime, now: datetime
                     ) -> list[Agreement]:
        """Agreements for the mutually chosen proposals, within the session's limit (both
        flows together; `counts_toward_limit`)."""
        existing = [a for a in await uow.agreements.for_session(session_id)
                    if counts_toward_limit(a)]
        room = max(0, MAX_AGREEMENTS - len(existing))
        details = {d.proposal_id: d for d in await uow.stage4.details(session_id)}
        made = []
        for proposal in chosen[:room]:
            extra = details.get(proposal.id)
            agreement = Agreement(
                id=self._deps.ids.new_id(), session_id=session_id,
                description=proposal.description, type=AgreementType.MICRO_EXPERIMENT,
                status=AgreementStatus.AGREED, created_at=now, agreed_by_a=True,
                agreed_by_b=True, agreed_at=now, follow_up_date=follow_up,
                duration=extra.duration if extra else None,
                measure_of_success=extra.measure_of_success if extra else None,
                proposal_id=proposal.id, created_by_user_id=actor_id)
            await uow.agreements.add(agreement)
            await uow.proposals.retire(proposal.id, ProposalStatus.CONVERTED_TO_AGREEMENT)
            made.append(agreement)
        return made


def _enum(kind: Any, value: str | None, field: str) -> Any:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise field_error(field, f"{field} must be one of {allowed}") from None
