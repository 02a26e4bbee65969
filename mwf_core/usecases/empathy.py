"""Stage 2: the empathy exchange (partner-journey.md §1.3, §3.5).

Each person drafts, in their own words, how the other has experienced things; sharing it needs
their explicit consent; both statements are revealed at once; each person then says whether
the other understood them ("not quite" comes with feedback, and the author refines). When both
statements are validated, both people move to stage 3 together.

Every status change goes through `mwf_core.domain.empathy.move`, saved compare-and-set on the
attempt's `status_version`. Joint decisions run after `load_locked_context`. Drafting, consent
and reading live here; validation and refining in empathy_answers.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mwf_core.domain import events
from mwf_core.domain.empathy import (
    EmpathyAttempt,
    EmpathyStatus,
    reveal_ready,
)
from mwf_core.domain.enums import ConsentContentType, ConsentDecision, MessageRole, Stage
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey, ValidationFailed
from mwf_core.domain.records import ConsentRecord, EmpathyDraft, Message, User
from mwf_core.ports.llm import LanguageModel
from mwf_core.ports.repositories import UnitOfWork
from mwf_core.usecases.reconciler import ReconcilerUseCases
from mwf_core.usecases.runtime import Dependencies, in_transaction, new_event

from . import empathy_texts as texts
from .empathy_answers import (
    DRAFT_MAX,
    EmpathyAnswerOperations,
    ResubmitResult,
    ValidateResult,
)
from .empathy_common import (
    check_text,
    exchange_view,
    name_for,
    require_stage2,
    status_for,
)
from .empathy_status import AttemptView, ExchangeView, attempt_view, finished_stage1
from .lane import write_line
from .session_view import SessionContext, load_context, load_locked_context

_STAGE2 = int(Stage.PERSPECTIVE_STRETCH)
LANE_SCAN = 500  # how far back a repeated consent looks for the messages it wrote


@dataclass(frozen=True, slots=True)
class DraftSaved:
    draft_id: str
    saved_at: datetime
    ready_to_share: bool


@dataclass(frozen=True, slots=True)
class DraftView:
    draft: EmpathyDraft | None
    can_consent: bool
    already_consented: bool


@dataclass(frozen=True, slots=True)
class ConsentResult:
    consented: bool
    consented_at: datetime | None
    partner_consented: bool
    can_reveal: bool
    status: EmpathyStatus | None
    empathy_message: Message | None
    transition_message: Message | None


@dataclass(frozen=True, slots=True)
class PartnerEmpathy:
    attempt: AttemptView | None  # only once revealed to the caller
    waiting_for_partner: bool
    partner_status: EmpathyStatus | None
    validated: bool
    validated_at: datetime | None
    awaiting_revision: bool


class EmpathyUseCases(EmpathyAnswerOperations):
    def __init__(
        self, deps: Dependencies, llm: LanguageModel, reconciler: ReconcilerUseCases
    ) -> None:
        self._deps, self._llm, self._reconciler = deps, llm, reconciler

    # -- draft -------------------------------------------------------------------------------

    async def save_draft(
        self, actor: User, session_id: str, content: str, ready_to_share: bool | None = None
    ) -> DraftSaved:
        """Create or update the caller's private draft (stage 2 only).

        - content 1-2000 characters; a new draft is not ready unless `ready_to_share` says so,
          an update keeps readiness as it was unless given.
        - `version` grows by one on every update (compare-and-set; a race retries).
        """
        check_text("content", content, DRAFT_MAX)

        async def work(uow: UnitOfWork) -> DraftSaved:
            context = await load_context(uow, session_id, actor)
            require_stage2(context, "save empathy draft")
            now = self._deps.clock.now()
            draft = await uow.empathy_drafts.get(session_id, actor.id)
            if draft is None:
                draft = EmpathyDraft(id=self._deps.ids.new_id(), session_id=session_id,
                                     user_id=actor.id, content=content,
                                     ready_to_share=bool(ready_to_share), version=1,
                                     created_at=now, updated_at=now)
                try:
                    await uow.empathy_drafts.add(draft)
                except DuplicateKey as error:
                    raise ConcurrencyConflict("empathy draft created concurrently") from error
            else:
                previous = draft.version
                draft.content, draft.version, draft.updated_at = content, previous + 1, now
                if ready_to_share is not None:
                    draft.ready_to_share = ready_to_share
                if not await uow.empathy_drafts.update(draft, previous):
                    raise ConcurrencyConflict("empathy draft updated concurrently")
            return DraftSaved(draft.id, now, draft.ready_to_share)

        return await in_transaction(self._deps.uow, work)

    async def get_draft(self, actor: User, session_id: str) -> DraftView:
        async def work(uow: UnitOfWork) -> DraftView:
            context = await load_context(uow, session_id, actor)
            draft = await uow.empathy_drafts.get(session_id, actor.id)
            consented = await uow.empathy_attempts.by_author(session_id, actor.id) is not None
            can = (draft is not None and draft.ready_to_share and not consented
                   and context.stage_of(actor.id) == Stage.PERSPECTIVE_STRETCH)
            return DraftView(draft, can, consented)

        return await in_transaction(self._deps.uow, work)

    # -- consent to share ---------------------------------------------------------------------

    async def consent(self, actor: User, session_id: str, consent: bool) -> ConsentResult:
        """Share the ready draft with the partner - or decline to.

        - `consent` false records a DENIED consent and shares nothing (the original created the
          attempt anyway).
        - `consent` true: a GRANTED consent record, an attempt (HELD, a copy of the draft), the
          statement in the caller's own lane plus a fixed "submitted" note, and
          `partner.empathy_shared` (status only) on the partner's channel. The reconciler is
          asked to look at it once the transaction has committed.
        - Once shared, any further call answers with the existing attempt (a share cannot be
          taken back, so a later `false` changes nothing).
        """
        async def work(uow: UnitOfWork) -> tuple[ConsentResult, bool]:
            context = await load_locked_context(uow, session_id, actor)
            existing = await uow.empathy_attempts.by_author(session_id, actor.id)
            if existing is not None:
                return await self._already_shared(uow, context, existing), False
            require_stage2(context, "consent to share empathy")
            draft = await uow.empathy_drafts.get(session_id, actor.id)
            if draft is None or not draft.ready_to_share:
                raise ValidationFailed("Empathy draft must be ready to share before consenting")
            if not consent:
                return await self._decline(uow, context, draft), False
            return await self._share(uow, context, draft), True

        result, shared = await in_transaction(self._deps.uow, work)
        if shared:
            self._reconciler.schedule(session_id, actor.id)
        return result

    async def _decline(
        self, uow: UnitOfWork, context: SessionContext, draft: EmpathyDraft
    ) -> ConsentResult:
        now = self._deps.clock.now()
        await uow.consents.add(ConsentRecord(
            id=self._deps.ids.new_id(), user_id=context.viewer.id, session_id=context.session.id,
            target_type=ConsentContentType.EMPATHY_DRAFT, target_id=draft.id, created_at=now,
            decision=ConsentDecision.DENIED, decided_at=now))
        partner = context.partner_id
        partner_shared = (partner is not None and await uow.empathy_attempts.by_author(
            context.session.id, partner) is not None)
        return ConsentResult(False, None, partner_shared, False, None, None, None)

    async def _share(
        self, uow: UnitOfWork, context: SessionContext, draft: EmpathyDraft
    ) -> ConsentResult:
        deps, actor_id, session_id = self._deps, context.viewer.id, context.session.id
        now = deps.clock.now()
        record = ConsentRecord(
            id=deps.ids.new_id(), user_id=actor_id, session_id=session_id,
            target_type=ConsentContentType.EMPATHY_DRAFT, target_id=draft.id, created_at=now,
            decision=ConsentDecision.GRANTED, decided_at=now)
        await uow.consents.add(record)
        attempt = EmpathyAttempt(
            id=deps.ids.new_id(), session_id=session_id, source_user_id=actor_id,
            content=draft.content, shared_at=now, status=EmpathyStatus.HELD, created_at=now,
            updated_at=now, draft_id=draft.id, consent_record_id=record.id)
        try:
            await uow.empathy_attempts.add(attempt)
        except DuplicateKey as error:
            raise ConcurrencyConflict("empathy attempt shared concurrently") from error
        statement = await write_line(uow, deps, session_id, actor_id,
                                     MessageRole.EMPATHY_STATEMENT, draft.content, _STAGE2, now,
                                     sender_id=actor_id)
        note = await write_line(uow, deps, session_id, actor_id, MessageRole.AI,
                                texts.SUBMITTED.format(name=name_for(context, actor_id)),
                                _STAGE2, now + timedelta(milliseconds=1))
        context.session.updated_at = now
        await uow.sessions.update(context.session)
        attempts = await uow.empathy_attempts.for_session(session_id)
        partner_id = context.partner_id
        if partner_id is not None:
            # Status only, no words: the payload has no forUserId in the original either.
            await uow.outbox.add(new_event(
                deps, events.user_channel(partner_id), events.PARTNER_EMPATHY_SHARED, session_id,
                {"stage": 2, "sharedBy": actor_id,
                 "empathyStatus": await status_for(uow, context, partner_id)}))
        return ConsentResult(True, now, len(attempts) == 2, reveal_ready(attempts),
                             attempt.status, statement, note)

    async def _already_shared(
        self, uow: UnitOfWork, context: SessionContext, attempt: EmpathyAttempt
    ) -> ConsentResult:
        lane = await uow.messages.lane(context.session.id, context.viewer.id, LANE_SCAN)
        statement = next((m for m in reversed(lane)
                          if m.role is MessageRole.EMPATHY_STATEMENT), None)
        note = next((m for m in reversed(lane) if m.role is MessageRole.AI
                     and m.content == texts.SUBMITTED.format(
                         name=name_for(context, context.viewer.id))), None)
        attempts = await uow.empathy_attempts.for_session(context.session.id)
        return ConsentResult(True, attempt.shared_at, len(attempts) == 2,
                             reveal_ready(attempts), attempt.status, statement, note)

    # -- reading ------------------------------------------------------------------------------

    async def partner_empathy(self, actor: User, session_id: str) -> PartnerEmpathy:
        """The partner's statement about the caller: its words only once revealed."""
        async def work(uow: UnitOfWork) -> PartnerEmpathy:
            context = await load_context(uow, session_id, actor)
            partner_id = context.partner_id
            theirs = (await uow.empathy_attempts.by_author(session_id, partner_id)
                      if partner_id else None)
            if theirs is None:
                return PartnerEmpathy(None, True, None, False, None, False)
            mine = await uow.empathy_validations.for_attempt(theirs.id, actor.id)
            visible = theirs.visible_to_subject
            validations = [mine] if mine else []
            return PartnerEmpathy(
                attempt=attempt_view(theirs, validations) if visible else None,
                waiting_for_partner=False,
                partner_status=theirs.status,
                validated=bool(mine and mine.validated),
                validated_at=mine.validated_at if mine and mine.validated else None,
                awaiting_revision=bool(mine and not mine.validated and not visible),
            )

        return await in_transaction(self._deps.uow, work)

    async def status(self, actor: User, session_id: str) -> ExchangeView:
        """The caller's EmpathyExchangeStatus. Also the lazy half of the reconciler's recovery:
        an attempt of this session waiting for an analysis (HELD or ANALYZING, its subject done
        with stage 1) with no run going on for it here is analysed again (a restart or a
        failed run left it; see reconciler.py)."""
        async def work(uow: UnitOfWork) -> tuple[ExchangeView, list[str]]:
            context = await load_context(uow, session_id, actor)
            view = await exchange_view(uow, context, actor.id)
            return view, _waiting_guessers(context, view)

        view, guessers = await in_transaction(self._deps.uow, work)
        for guesser_id in guessers:
            self._reconciler.resume(session_id, guesser_id)
        return view


_WAITING = (EmpathyStatus.HELD, EmpathyStatus.ANALYZING)


def _waiting_guessers(context: SessionContext, view: ExchangeView) -> list[str]:
    """Authors of this session's attempts that wait for an analysis which may start now."""
    found = []
    partner_id = context.partner_id
    mine = view.my_attempt.attempt if view.my_attempt else None
    if mine is not None and mine.status in _WAITING and view.partner_completed_stage1:
        found.append(context.viewer.id)
    if (partner_id is not None and view.partner_empathy_held_status in _WAITING
            and finished_stage1(context.progress, context.viewer.id)):
        found.append(partner_id)
    return found


__all__ = ["EmpathyUseCases", "ResubmitResult", "ValidateResult"]
