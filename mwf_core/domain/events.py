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


def session_channel(session_id: str) -> str:
    return SESSION_CHANNEL.format(session_id=session_id)


def user_channel(user_id: str) -> str:
    return USER_CHANNEL.format(user_id=user_id)
PARTNER_STAGE_COMPLETED = "partner.stage_completed"
PARTNER_ADVANCED = "partner.advanced"
PARTNER_ACTIVITY = "partner.activity"
MESSAGE_ERROR = "message.error"
SAFETY_CONCERN = "safety.concern_detected"
NEED_CAPTURED = "need.captured"
NEED_REFINED = "need.refined"
NEED_DELETED = "need.deleted"
STRATEGIES_UPDATED = "session.strategies_updated"
