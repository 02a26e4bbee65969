"""Legacy Stage 4 agreements: propose, confirm, list, and resolving the session.

Every write that decides on both people's flags runs under `load_locked_context`, so two
confirmations arriving at the same instant are serialised: the second sees the first's flag,
and exactly one of them resolves the session (one `session.resolved`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.agreements import (
    AGREEMENT_DESCRIPTION_MAX,
    DURATION_MAX,
    MAX_AGREEMENTS,
    MEASURE_OF_SUCCESS_MAX,
    Agreement,
    AgreementStatus,
    AgreementType,
    counts_toward_limit,
    fully_agreed,
)
from mwf_core.domain.enums import SessionStatus
from mwf_core.domain.errors import Conflict, NotFound, ValidationFailed
from mwf_core.domain.records import User
from mwf_core.ports.repositories import UnitOfWork

from .guards import require_active
from .resolution import resolve_session
from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, load_context, load_locked_context
from .strategies_common import flags_for, member_order, rankable, require_stage4, set_flag


@dataclass(frozen=True, slots=True)
class NewAgreement:
    description: str
    type: AgreementType
    strategy_id: str | None = None
    duration: str | None = None
    measure_of_success: str | None = None
    follow_up_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgreementView:
    """An agreement as one person sees it: the A/B flags turned into mine / my partner's."""

    agreement: Agreement
    agreed_by_me: bool
    agreed_by_partner: bool


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    agreement: AgreementView
    session_can_resolve: bool
    resolved: bool


@dataclass(frozen=True, slots=True)
class ResolveResult:
    resolved_at: datetime
    agreements: list[AgreementView]
    follow_up_scheduled: bool


def _check_new(new: NewAgreement) -> None:
    problems: dict[str, list[str]] = {}
    if not new.description.strip() or len(new.description) > AGREEMENT_DESCRIPTION_MAX:
        problems["description"] = [
            f"description must be 1-{AGREEMENT_DESCRIPTION_MAX} characters"]
    if new.duration is not None and len(new.duration) > DURATION_MAX:
        problems["duration"] = [f"duration must be at most {DURATION_MAX} characters"]
    if new.measure_of_success is not None and len(new.measure_of_success) > MEASURE_OF_SUCCESS_MAX:
        problems["measure_of_success"] = [
            f"measureOfSuccess must be at most {MEASURE_OF_SUCCESS_MAX} characters"]
    if new.follow_up_date is not None and new.follow_up_date.tzinfo is None:
        problems["follow_up_date"] = ["followUpDate must carry a time zone"]
    if problems:
        raise ValidationFailed("Invalid agreement", problems)


def _view(agreement: Agreement, viewer_id: str, partner: str | None,
          order: tuple[str, str | None]) -> AgreementView:
    theirs = flags_for(agreement, partner, order) if partner else False
    return AgreementView(agreement, flags_for(agreement, viewer_id, order), theirs)


class AgreementUseCases:
    _deps: Dependencies

    async def propose_agreement(self, actor: User, session_id: str,
                                new: NewAgreement) -> AgreementView:
        """POST /agreements: PROPOSED with the creator's flag set. At most 2 per session
        (both flows together; 400), one per strategy (409)."""
        _check_new(new)

        async def work(uow: UnitOfWork) -> AgreementView:
            context = await load_locked_context(uow, session_id, actor)
            require_active(context)
            require_stage4(context, "create agreement")
            existing = [a for a in await uow.agreements.for_session(session_id)
                        if counts_toward_limit(a)]
            if new.strategy_id:
                if new.strategy_id not in (await rankable(uow, session_id)).views:
                    raise NotFound("Strategy not found")
                if any(a.proposal_id == new.strategy_id for a in existing):
                    raise Conflict("This strategy already has an agreement")
            if len(existing) >= MAX_AGREEMENTS:
                raise ValidationFailed(f"A session can have at most {MAX_AGREEMENTS} agreements")
            order = await member_order(uow, context)
            agreement = Agreement(
                id=self._deps.ids.new_id(), session_id=session_id,
                description=new.description.strip(), type=new.type,
                status=AgreementStatus.PROPOSED, created_at=self._deps.clock.now(),
                follow_up_date=new.follow_up_date,
                duration=(new.duration or "").strip() or None,
                measure_of_success=(new.measure_of_success or "").strip() or None,
                proposal_id=new.strategy_id or None, created_by_user_id=actor.id)
            set_flag(agreement, actor.id, order, True)
            await uow.agreements.add(agreement)
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id), events.AGREEMENT_PROPOSED,
                session_id, {"agreementId": agreement.id, "proposedBy": actor.id,
                             "excludeUserId": actor.id}))
            return _view(agreement, actor.id, context.partner_id, order)

        return await in_transaction(self._deps.uow, work)

    async def agreements(self, actor: User, session_id: str) -> list[AgreementView]:
        """GET /agreements: oldest first, any member."""

        async def work(uow: UnitOfWork) -> list[AgreementView]:
            context = await load_context(uow, session_id, actor)
            return await self._views(uow, context)

        return await in_transaction(self._deps.uow, work)

    async def confirm_agreement(self, actor: User, session_id: str, agreement_id: str,
                                confirmed: bool) -> ConfirmResult:
        """POST /agreements/:aid/confirm: sets (or withdraws) the caller's flag. Both flags →
        AGREED. When every agreement of the session is AGREED the session resolves.

        Repeating a confirmation that changes nothing answers as before, even once the
        session has resolved (a double tap must not fail)."""

        async def work(uow: UnitOfWork) -> ConfirmResult:
            context = await load_locked_context(uow, session_id, actor)
            agreement = await uow.agreements.get(agreement_id)
            if agreement is None or agreement.session_id != session_id:
                raise NotFound("Agreement not found")
            order = await member_order(uow, context)
            unchanged = flags_for(agreement, actor.id, order) == confirmed
            if unchanged and context.session.status is SessionStatus.RESOLVED:
                return await self._confirm_result(uow, context, agreement, order, False)
            require_active(context)
            require_stage4(context, "confirm agreement")
            if agreement.status not in (AgreementStatus.PROPOSED, AgreementStatus.AGREED):
                raise ValidationFailed(f"Agreement is {agreement.status.value}")
            now = self._deps.clock.now()
            if not unchanged:
                set_flag(agreement, actor.id, order, confirmed)
                if fully_agreed(agreement):
                    agreement.status, agreement.agreed_at = AgreementStatus.AGREED, now
                else:
                    agreement.status, agreement.agreed_at = AgreementStatus.PROPOSED, None
                await uow.agreements.update(agreement)
                await uow.outbox.add(new_event(
                    self._deps, events.session_channel(session_id), events.AGREEMENT_CONFIRMED,
                    session_id, {"agreementId": agreement.id, "confirmedBy": actor.id,
                                 "confirmed": confirmed,
                                 "bothConfirmed": fully_agreed(agreement),
                                 "excludeUserId": actor.id}))
            everything = [a for a in await uow.agreements.for_session(session_id)
                          if counts_toward_limit(a)]
            resolves = bool(everything) and all(fully_agreed(a) for a in everything)
            if resolves:
                await resolve_session(uow, self._deps, context, now, resolved_by=actor.id,
                                      agreement_ids=[a.id for a in everything],
                                      agreement_id=agreement.id)
            return await self._confirm_result(uow, context, agreement, order, resolves)

        return await in_transaction(self._deps.uow, work)

    async def resolve(self, actor: User, session_id: str) -> ResolveResult:
        """POST /sessions/:id/resolve: ACTIVE and at least one AGREED agreement. A session
        already RESOLVED answers with its resolution (no second event)."""

        async def work(uow: UnitOfWork) -> ResolveResult:
            context = await load_locked_context(uow, session_id, actor)
            views = await self._views(uow, context)
            session = context.session
            if session.status is SessionStatus.RESOLVED and session.resolved_at is not None:
                return _resolution(session.resolved_at, views)
            require_active(context)
            if not any(v.agreement.status is AgreementStatus.AGREED for v in views):
                raise ValidationFailed("Cannot resolve: no agreement has been agreed by both")
            now = self._deps.clock.now()
            agreed = [v.agreement.id for v in views
                      if v.agreement.status is AgreementStatus.AGREED]
            await resolve_session(uow, self._deps, context, now, resolved_by=actor.id,
                                  agreement_ids=agreed)
            return _resolution(now, views)

        return await in_transaction(self._deps.uow, work)

    async def _views(self, uow: UnitOfWork, context: SessionContext) -> list[AgreementView]:
        order = await member_order(uow, context)
        return [_view(a, context.viewer.id, context.partner_id, order)
                for a in await uow.agreements.for_session(context.session.id)]

    async def _confirm_result(self, uow: UnitOfWork, context: SessionContext,
                              agreement: Agreement, order: tuple[str, str | None],
                              resolved: bool) -> ConfirmResult:
        everything = [a for a in await uow.agreements.for_session(context.session.id)
                      if counts_toward_limit(a)]
        can_resolve = bool(everything) and all(fully_agreed(a) for a in everything)
        return ConfirmResult(_view(agreement, context.viewer.id, context.partner_id, order),
                             can_resolve, resolved)


def _resolution(resolved_at: datetime, views: list[AgreementView]) -> ResolveResult:
    agreed = [v for v in views if v.agreement.status is AgreementStatus.AGREED]
    return ResolveResult(resolved_at, views,
                         any(v.agreement.follow_up_date is not None for v in agreed))
