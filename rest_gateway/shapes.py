"""Proto responses → the original app's JSON shapes (partner-journey.md §3).

Field names and null-vs-absent follow what the Express backend emitted; the value conventions
live in `convert`.
"""

from __future__ import annotations

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as svc
from mwf.v1 import types_pb2 as t
from rest_gateway.convert import (
    Json,
    compact,
    invitation_status,
    milestones,
    optional_progress,
    partner,
    progress,
    session_status,
    stage,
    stage_status,
    text,
    when,
)

# --- identity ------------------------------------------------------------------------------


def me(resp: svc.GetMeResponse) -> Json:
    u = resp.user
    return {
        "user": {
            "id": u.id,
            "email": text(u.email),
            "name": text(u.name),
            "firstName": text(u.first_name),
            "lastName": text(u.last_name),
            "biometricEnabled": u.biometric_enabled,
            "lastMoodIntensity": (
                u.last_mood_intensity if u.HasField("last_mood_intensity") else None
            ),
            "createdAt": when(u, "create_time"),
        },
        "activeSessions": resp.active_sessions,
        "pushNotificationsEnabled": resp.push_notifications_enabled,
    }


# --- sessions ------------------------------------------------------------------------------


def created_session(resp: svc.CreateSessionResponse) -> tuple[int, Json]:
    """201 with the new session, or 200 pointing at the live one (the original's two shapes)."""
    if resp.HasField("existing_active_session"):
        s = resp.existing_active_session
        return 200, {
            "existingActiveSession": {
                "id": s.id,
                "status": session_status(s.status),
                "updatedAt": when(s, "update_time"),
            }
        }
    s = resp.session
    return 201, {
        "session": {
            "id": s.id,
            "status": session_status(s.status),
            "createdAt": when(s, "create_time"),
            "partner": partner(s.partner),
        },
        "invitationId": resp.invitation_id,
        "invitationUrl": resp.invitation_url,
    }


def session_list_item(s: t.Session) -> Json:
    return {
        "id": s.id,
        "relationshipId": s.relationship_id,
        "status": session_status(s.status),
        "createdAt": when(s, "create_time"),
        "updatedAt": when(s, "update_time"),
        "partner": partner(s.partner),
        "myProgress": progress(s.my_progress, gates=False),
        "partnerProgress": optional_progress(s, "partner_progress", gates=False),
        "statusSummary": s.status_summary,
        "selfActionNeeded": list(s.self_action_needed),
        "partnerActionNeeded": list(s.partner_action_needed),
        "hasUnread": s.has_unread,
        "lastViewedAt": when(s, "last_view_time"),
        "lastSeenChatItemId": text(s.last_seen_chat_item_id),
    }


def session_list(resp: svc.ListSessionsResponse) -> Json:
    out: Json = {
        "items": [session_list_item(s) for s in resp.sessions],
        "hasMore": bool(resp.next_page_token),
    }
    if resp.next_page_token:
        out["cursor"] = resp.next_page_token
    return out


def session_detail(s: t.Session) -> Json:
    """The `session` object of GET /sessions/:id (also the base of /state)."""
    return {
        "id": s.id,
        "status": session_status(s.status),
        "currentStage": stage(s.my_progress.stage),
        "stageStatus": stage_status(s.my_progress.status),
        "relationshipId": s.relationship_id,
        "partner": partner(s.partner),
        "myProgress": {
            "stage": stage(s.my_progress.stage),
            "status": stage_status(s.my_progress.status),
        },
        "createdAt": when(s, "create_time"),
        "resolvedAt": when(s, "resolve_time"),
    }


def message(m: t.Message) -> Json:
    return {
        "id": m.id,
        "sessionId": m.session_id,
        "senderId": text(m.sender_id),  # null for the mediator
        "forUserId": text(m.for_user_id),
        "role": m.role,
        "content": m.content,
        "stage": stage(m.stage),
        "timestamp": when(m, "create_time"),
    }


def state_invitation(inv: t.Invitation) -> Json:
    return {
        "id": inv.id,
        "sessionId": inv.session_id,
        "invitedBy": {"id": text(inv.invited_by.id), "name": text(inv.invited_by.name)},
        "name": text(inv.name),
        "status": invitation_status(inv.status),
        "createdAt": when(inv, "create_time"),
        "expiresAt": when(inv, "expire_time"),
        "messageConfirmed": inv.message_confirmed,
        "messageConfirmedAt": when(inv, "message_confirm_time"),
        "topicFrame": text(inv.topic_frame),
        "topicFrameConfirmedAt": when(inv, "topic_frame_confirm_time"),
        "acceptedAt": when(inv, "accept_time"),
        "isInviter": inv.is_inviter,
    }


def session_state(resp: svc.GetSessionStateResponse) -> Json:
    s = resp.session
    session = session_detail(s)
    session["lastViewedAt"] = when(s, "last_view_time")
    session["partnerLastViewedAt"] = when(resp, "partner_last_view_time")
    session["lastSeenChatItemId"] = text(s.last_seen_chat_item_id)
    return {
        "session": session,
        "progress": {
            "sessionId": s.id,
            "myProgress": progress(s.my_progress, gates=True),
            "partnerProgress": optional_progress(s, "partner_progress", gates=True),
            "canAdvance": resp.can_advance,
            "milestones": milestones(resp.milestones),
        },
        "messages": {
            "messages": [message(m) for m in resp.messages],
            "hasMore": resp.has_more_messages,
        },
        "invitation": (state_invitation(resp.invitation) if resp.HasField("invitation") else None),
        "compact": compact(resp.compact),
    }


def progress_response(resp: svc.GetProgressResponse) -> Json:
    return {
        "myProgress": progress(resp.my_progress, gates=True),
        "partnerProgress": optional_progress(resp, "partner_progress", gates=True),
        "sessionStatus": session_status(resp.session_status),
        "milestones": milestones(resp.milestones),
    }


def paused(resp: svc.PauseSessionResponse) -> Json:
    return {
        "paused": resp.paused,
        "pausedAt": when(resp, "pause_time"),
        "status": session_status(resp.status),
    }


def resumed(resp: svc.ResumeSessionResponse) -> Json:
    return {
        "resumed": resp.resumed,
        "resumedAt": when(resp, "resume_time"),
        "status": session_status(resp.status),
    }


def archived(resp: svc.ArchiveSessionResponse) -> Json:
    return {"archived": resp.archived, "archivedAt": when(resp, "archive_time")}


def deleted(resp: svc.DeleteSessionResponse) -> Json:
    return {
        "deleted": resp.deleted,
        "summary": {
            "sessionAbandoned": resp.session_abandoned,
            "partnerNotified": resp.partner_notified,
            "dataRecordsDeleted": resp.data_records_deleted,
        },
    }


# --- stage 0: invitation, compact, topic frame ---------------------------------------------


def session_invitation(inv: t.Invitation) -> Json:
    return {
        "id": inv.id,
        "name": text(inv.name),
        "messageConfirmed": inv.message_confirmed,
        "messageConfirmedAt": when(inv, "message_confirm_time"),
        "acceptedAt": when(inv, "accept_time"),
        "status": invitation_status(inv.status),
        "expiresAt": when(inv, "expire_time"),
        "isInviter": inv.is_inviter,
        "topicFrame": text(inv.topic_frame),
        "topicFrameConfirmedAt": when(inv, "topic_frame_confirm_time"),
    }


def signed_compact(resp: svc.SignCompactResponse) -> Json:
    return {
        "signed": resp.signed,
        "signedAt": when(resp, "sign_time"),
        "partnerSigned": resp.partner_signed,
        "canAdvance": resp.can_advance,
    }


def confirmed_topic_frame(resp: svc.ConfirmTopicFrameResponse) -> Json:
    return {"topicFrame": resp.topic_frame, "confirmedAt": when(resp, "confirm_time")}


def confirmed_invitation(resp: svc.ConfirmInvitationResponse) -> Json:
    inv = resp.invitation
    return {
        "confirmed": resp.confirmed,
        "invitation": {
            "id": inv.id,
            "messageConfirmed": inv.message_confirmed,
            "messageConfirmedAt": when(inv, "message_confirm_time"),
            "topicFrame": text(inv.topic_frame),
        },
        "advancedToStage": stage(resp.advanced_to_stage),
    }


def public_invitation(resp: inv_pb.GetInvitationResponse) -> Json:
    inv = resp.invitation
    return {
        "invitation": {
            "id": inv.id,
            "invitedBy": {"name": text(inv.invited_by.name)},
            "name": text(inv.name),
            "status": invitation_status(inv.status),
            "createdAt": when(inv, "create_time"),
            "expiresAt": when(inv, "expire_time"),
            "session": {"id": inv.session_id, "status": session_status(resp.session_status)},
        }
    }


def accepted_invitation(resp: inv_pb.AcceptInvitationResponse) -> Json:
    return {
        "session": {
            "id": resp.session_id,
            "status": session_status(resp.status),
            "createdAt": when(resp, "create_time"),
            "members": [{"id": m.id, "name": text(m.name)} for m in resp.members],
        }
    }


# --- people --------------------------------------------------------------------------------


def person(p: svc.Person) -> Json:
    last = p.last_session
    return {
        "id": text(p.id),
        "relationshipId": p.relationship_id,
        "name": text(p.name),
        "nickname": text(p.nickname),
        "initials": p.initials,
        "connectedSince": when(p, "connect_time"),
        "lastSession": (
            {
                "id": last.id,
                "status": session_status(last.status),
                "updatedAt": when(last, "update_time"),
            }
            if p.HasField("last_session")
            else None
        ),
        "activeSessionCount": p.active_session_count,
    }


def nickname(resp: svc.UpdateNicknameResponse) -> Json:
    return {"nickname": resp.nickname if resp.HasField("nickname") else None}


# --- emotions ------------------------------------------------------------------------------


def recorded_emotion(resp: svc.RecordEmotionResponse) -> Json:
    r = resp.reading
    return {
        "reading": {"id": r.id, "intensity": r.intensity, "timestamp": when(r, "create_time")},
        "suggestExercise": resp.suggest_exercise,
    }


def emotion_readings(resp: svc.ListEmotionsResponse) -> Json:
    return {
        "readings": [
            {
                "id": r.id,
                "intensity": r.intensity,
                "context": text(r.context),
                "stage": stage(r.stage),
                "timestamp": when(r, "create_time"),
            }
            for r in resp.readings
        ]
    }
