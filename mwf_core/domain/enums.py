"""Enumerations with the original app's value strings (they travel in JSON and the database)."""

from enum import IntEnum, StrEnum


class Stage(IntEnum):
    """The five stages of a partner session; the numbers are the original's."""

    ONBOARDING = 0
    WITNESS = 1
    PERSPECTIVE_STRETCH = 2
    NEED_MAPPING = 3
    STRATEGIC_REPAIR = 4


class StageStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    GATE_PENDING = "GATE_PENDING"
    COMPLETED = "COMPLETED"


class SessionStatus(StrEnum):
    CREATED = "CREATED"
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    WAITING = "WAITING"
    RESOLVED = "RESOLVED"
    ABANDONED = "ABANDONED"
    ARCHIVED = "ARCHIVED"


# A relationship may hold only one session in one of these at a time.
LIVE_SESSION_STATUSES = frozenset(
    {
        SessionStatus.CREATED,
        SessionStatus.INVITED,
        SessionStatus.ACTIVE,
        SessionStatus.PAUSED,
        SessionStatus.WAITING,
    }
)

# What `GET /auth/me` counts as "active" (the original's rule).
ACTIVE_SESSION_STATUSES = frozenset(
    {SessionStatus.ACTIVE, SessionStatus.WAITING, SessionStatus.PAUSED}
)

# `/archive` is allowed only from these.
ARCHIVABLE_SESSION_STATUSES = frozenset(
    {
        SessionStatus.RESOLVED,
        SessionStatus.ABANDONED,
        SessionStatus.CREATED,
        SessionStatus.INVITED,
    }
)


class SessionType(StrEnum):
    CONFLICT_RESOLUTION = "CONFLICT_RESOLUTION"
    INNER_WORK = "INNER_WORK"


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


class MessageRole(StrEnum):
    USER = "USER"
    AI = "AI"
    SYSTEM = "SYSTEM"
    EMPATHY_STATEMENT = "EMPATHY_STATEMENT"
    EMPATHY_REVEAL_INTRO = "EMPATHY_REVEAL_INTRO"
    SHARED_CONTEXT = "SHARED_CONTEXT"
    VALIDATION_FEEDBACK = "VALIDATION_FEEDBACK"
    SHARE_SUGGESTION = "SHARE_SUGGESTION"
    EMPATHY_VALIDATION_PROMPT = "EMPATHY_VALIDATION_PROMPT"


class ConsentContentType(StrEnum):
    IDENTIFIED_NEED = "IDENTIFIED_NEED"
    EVENT_SUMMARY = "EVENT_SUMMARY"
    EMOTIONAL_PATTERN = "EMOTIONAL_PATTERN"
    BOUNDARY = "BOUNDARY"
    EMPATHY_DRAFT = "EMPATHY_DRAFT"
    EMPATHY_ATTEMPT = "EMPATHY_ATTEMPT"
    STRATEGY_PROPOSAL = "STRATEGY_PROPOSAL"


class ConsentDecision(StrEnum):
    GRANTED = "GRANTED"
    DENIED = "DENIED"
    REVOKED = "REVOKED"


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"


class TurnStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class NeedCategory(StrEnum):
    """The six universal needs of stage 3 (the mediator's internal lens)."""

    SAFETY = "SAFETY"
    CONNECTION = "CONNECTION"
    AUTONOMY = "AUTONOMY"
    RECOGNITION = "RECOGNITION"
    MEANING = "MEANING"
    FAIRNESS = "FAIRNESS"


class ProposalSource(StrEnum):
    USER_SUBMITTED = "USER_SUBMITTED"
    AI_SUGGESTED = "AI_SUGGESTED"
    CURATED = "CURATED"


class ProposalKind(StrEnum):
    SHARED_PROPOSAL = "SHARED_PROPOSAL"  # both must agree
    INDIVIDUAL_COMMITMENT = "INDIVIDUAL_COMMITMENT"  # one person volunteers


class ProposalStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVISED = "REVISED"
    REMOVED = "REMOVED"
    CONVERTED_TO_AGREEMENT = "CONVERTED_TO_AGREEMENT"
