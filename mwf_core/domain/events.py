"""Realtime event names (the original's) and where each kind of event is delivered."""

SESSION_CHANNEL = "session:{session_id}"
USER_CHANNEL = "user:{user_id}"

PARTNER_SIGNED_COMPACT = "partner.signed_compact"
SESSION_JOINED = "session.joined"
INVITATION_DECLINED = "invitation.declined"
INVITATION_CONFIRMED = "invitation.confirmed"
TOPIC_FRAME_UPDATED = "session.topic_frame_updated"
SESSION_PAUSED = "session.paused"
SESSION_RESUMED = "session.resumed"
SESSION_ABANDONED = "session.abandoned"
SESSION_UPDATED = "session.updated"

PARTNER_STAGE_COMPLETED = "partner.stage_completed"
PARTNER_ADVANCED = "partner.advanced"
PARTNER_ACTIVITY = "partner.activity"
MESSAGE_ERROR = "message.error"
SAFETY_CONCERN = "safety.concern_detected"
NEED_CAPTURED = "need.captured"
NEED_REFINED = "need.refined"
NEED_DELETED = "need.deleted"
STRATEGIES_UPDATED = "session.strategies_updated"
MESSAGE_AI_RESPONSE = "message.ai_response"
STAGE_PROGRESS = "stage.progress"
SESSION_RESOLVED = "session.resolved"
PARTNER_SESSION_VIEWED = "partner.session_viewed"
PARTNER_SHARE_TAB_VIEWED = "partner.share_tab_viewed"
NOTIFICATION_PENDING_ACTION = "notification.pending_action"
# Stage 2
PARTNER_EMPATHY_SHARED = "partner.empathy_shared"
EMPATHY_STATUS_UPDATED = "empathy.status_updated"
EMPATHY_SHARE_SUGGESTION = "empathy.share_suggestion"
EMPATHY_REVEALED = "empathy.revealed"
EMPATHY_CONTEXT_SHARED = "empathy.context_shared"
EMPATHY_REFINING = "empathy.refining"
EMPATHY_RESUBMITTED = "empathy.resubmitted"
PARTNER_SKIPPED_REFINEMENT = "partner.skipped_refinement"
# Stage 3
NEED_LOCKED = "need.locked"
NEEDS_EXTRACTED = "session.needs_extracted"
PARTNER_NEEDS_CONFIRMED = "partner.needs_confirmed"
PARTNER_NEEDS_SHARED = "partner.needs_shared"
NEEDS_REVEAL_READY = "session.needs_reveal_ready"
PARTNER_NEEDS_VALIDATED = "partner.needs_validated"
# Stage 4 (legacy flow)
PARTNER_READY_TO_RANK = "partner.ready_to_rank"
PARTNER_RANKING_SUBMITTED = "partner.ranking_submitted"
AGREEMENT_PROPOSED = "agreement.proposed"
AGREEMENT_CONFIRMED = "agreement.confirmed"
# Consent
PARTNER_CONSENT_GRANTED = "partner.consent_granted"
PARTNER_CONSENT_REVOKED = "partner.consent_revoked"


def session_channel(session_id: str) -> str:
    return SESSION_CHANNEL.format(session_id=session_id)


def user_channel(user_id: str) -> str:
    return USER_CHANNEL.format(user_id=user_id)


# ---- Delivery routing (issue 5): the outbox is also the event log ----
# `session:`/`user:` rows go to realtime (Ably, SSE, WatchSession); `email:` rows to the mail
# sender; `push:` rows (derived when a row is sequenced) to Expo.
EMAIL_CHANNEL = "email:{key}"
PUSH_CHANNEL = "push:{user_id}"
INVITATION_EMAIL = "invitation.email"
# Events that only matter live: never pushed, never worth replaying.
TRANSIENT = frozenset(
    {"typing.start", "typing.stop", "presence.online", "presence.offline", "presence.away"}
)


def email_channel(key: str) -> str:
    return EMAIL_CHANNEL.format(key=key)


def push_channel(user_id: str) -> str:
    return PUSH_CHANNEL.format(user_id=user_id)


def is_realtime_channel(channel: str) -> bool:
    return channel.startswith(("session:", "user:"))


def stream_key(channel: str, session_id: str | None) -> str:
    """What orders, leases and backs off together: a session's realtime rows share one stream
    (so SSE reads them in one gap-free sequence); email and push rows each have their own."""
    if session_id and is_realtime_channel(channel):
        return session_id
    return channel
