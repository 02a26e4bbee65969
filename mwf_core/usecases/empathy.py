"""Stage 2: the empathy exchange (partner-journey.md §1.3, §3.5).

Each person drafts, in their own words, how the other has experienced things; sharing it needs
their explicit consent; both statements are revealed at once; each person then says whether
the other understood them ("not quite" comes with feedback, and the author refines). When both
statements are validated, both people move to stage 3 together.

Every status change goes through `mwf_core.domain.empathy.move`, saved compare-and-set on the
attempt's `status_version`. Joint decisions run after `load_locked_context`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mwf_core.domain import events
from mwf_core.domain.empathy import (
    VISIBLE_TO_SUBJECT,
    DeliveryStatus,
    EmpathyAttempt,
    EmpathyEvent,
    EmpathyStatus,
    EmpathyValidation,
    ValidationFeedbackDraft,
    reveal_ready,
)
from mwf_core.domain.enums import ConsentContentType, ConsentDecision, MessageRole, Stage
from mwf_core.domain.errors import (
    ConcurrencyConflict,
    Conflict,
    DuplicateKey,
    ValidationFailed,
    field_error,
)
from mwf_core.domain.records import ConsentRecord, EmpathyDraft, Message, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.llm import LanguageModel
from mwf_core.ports.repositories import UnitOfWork
from mwf_core.usecases.reconciler import ReconcilerUseCases
from mwf_core.usecases.runtime import Dependencies, in_transaction

from . import empathy_texts as texts
from .empathy_common import (
    emit,
    exchange_view,
    lane_message,
    name_for,
    save_move,
    status_for,
)
from .empathy_exit import move_to_stage3_if_both_validated
from .empathy_reveal import reveal_if_ready
from .empathy_status import AttemptView, ExchangeView, attempt_view
from .messages import require_chat
from .progression import merge_gates
from .session_view import SessionContext, load_context, load_locked_context

DRAFT_MAX = 2000
FEEDBACK_MAX = 500
SKIP_REASON_MAX = 500
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


@dataclass(frozen=True, slots=True)
class ValidateResult:
    validated: bool
    validated_at: datetime | None
    feedback_shared: bool
    awaiting_revision: bool
    can_advance: bool
    partner_validated: bool


@dataclass(frozen=True, slots=True)
class ResubmitResult:
    status: EmpathyStatus
    message: str
    empathy_message: Message
    transition_message: Message


def _stage_of(context: SessionContext, user_id: str) -> int:
    current = context.current(user_id)
    return current.stage if current else 0


def _require_stage2(context: SessionContext, action: str) -> None:
    require_chat(context)
    stage = _stage_of(context, context.viewer.id)
    if stage != Stage.PERSPECTIVE_STRETCH:
        raise ValidationFailed(
            f"Cannot {action}: you are in stage {stage}, but stage 2 is required")


def _check_text(field: str, value: str, maximum: int) -> str:
    if not value.strip():
        raise field_error(field, f"{field} must contain at least 1 character")
    if len(value) > maximum:
        raise field_error(field, f"{field} must be at most {maximum} characters")
    return value


class EmpathyUseCases:
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
        _check_text("content", content, DRAFT_MAX)

        async def work(uow: UnitOfWork) -> DraftSaved:
            context = await load_context(uow, session_id, actor)
            _require_stage2(context, "save empathy draft")
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
                   and _stage_of(context, actor.id) == Stage.PERSPECTIVE_STRETCH)
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
            _require_stage2(context, "consent to share empathy")
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
        partner = context.partner.id if context.partner else None
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
        statement = await lane_message(uow, deps, session_id, actor_id,
                                       MessageRole.EMPATHY_STATEMENT, draft.content, now,
                                       sender_id=actor_id)
        note = await lane_message(uow, deps, session_id, actor_id, MessageRole.AI,
                                  texts.SUBMITTED.format(name=name_for(context, actor_id)),
                                  now + timedelta(milliseconds=1))
        context.session.updated_at = now
        await uow.sessions.update(context.session)
        attempts = await uow.empathy_attempts.for_session(session_id)
        partner_id = context.partner.id if context.partner else None
        if partner_id is not None:
            await emit(uow, deps, events.user_channel(partner_id), events.PARTNER_EMPATHY_SHARED,
                       session_id, {"stage": 2, "sharedBy": actor_id,
                                    "empathyStatus": await status_for(uow, context, partner_id)})
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
            partner_id = context.partner.id if context.partner else None
            theirs = (await uow.empathy_attempts.by_author(session_id, partner_id)
                      if partner_id else None)
            if theirs is None:
                return PartnerEmpathy(None, True, None, False, None, False)
            mine = await uow.empathy_validations.for_attempt(theirs.id, actor.id)
            visible = theirs.status in VISIBLE_TO_SUBJECT
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
        async def work(uow: UnitOfWork) -> ExchangeView:
            return await exchange_view(uow, await load_context(uow, session_id, actor), actor.id)

        return await in_transaction(self._deps.uow, work)

    # -- validation ---------------------------------------------------------------------------

    async def validate(
        self, actor: User, session_id: str, validated: bool, feedback: str = ""
    ) -> ValidateResult:
        """The caller's answer to the partner's revealed statement about them.

        - The partner's attempt must be REVEALED (or already VALIDATED, for a repeated yes);
          otherwise 409.
        - yes: the attempt becomes VALIDATED; the caller's stage-2 gates get
          `{empathyValidated, validatedAt}`; the partner hears it on their channel. When the
          caller's own statement is validated too, both move to stage 3 in this transaction.
        - not quite: feedback of 1-500 characters is required; the attempt goes back to
          REFINING, and the feedback is written into the partner's lane (with a framing note)
          and sent on the partner's own channel only.
        """
        if not validated:
            _check_text("feedback", feedback, FEEDBACK_MAX)

        async def work(uow: UnitOfWork) -> ValidateResult:
            context = await load_locked_context(uow, session_id, actor)
            partner_id = context.partner.id if context.partner else None
            theirs = (await uow.empathy_attempts.by_author(session_id, partner_id)
                      if partner_id else None)
            if theirs is None or partner_id is None:
                raise Conflict("Your partner has not shared their empathy statement yet")
            if validated and theirs.status is EmpathyStatus.VALIDATED:
                return await self._validate_result(uow, context, theirs, True, False)
            _require_stage2(context, "validate empathy")
            if theirs.status is not EmpathyStatus.REVEALED:
                raise Conflict(f"Empathy statement cannot be validated while "
                               f"{theirs.status.value}")
            if validated:
                return await self._confirm(uow, context, theirs)
            return await self._feedback(uow, context, theirs, feedback.strip())

        return await in_transaction(self._deps.uow, work)

    async def _confirm(
        self, uow: UnitOfWork, context: SessionContext, theirs: EmpathyAttempt
    ) -> ValidateResult:
        deps, actor_id, session_id = self._deps, context.viewer.id, context.session.id
        now = deps.clock.now()
        await save_move(uow, theirs, EmpathyEvent.VALIDATED, now)
        await uow.empathy_validations.upsert(EmpathyValidation(
            id=deps.ids.new_id(), attempt_id=theirs.id, session_id=session_id, user_id=actor_id,
            validated=True, validated_at=now))
        row = context.row(actor_id, Stage.PERSPECTIVE_STRETCH)
        if row is not None:
            await merge_gates(uow, row, {"empathyValidated": True, "validatedAt": js_iso(now)})
        guesser = theirs.source_user_id
        if guesser is not None:
            status = await status_for(uow, context, guesser)
            await emit(uow, deps, events.user_channel(guesser), events.EMPATHY_STATUS_UPDATED,
                       session_id, {"status": EmpathyStatus.VALIDATED.value, "forUserId": guesser,
                                    "empathyStatus": status, "validatedBy": actor_id,
                                    "feedbackShared": False, "triggeredByUserId": actor_id})
            await emit(uow, deps, events.user_channel(guesser), events.PARTNER_STAGE_COMPLETED,
                       session_id, {"stage": 2, "validated": True, "completedBy": actor_id,
                                    "empathyStatus": status, "triggeredByUserId": actor_id})
        await move_to_stage3_if_both_validated(uow, deps, context, actor_id)
        return await self._validate_result(uow, context, theirs, True, False)

    async def _feedback(
        self, uow: UnitOfWork, context: SessionContext, theirs: EmpathyAttempt, feedback: str
    ) -> ValidateResult:
        deps, actor_id, session_id = self._deps, context.viewer.id, context.session.id
        now = deps.clock.now()
        await save_move(uow, theirs, EmpathyEvent.FEEDBACK_GIVEN, now)
        await uow.empathy_validations.upsert(EmpathyValidation(
            id=deps.ids.new_id(), attempt_id=theirs.id, session_id=session_id, user_id=actor_id,
            validated=False, validated_at=now, feedback=feedback, feedback_shared=True))
        guesser = theirs.source_user_id
        if guesser is not None:
            await lane_message(uow, deps, session_id, guesser, MessageRole.AI,
                               texts.FEEDBACK_FRAMING.format(name=name_for(context, guesser)),
                               now)
            await lane_message(uow, deps, session_id, guesser, MessageRole.VALIDATION_FEEDBACK,
                               feedback, now + timedelta(milliseconds=1), sender_id=actor_id)
            # It carries the caller's words for the guesser: the guesser's channel only.
            await emit(uow, deps, events.user_channel(guesser), events.EMPATHY_STATUS_UPDATED,
                       session_id, {"status": EmpathyStatus.REFINING.value, "forUserId": guesser,
                                    "empathyStatus": await status_for(uow, context, guesser),
                                    "validatedBy": actor_id, "feedbackShared": True,
                                    "validationFeedback": feedback,
                                    "triggeredByUserId": actor_id})
        return await self._validate_result(uow, context, theirs, False, True)

    async def _validate_result(
        self, uow: UnitOfWork, context: SessionContext, theirs: EmpathyAttempt,
        validated: bool, feedback_shared: bool,
    ) -> ValidateResult:
        answer = await uow.empathy_validations.for_attempt(theirs.id, context.viewer.id)
        mine = await uow.empathy_attempts.by_author(context.session.id, context.viewer.id)
        attempts = await uow.empathy_attempts.for_session(context.session.id)
        both = len(attempts) == 2 and all(a.status is EmpathyStatus.VALIDATED for a in attempts)
        return ValidateResult(
            validated=validated,
            validated_at=answer.validated_at if answer and answer.validated else None,
            feedback_shared=feedback_shared,
            awaiting_revision=not validated,
            can_advance=both,
            partner_validated=mine is not None and mine.status is EmpathyStatus.VALIDATED,
        )

    async def save_feedback_draft(
        self, actor: User, session_id: str, content: str, ready_to_share: bool
    ) -> tuple[str, datetime]:
        """The caller's private draft of "not quite" feedback (stage 2; 1-500 characters).
        Never sent anywhere: only `validate` shares feedback. Returns (draft id, saved at)."""
        _check_text("content", content, FEEDBACK_MAX)

        async def work(uow: UnitOfWork) -> tuple[str, datetime]:
            context = await load_context(uow, session_id, actor)
            _require_stage2(context, "save feedback draft")
            now = self._deps.clock.now()
            draft = ValidationFeedbackDraft(
                id=self._deps.ids.new_id(), session_id=session_id, user_id=actor.id,
                content=content, ready_to_share=ready_to_share, created_at=now, updated_at=now)
            await uow.empathy_validations.save_feedback_draft(draft)
            return draft.id, now

        return await in_transaction(self._deps.uow, work)

    # -- refining -----------------------------------------------------------------------------

    async def resubmit(self, actor: User, session_id: str, content: str) -> ResubmitResult:
        """A revised statement while refining: analysed again (REFINING → ANALYZING).

        - content 1-2000 characters and different from the current statement (else 400).
        - `revision_count` grows by one (the reconciler's circuit breaker reads it).
        - The new statement goes into the caller's lane; the reconciler is asked to look at it
          once the transaction has committed.
        """
        _check_text("content", content, DRAFT_MAX)

        async def work(uow: UnitOfWork) -> ResubmitResult:
            context = await load_locked_context(uow, session_id, actor)
            _require_stage2(context, "resubmit empathy")
            mine = await uow.empathy_attempts.by_author(session_id, actor.id)
            if mine is None or mine.status not in (EmpathyStatus.REFINING,
                                                   EmpathyStatus.NEEDS_WORK):
                raise ValidationFailed("You can resubmit only while refining your statement")
            if content.strip() == mine.content.strip():
                raise field_error("content", "The revised statement is the same as before")
            deps, now = self._deps, self._deps.clock.now()
            mine.content = content
            mine.revision_count += 1
            mine.delivery_status, mine.delivered_at, mine.seen_at = (
                DeliveryStatus.PENDING, None, None)
            await save_move(uow, mine, EmpathyEvent.RESUBMITTED, now)
            statement = await lane_message(uow, deps, session_id, actor.id,
                                           MessageRole.EMPATHY_STATEMENT, content, now,
                                           sender_id=actor.id)
            note = await lane_message(uow, deps, session_id, actor.id, MessageRole.AI,
                                      texts.RESUBMITTED.format(name=name_for(context, actor.id)),
                                      now + timedelta(milliseconds=1))
            partner_id = context.partner.id if context.partner else None
            if partner_id is not None:
                await emit(uow, deps, events.session_channel(session_id),
                           events.EMPATHY_RESUBMITTED, session_id,
                           {"forUserId": partner_id, "guesserUserId": actor.id})
            context.session.updated_at = now
            await uow.sessions.update(context.session)
            return ResubmitResult(mine.status, texts.RESUBMITTED_STATUS, statement, note)

        result = await in_transaction(self._deps.uow, work)
        self._reconciler.schedule(session_id, actor.id)
        return result

    async def skip_refinement(
        self, actor: User, session_id: str, willing_to_accept: bool, reason: str = ""
    ) -> None:
        """The author accepts the remaining difference: their own attempt becomes VALIDATED.

        - Allowed while their statement is REVEALED or REFINING (409 otherwise).
        - Their stage-2 gates get `empathyValidated`, `skippedRefinement`, `willingToAccept`
          and `skipReason` (private: never shown to the partner).
        - The partner gets `partner.skipped_refinement {willingToAccept}`. If the partner's
          statement was waiting, the reveal happens; if both are validated, both move on.
        """
        if len(reason) > SKIP_REASON_MAX:
            raise field_error("reason", f"reason must be at most {SKIP_REASON_MAX} characters")

        async def work(uow: UnitOfWork) -> None:
            context = await load_locked_context(uow, session_id, actor)
            _require_stage2(context, "skip refinement")
            mine = await uow.empathy_attempts.by_author(session_id, actor.id)
            if mine is None:
                raise Conflict("You have not shared an empathy statement yet")
            deps, now = self._deps, self._deps.clock.now()
            await save_move(uow, mine, EmpathyEvent.ACCEPTED_DIFFERENCE, now)
            note = (texts.ACCEPTED_DIFFERENCE if willing_to_accept
                    else f"{texts.REJECTED_OTHER_EXPERIENCE}: {reason.strip()}")
            await uow.empathy_validations.upsert(EmpathyValidation(
                id=deps.ids.new_id(), attempt_id=mine.id, session_id=session_id,
                user_id=actor.id, validated=True, validated_at=now, feedback=note))
            row = context.row(actor.id, Stage.PERSPECTIVE_STRETCH)
            if row is not None:
                await merge_gates(uow, row, {
                    "empathyValidated": True, "validatedAt": js_iso(now),
                    "skippedRefinement": True, "willingToAccept": willing_to_accept,
                    "skipReason": reason.strip() or None})
            partner_id = context.partner.id if context.partner else None
            if partner_id is not None:
                await emit(uow, deps, events.session_channel(session_id),
                           events.PARTNER_SKIPPED_REFINEMENT, session_id,
                           {"willingToAccept": willing_to_accept, "excludeUserId": actor.id})
            await reveal_if_ready(uow, deps, context)
            await move_to_stage3_if_both_validated(uow, deps, context, actor.id)
            context.session.updated_at = now
            await uow.sessions.update(context.session)

        await in_transaction(self._deps.uow, work)

