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
    ACCEPTED_DIFFERENCE = "ACCEPTED_DIFFERENCE"  # the guesser skips refining a revealed attempt
    KEPT_AS_IS = "KEPT_AS_IS"  # the guesser skips refining one never revealed: ready as it is


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
    (S.REFINING, E.ACCEPTED_DIFFERENCE): S.VALIDATED,  # only once revealed (see `move`)
    (S.REFINING, E.KEPT_AS_IS): S.READY,  # never revealed: it waits for the mutual reveal
    (S.READY, E.MUTUAL_REVEAL): S.REVEALED,
    (S.REVEALED, E.VALIDATED): S.VALIDATED,
    (S.REVEALED, E.FEEDBACK_GIVEN): S.REFINING,
    (S.REVEALED, E.ACCEPTED_DIFFERENCE): S.VALIDATED,
    (S.NEEDS_WORK, E.RESUBMITTED): S.ANALYZING,
}

# The subject may read the attempt's words only in these, and only once it was revealed.
VISIBLE_TO_SUBJECT = frozenset({S.REVEALED, S.VALIDATED})
# A partner's attempt in one of these has been through the mutual reveal already.
ALREADY_REVEALED = frozenset({S.REVEALED, S.VALIDATED})


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
        # Second guard: a VALIDATED attempt that never went through the reveal stays hidden.
        return self.status in VISIBLE_TO_SUBJECT and self.revealed_at is not None


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
    InvalidEmpathyTransition (409) otherwise. Returns the previous status.

    ACCEPTED_DIFFERENCE is allowed only for an attempt revealed before: validating one the
    subject never saw would show it to them while their own statement stays hidden."""
    previous = attempt.status
    if event is E.ACCEPTED_DIFFERENCE and attempt.revealed_at is None:
        raise InvalidEmpathyTransition(
            f"Empathy attempt cannot go from {previous.value} on {event.value}: "
            "it was never revealed")
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


def skip_event(attempt: EmpathyAttempt) -> EmpathyEvent:
    """What "skip refinement" means for the author's own attempt: accept the difference once
    the subject has read it; before the reveal, share it as it is (READY, mutual reveal)."""
    if attempt.status is S.REFINING and attempt.revealed_at is None:
        return E.KEPT_AS_IS
    return E.ACCEPTED_DIFFERENCE


def reveal_ready(attempts: list[EmpathyAttempt]) -> bool:
    """Whether the READY attempts may be revealed now: exactly two attempts, at least one
    READY, and each other one READY too (the mutual reveal) or already REVEALED/VALIDATED (the
    mutual reveal happened before and this one was refined since: nothing new is exposed)."""
    if len(attempts) != 2:
        return False
    statuses = {a.status for a in attempts}
    return S.READY in statuses and statuses <= {S.READY} | ALREADY_REVEALED


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
