"""Stage 2: empathy attempts and the one state machine every status change passes through.

An attempt is one person's statement of the other's experience, copied from their draft once
they consent to share it. Its status decides what the partner (the *subject*) may see: the
content only once REVEALED or VALIDATED, and a reveal happens for both attempts at once.

The original spread status writes over controllers, some bypassing its own table (resubmit,
skip-refinement, the symmetric reconciler path that forced READY). Here `move` is the only way
to change a status, and the table below names every allowed move with the reason for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import Conflict


class EmpathyStatus(StrEnum):
    HELD = "HELD"  # shared, waiting for the subject to finish stage 1 or for analysis
    ANALYZING = "ANALYZING"  # the reconciler is comparing it with the subject's experience
    AWAITING_SHARING = "AWAITING_SHARING"  # the subject was offered to share more context
    REFINING = "REFINING"  # the guesser is revising (after shared context or feedback)
    NEEDS_WORK = "NEEDS_WORK"  # legacy value of the original; never entered here
    READY = "READY"  # analysed, waiting for the partner's attempt to be ready too
    REVEALED = "REVEALED"  # both ready: the subject can now read it
    VALIDATED = "VALIDATED"  # the subject said "yes, that is me" (or the guesser accepted)


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    SEEN = "SEEN"


class EmpathyEvent(StrEnum):
    """Why a status changes; each allowed move names one."""

    ANALYSIS_STARTED = "ANALYSIS_STARTED"
    ANALYSIS_PROCEED = "ANALYSIS_PROCEED"  # no sharing needed: ready for the reveal
    SHARING_OFFERED = "SHARING_OFFERED"  # the subject is asked whether to share more
    CONTEXT_SHARED = "CONTEXT_SHARED"  # the subject shared: the guesser refines
    SHARING_DECLINED = "SHARING_DECLINED"  # the subject declined or skipped: ready as is
    CIRCUIT_BREAKER = "CIRCUIT_BREAKER"  # too many refinements: ready as is
    MUTUAL_REVEAL = "MUTUAL_REVEAL"
    VALIDATED = "VALIDATED"  # the subject confirms it
    FEEDBACK_GIVEN = "FEEDBACK_GIVEN"  # the subject says "not quite" with feedback
    RESUBMITTED = "RESUBMITTED"  # the guesser sends a revision: analysed again
    ACCEPTED_DIFFERENCE = "ACCEPTED_DIFFERENCE"  # the guesser skips refining (own attempt)


S, E = EmpathyStatus, EmpathyEvent

TRANSITIONS: dict[tuple[EmpathyStatus, EmpathyEvent], EmpathyStatus] = {
    (S.HELD, E.ANALYSIS_STARTED): S.ANALYZING,
    (S.HELD, E.ANALYSIS_PROCEED): S.READY,
    (S.HELD, E.SHARING_OFFERED): S.AWAITING_SHARING,
    (S.ANALYZING, E.ANALYSIS_PROCEED): S.READY,
    (S.ANALYZING, E.SHARING_OFFERED): S.AWAITING_SHARING,
    (S.ANALYZING, E.CIRCUIT_BREAKER): S.READY,
    (S.AWAITING_SHARING, E.CONTEXT_SHARED): S.REFINING,
    (S.AWAITING_SHARING, E.SHARING_DECLINED): S.READY,
    (S.REFINING, E.RESUBMITTED): S.ANALYZING,
    (S.REFINING, E.CIRCUIT_BREAKER): S.READY,
    (S.REFINING, E.ACCEPTED_DIFFERENCE): S.VALIDATED,
    (S.READY, E.MUTUAL_REVEAL): S.REVEALED,
    (S.REVEALED, E.VALIDATED): S.VALIDATED,
    (S.REVEALED, E.FEEDBACK_GIVEN): S.REFINING,
    (S.REVEALED, E.ACCEPTED_DIFFERENCE): S.VALIDATED,
    (S.NEEDS_WORK, E.RESUBMITTED): S.ANALYZING,
}

# The subject may read the attempt's words only in these.
VISIBLE_TO_SUBJECT = frozenset({S.REVEALED, S.VALIDATED})


class InvalidEmpathyTransition(Conflict):
    """A move the state machine does not allow (409): the request raced another or is stale."""


@dataclass(slots=True)
class EmpathyAttempt:
    """What one person (the guesser) shared about the other (the subject). One per
    (session, source user); `status_version` grows by one on every status change."""

    id: str
    session_id: str
    source_user_id: str | None  # None once the author deleted their data
    content: str
    shared_at: datetime
    status: EmpathyStatus
    created_at: datetime
    updated_at: datetime
    draft_id: str | None = None
    consent_record_id: str | None = None
    status_version: int = 0
    revealed_at: datetime | None = None
    revision_count: int = 0
    delivery_status: DeliveryStatus = DeliveryStatus.PENDING
    delivered_at: datetime | None = None
    seen_at: datetime | None = None

    @property
    def visible_to_subject(self) -> bool:
        return self.status in VISIBLE_TO_SUBJECT


@dataclass(slots=True)
class EmpathyValidation:
    """The subject's answer to an attempt about them; `feedback` stays private to the subject
    unless it was given as "not quite" feedback, which the guesser then sees."""

    id: str
    attempt_id: str
    session_id: str
    user_id: str
    validated: bool
    validated_at: datetime
    feedback: str | None = None
    feedback_shared: bool = False


def next_status(current: EmpathyStatus, event: EmpathyEvent) -> EmpathyStatus:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidEmpathyTransition(
            f"Empathy attempt cannot go from {current.value} on {event.value}"
        ) from None


def move(attempt: EmpathyAttempt, event: EmpathyEvent, now: datetime) -> EmpathyStatus:
    """Apply one allowed move to `attempt` (status, version, times); raises
    InvalidEmpathyTransition (409) otherwise. Returns the previous status."""
    previous = attempt.status
    attempt.status = next_status(previous, event)
    attempt.status_version += 1
    attempt.updated_at = now
    if attempt.status is S.REVEALED:
        attempt.revealed_at = now
        attempt.delivery_status = DeliveryStatus.DELIVERED
        attempt.delivered_at = now
    elif attempt.status is S.VALIDATED and event is E.VALIDATED:
        attempt.delivery_status = DeliveryStatus.SEEN
        attempt.seen_at = now
    return previous


def reveal_ready(attempts: list[EmpathyAttempt]) -> bool:
    """The mutual reveal: exactly two attempts, both READY or VALIDATED, at least one READY."""
    if len(attempts) != 2:
        return False
    statuses = {a.status for a in attempts}
    return statuses <= {S.READY, S.VALIDATED} and S.READY in statuses


@dataclass(slots=True)
class ValidationFeedbackDraft:
    """The subject's private draft of "not quite" feedback, polished before it is sent with a
    validation. One per (session, user); never shown to the partner."""

    id: str
    session_id: str
    user_id: str
    content: str
    ready_to_share: bool
    created_at: datetime
    updated_at: datetime
