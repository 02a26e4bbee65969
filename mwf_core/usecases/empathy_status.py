"""What one person may see of the empathy exchange (EmpathyExchangeStatus), as a view for the
RPCs and as a JSON payload for events.

Privacy (partner-journey.md §8.3): the partner's attempt (its words) is included only once it is
REVEALED or VALIDATED; before that only its status and when it was shared. The reconciler's
fields (shared context, refinement hint, its result) are filled by
`reconciler_status.fill_exchange_view` (see `empathy_common.exchange_view`); this module leaves
them empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus, EmpathyValidation
from mwf_core.domain.enums import Stage, StageStatus
from mwf_core.domain.records import StageProgress
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork


@dataclass(slots=True)
class AttemptView:
    attempt: EmpathyAttempt
    validated_at: datetime | None  # when its subject said "yes, that is me"


@dataclass(slots=True)
class SharedContextView:
    content: str
    shared_at: datetime | None


@dataclass(slots=True)
class RefinementHintView:
    area_hint: str | None
    guidance_type: str | None
    prompt_seed: str | None


@dataclass(slots=True)
class ReconcilerSummaryView:
    gap_severity: str | None
    action: str | None
    analyzed_at: datetime | None
    gap_summary: str | None


@dataclass(slots=True)
class ExchangeView:
    my_attempt: AttemptView | None
    partner_attempt: AttemptView | None  # only once revealed to the viewer
    partner_completed_stage1: bool
    analyzing: bool
    awaiting_sharing: bool
    ready_for_stage3: bool
    partner_has_submitted_empathy: bool
    partner_empathy_held_status: EmpathyStatus | None
    partner_empathy_submitted_at: datetime | None
    # Filled by the reconciler (shared context offers, hints, its analysis).
    has_new_shared_context: bool = False
    has_unviewed_shared_context: bool = False
    shared_context: SharedContextView | None = None
    refinement_hint: RefinementHintView | None = None
    message_count_since_shared_context: int = 0
    shared_content_delivery_status: str | None = None
    my_shared_context: str | None = None
    my_shared_at: datetime | None = None
    my_reconciler_result: ReconcilerSummaryView | None = None


def subject_validation(
    attempt: EmpathyAttempt, validations: list[EmpathyValidation]
) -> EmpathyValidation | None:
    """The subject's answer to an attempt (not the guesser's own skip-refinement row)."""
    return next((v for v in validations if v.attempt_id == attempt.id
                 and v.user_id != attempt.source_user_id), None)


def attempt_view(attempt: EmpathyAttempt, validations: list[EmpathyValidation]) -> AttemptView:
    answer = subject_validation(attempt, validations)
    validated_at = answer.validated_at if answer is not None and answer.validated else None
    return AttemptView(attempt, validated_at)


def finished_stage1(rows: list[StageProgress], user_id: str | None) -> bool:
    return any(r.user_id == user_id and (r.stage > Stage.WITNESS or (
        r.stage == Stage.WITNESS and r.status is StageStatus.COMPLETED)) for r in rows)


def build_view(
    attempts: list[EmpathyAttempt], validations: list[EmpathyValidation],
    rows: list[StageProgress], viewer_id: str, partner_id: str | None,
) -> ExchangeView:
    mine = next((a for a in attempts if a.source_user_id == viewer_id), None)
    theirs = next((a for a in attempts if partner_id is not None
                   and a.source_user_id == partner_id), None)
    return ExchangeView(
        my_attempt=attempt_view(mine, validations) if mine else None,
        partner_attempt=(attempt_view(theirs, validations)
                         if theirs is not None and theirs.visible_to_subject else None),
        partner_completed_stage1=finished_stage1(rows, partner_id),
        analyzing=mine is not None and mine.status is EmpathyStatus.ANALYZING,
        awaiting_sharing=mine is not None and mine.status is EmpathyStatus.AWAITING_SHARING,
        ready_for_stage3=(len(attempts) == 2
                          and all(a.status is EmpathyStatus.VALIDATED for a in attempts)),
        partner_has_submitted_empathy=theirs is not None,
        partner_empathy_held_status=theirs.status if theirs else None,
        partner_empathy_submitted_at=theirs.shared_at if theirs else None,
    )


async def load_view(
    uow: UnitOfWork, session_id: str, rows: list[StageProgress], viewer_id: str,
    partner_id: str | None,
) -> ExchangeView:
    attempts = await uow.empathy_attempts.for_session(session_id)
    validations = await uow.empathy_validations.for_session(session_id)
    return build_view(attempts, validations, rows, viewer_id, partner_id)


# --- event payloads (the original's JSON keys) ----------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return js_iso(value) if value is not None else None


def attempt_payload(view: AttemptView) -> dict[str, Any]:
    a = view.attempt
    return {
        "id": a.id,
        "sourceUserId": a.source_user_id,
        "content": a.content,
        "sharedAt": _iso(a.shared_at),
        "consentRecordId": a.consent_record_id,
        "status": a.status.value,
        "revealedAt": _iso(a.revealed_at),
        "validatedAt": _iso(view.validated_at),
        "revisionCount": a.revision_count,
        "statusVersion": a.status_version,
        "deliveryStatus": a.delivery_status.value.lower(),
    }


def view_payload(view: ExchangeView) -> dict[str, Any]:
    """The viewer's EmpathyExchangeStatus; send it only on the viewer's own channel (it holds
    their own statement, and the partner's once revealed)."""
    return {
        "myAttempt": attempt_payload(view.my_attempt) if view.my_attempt else None,
        "partnerAttempt": attempt_payload(view.partner_attempt) if view.partner_attempt else None,
        "partnerCompletedStage1": view.partner_completed_stage1,
        "analyzing": view.analyzing,
        "awaitingSharing": view.awaiting_sharing,
        "hasNewSharedContext": view.has_new_shared_context,
        "hasUnviewedSharedContext": view.has_unviewed_shared_context,
        "sharedContext": ({"content": view.shared_context.content,
                           "sharedAt": _iso(view.shared_context.shared_at)}
                          if view.shared_context else None),
        "refinementHint": ({"areaHint": view.refinement_hint.area_hint,
                            "guidanceType": view.refinement_hint.guidance_type,
                            "promptSeed": view.refinement_hint.prompt_seed}
                           if view.refinement_hint else None),
        "readyForStage3": view.ready_for_stage3,
        "messageCountSinceSharedContext": view.message_count_since_shared_context,
        "sharedContentDeliveryStatus": view.shared_content_delivery_status,
        "mySharedContext": view.my_shared_context,
        "mySharedAt": _iso(view.my_shared_at),
        "myReconcilerResult": ({"gapSeverity": view.my_reconciler_result.gap_severity,
                                "action": view.my_reconciler_result.action,
                                "analyzedAt": _iso(view.my_reconciler_result.analyzed_at),
                                "gapSummary": view.my_reconciler_result.gap_summary}
                               if view.my_reconciler_result else None),
        "partnerHasSubmittedEmpathy": view.partner_has_submitted_empathy,
        "partnerEmpathyHeldStatus": (view.partner_empathy_held_status.value
                                     if view.partner_empathy_held_status else None),
        "partnerEmpathySubmittedAt": _iso(view.partner_empathy_submitted_at),
    }
