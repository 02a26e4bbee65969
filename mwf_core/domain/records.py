"""Records of the partner journey: plain dataclasses, loaded and saved by repositories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .enums import (
    ConsentContentType,
    ConsentDecision,
    InvitationStatus,
    MessageRole,
    NeedCategory,
    OutboxStatus,
    ProposalKind,
    ProposalSource,
    ProposalStatus,
    SessionStatus,
    SessionType,
    StageStatus,
    TurnStatus,
)

DEFAULT_PRIVACY_PREFERENCES: dict[str, bool] = {
    "showActivityStatus": True,
    "allowSessionInvites": True,
    "analyticsOptOut": False,
}


@dataclass(slots=True)
class User:
    id: str
    auth_subject: str  # the token's `sub` (Clerk user id, dev id, or e2e_<id>)
    email: str | None
    name: str | None
    first_name: str | None
    last_name: str | None
    created_at: datetime
    updated_at: datetime
    push_token: str | None = None
    biometric_enabled: bool = False
    last_mood_intensity: int | None = None
    privacy_preferences: dict[str, Any] = field(default_factory=dict)
    notification_preferences: dict[str, Any] = field(default_factory=dict)

    def allows_session_invites(self) -> bool:
        prefs = {**DEFAULT_PRIVACY_PREFERENCES, **self.privacy_preferences}
        return bool(prefs["allowSessionInvites"])


@dataclass(slots=True)
class Relationship:
    id: str
    created_at: datetime


@dataclass(slots=True)
class RelationshipMember:
    relationship_id: str
    user_id: str
    joined_at: datetime
    nickname: str | None = None  # what this member calls the partner
    role: str = "member"


@dataclass(slots=True)
class Session:
    id: str
    relationship_id: str
    status: SessionStatus
    created_at: datetime
    updated_at: datetime
    type: SessionType = SessionType.CONFLICT_RESOLUTION
    resolved_at: datetime | None = None
    topic_frame: str | None = None
    topic_frame_confirmed_at: datetime | None = None


@dataclass(slots=True)
class Invitation:
    id: str
    session_id: str
    invited_by_id: str
    name: str | None
    status: InvitationStatus
    created_at: datetime
    expires_at: datetime
    invite_email: str | None = None
    message_confirmed: bool = False
    message_confirmed_at: datetime | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str | None = None


@dataclass(slots=True)
class StageProgress:
    id: str
    session_id: str
    user_id: str
    stage: int
    status: StageStatus
    started_at: datetime | None
    completed_at: datetime | None = None
    gates_satisfied: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class UserVessel:
    """One user's private store in one session."""

    id: str
    session_id: str
    user_id: str
    created_at: datetime
    # The words the inviter gave when creating the session; private to them.
    creation_context: str | None = None
    last_viewed_at: datetime | None = None
    last_seen_chat_item_id: str | None = None
    archived_at: datetime | None = None
    last_viewed_share_tab_at: datetime | None = None


@dataclass(slots=True)
class SharedVessel:
    id: str
    session_id: str
    created_at: datetime


@dataclass(slots=True)
class Message:
    id: str
    session_id: str
    sender_id: str | None
    for_user_id: str | None  # lane owner; None only for a user's own USER rows
    role: MessageRole
    content: str
    stage: int
    timestamp: datetime


@dataclass(slots=True)
class ConsentRecord:
    id: str
    user_id: str
    session_id: str | None
    target_type: ConsentContentType
    target_id: str | None
    created_at: datetime
    requested_by_user_id: str | None = None
    decision: ConsentDecision | None = None
    decided_at: datetime | None = None
    revoked_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class EmotionalReading:
    id: str
    vessel_id: str
    intensity: int
    stage: int
    timestamp: datetime
    context: str | None = None


@dataclass(slots=True)
class OutboxEvent:
    """A side effect written in the same transaction as the change that caused it.

    `channel` is `session:{id}` or `user:{id}`: events carrying one user's private words go on
    that user's own channel; `email:{key}` and `push:{user_id}` rows go to mail and push.
    """

    id: str
    session_id: str | None
    channel: str
    name: str
    payload: dict[str, Any]
    created_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = None
    # Delivery (issue 5): `stream_key` orders rows (events.stream_key); `seq` is stamped by the
    # sequencer, gap-free per stream; `parent_id` links a derived push row to its source row.
    stream_key: str = ""
    seq: int | None = None
    next_attempt_at: datetime | None = None
    external_id: str | None = None
    parent_id: str | None = None


@dataclass(slots=True)
class IdempotencyRecord:
    """Remembers what a client request id produced (AIP-155), so a retry returns it again.

    `fingerprint` is a hash of the request body: the same id with another body is refused.
    """

    user_id: str
    request_id: str
    operation: str
    fingerprint: str
    resource_id: str
    created_at: datetime


@dataclass(slots=True)
class Turn:
    """One send of a user message and the mediator's reply to it.

    The row makes a send idempotent and safe to retry: `(user_id, request_id)` is unique; only
    the holder of a live lease may call the model; a retry may take over a FAILED turn or one
    whose lease ran out (its process died), never a RUNNING one.
    """

    id: str
    session_id: str
    user_id: str
    request_id: str
    fingerprint: str
    user_message_id: str
    status: TurnStatus
    created_at: datetime
    updated_at: datetime
    lease_expires_at: datetime | None = None
    attempts: int = 0
    reply_message_id: str | None = None
    error: str | None = None
    # What the reply's turn captured (the SSE `metadata`), so a retry can replay it too.
    reply_metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ConversationMemory:
    """What the mediator remembers of one person's lane beyond the recent messages: a rolling
    summary and a few notable facts. Private to that person, like the lane itself."""

    vessel_id: str
    summary: str
    updated_at: datetime  # the newest message the summary covers (its watermark)
    key_themes: list[str] = field(default_factory=list)
    notable_facts: list[dict[str, str]] = field(default_factory=list)
    summarized_messages: int = 0  # lane size when the summary was written


@dataclass(slots=True)
class EmpathyDraft:
    """Stage 2: one person's statement of the other's experience, private until they consent
    to share it. One per (session, user); `version` grows by one on every update."""

    id: str
    session_id: str
    user_id: str
    content: str
    ready_to_share: bool
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class IdentifiedNeed:
    """Stage 3: a need in one person's private vessel. Live = neither superseded nor deleted;
    a refine adds a new row and points the old one at it; a locked need never changes."""

    id: str
    vessel_id: str
    need: str
    category: NeedCategory
    evidence: list[str]
    confirmed: bool
    created_at: datetime
    ai_confidence: float | None = None
    superseded_by_need_id: str | None = None
    locked_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def live(self) -> bool:
        return self.superseded_by_need_id is None and self.deleted_at is None


@dataclass(slots=True)
class StrategyProposal:
    """Stage 4: one idea in the session's shared proposal inventory. A revise retires the old
    row (REVISED) and adds a new one pointing at it; `needs_addressed` holds need ids."""

    id: str
    session_id: str
    created_by_user_id: str | None  # None when the AI proposed it (or the account is gone)
    description: str
    needs_addressed: list[str]
    source: ProposalSource
    kind: ProposalKind
    status: ProposalStatus
    created_at: datetime
    parent_proposal_id: str | None = None
    captured_from_message_id: str | None = None
    removed_at: datetime | None = None
    removed_by_user_id: str | None = None
