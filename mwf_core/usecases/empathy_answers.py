"""Stage 2 answers: validating the partner's statement (or giving "not quite" feedback), the
private feedback draft, and refining one's own statement (resubmit, skip refinement).

Mixed into `EmpathyUseCases`; every status change goes through the state machine and every
joint decision runs after `load_locked_context` (see empathy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mwf_core.domain import events
from mwf_core.domain.empathy import (
    DeliveryStatus,
    EmpathyAttempt,
    EmpathyEvent,
    EmpathyStatus,
    EmpathyValidation,
    ValidationFeedbackDraft,
    skip_event,
)
from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.domain.errors import Conflict, ValidationFailed, field_error
from mwf_core.domain.records import Message, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork
from mwf_core.usecases.reconciler import ReconcilerUseCases
from mwf_core.usecases.runtime import Dependencies, in_transaction

from . import empathy_texts as texts
from .empathy_common import (
    check_text,
    name_for,
    require_stage2,
    save_move,
    status_for,
)
from .empathy_exit import move_to_stage3_if_both_validated
from .empathy_reveal import reveal_if_ready
from .lane import emit_to_session, emit_to_user, write_line
from .progression import merge_gates
from .session_view import SessionContext, load_context, load_locked_context

_STAGE2 = int(Stage.PERSPECTIVE_STRETCH)
DRAFT_MAX = 2000
FEEDBACK_MAX = 500
SKIP_REASON_MAX = 500


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


class EmpathyAnswerOperations:
    _deps: Dependencies
    _reconciler: ReconcilerUseCases

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
            check_text("feedback", feedback, FEEDBACK_MAX)

        async def work(uow: UnitOfWork) -> ValidateResult:
            context = await load_locked_context(uow, session_id, actor)
            partner_id = context.partner_id
            theirs = (await uow.empathy_attempts.by_author(session_id, partner_id)
                      if partner_id else None)
            if theirs is None or partner_id is None:
                raise Conflict("Your partner has not shared their empathy statement yet")
            if validated and theirs.status is EmpathyStatus.VALIDATED:
                return await self._validate_result(uow, context, theirs, True, False)
            require_stage2(context, "validate empathy")
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
            await emit_to_user(uow, deps, session_id, guesser, events.EMPATHY_STATUS_UPDATED,
                               {"status": EmpathyStatus.VALIDATED.value,
                                "empathyStatus": status, "validatedBy": actor_id,
                                "feedbackShared": False, "triggeredByUserId": actor_id})
            await emit_to_user(uow, deps, session_id, guesser, events.PARTNER_STAGE_COMPLETED,
                               {"stage": 2, "validated": True, "completedBy": actor_id,
                                "empathyStatus": status, "triggeredByUserId": actor_id})
        # The caller's own attempt may be READY (refined after the reveal): reveal it now.
        await reveal_if_ready(uow, deps, context)
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
            await write_line(uow, deps, session_id, guesser, MessageRole.AI,
                             texts.FEEDBACK_FRAMING.format(name=name_for(context, guesser)),
                             _STAGE2, now)
            await write_line(uow, deps, session_id, guesser, MessageRole.VALIDATION_FEEDBACK,
                             feedback, _STAGE2, now + timedelta(milliseconds=1),
                             sender_id=actor_id)
            # It carries the caller's words for the guesser: the guesser's channel only.
            await emit_to_user(uow, deps, session_id, guesser, events.EMPATHY_STATUS_UPDATED,
                               {"status": EmpathyStatus.REFINING.value,
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
        check_text("content", content, FEEDBACK_MAX)

        async def work(uow: UnitOfWork) -> tuple[str, datetime]:
            context = await load_context(uow, session_id, actor)
            require_stage2(context, "save feedback draft")
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
        check_text("content", content, DRAFT_MAX)

        async def work(uow: UnitOfWork) -> ResubmitResult:
            context = await load_locked_context(uow, session_id, actor)
            require_stage2(context, "resubmit empathy")
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
            statement = await write_line(uow, deps, session_id, actor.id,
                                         MessageRole.EMPATHY_STATEMENT, content, _STAGE2, now,
                                         sender_id=actor.id)
            note = await write_line(uow, deps, session_id, actor.id, MessageRole.AI,
                                    texts.RESUBMITTED.format(name=name_for(context, actor.id)),
                                    _STAGE2, now + timedelta(milliseconds=1))
            partner_id = context.partner_id
            if partner_id is not None:
                await emit_to_session(uow, deps, session_id, events.EMPATHY_RESUBMITTED,
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
        """The author stops refining their own attempt.

        - Once revealed (REVEALED, or REFINING after the partner's feedback): they accept the
          remaining difference and the attempt becomes VALIDATED; gates `empathyValidated`.
        - REFINING and never revealed (after the partner shared context): "share it as it is":
          READY, and it waits for the mutual reveal like any ready attempt. (Validating it
          here would show it to the partner while theirs stays hidden.)
        - 409 in any other status.
        - Their stage-2 gates get `skippedRefinement`, `willingToAccept` and `skipReason`
          (private: never shown to the partner).
        - The partner gets `partner.skipped_refinement {willingToAccept}`. If the partner's
          statement was waiting, the reveal happens; if both are validated, both move on.
        """
        if len(reason) > SKIP_REASON_MAX:
            raise field_error("reason", f"reason must be at most {SKIP_REASON_MAX} characters")

        async def work(uow: UnitOfWork) -> None:
            context = await load_locked_context(uow, session_id, actor)
            require_stage2(context, "skip refinement")
            mine = await uow.empathy_attempts.by_author(session_id, actor.id)
            if mine is None:
                raise Conflict("You have not shared an empathy statement yet")
            deps, now = self._deps, self._deps.clock.now()
            event = skip_event(mine)
            await save_move(uow, mine, event, now)
            gates: dict[str, object] = {
                "skippedRefinement": True, "willingToAccept": willing_to_accept,
                "skipReason": reason.strip() or None}
            if event is EmpathyEvent.ACCEPTED_DIFFERENCE:
                note = (texts.ACCEPTED_DIFFERENCE if willing_to_accept
                        else f"{texts.REJECTED_OTHER_EXPERIENCE}: {reason.strip()}")
                await uow.empathy_validations.upsert(EmpathyValidation(
                    id=deps.ids.new_id(), attempt_id=mine.id, session_id=session_id,
                    user_id=actor.id, validated=True, validated_at=now, feedback=note))
                gates.update({"empathyValidated": True, "validatedAt": js_iso(now)})
            row = context.row(actor.id, Stage.PERSPECTIVE_STRETCH)
            if row is not None:
                await merge_gates(uow, row, gates)
            if context.partner_id is not None:
                await emit_to_session(uow, deps, session_id, events.PARTNER_SKIPPED_REFINEMENT,
                                      {"willingToAccept": willing_to_accept,
                                       "excludeUserId": actor.id})
            await reveal_if_ready(uow, deps, context)
            await move_to_stage3_if_both_validated(uow, deps, context, actor.id)
            context.session.updated_at = now
            await uow.sessions.update(context.session)

        await in_transaction(self._deps.uow, work)
