"""Around the stages (partner-journey.md §3.2, §3.9): consent, exercises, pending actions,
the badge count, the timeline, read state and the generic stage advance."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mwf.v1 import journey_pb2 as pb
from rest_gateway.convert import Json, stage, stage_status, struct, text, when
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id

EXERCISE_TYPES = ("BREATHING_EXERCISE", "BODY_SCAN", "GROUNDING", "PAUSE_SESSION")
EDITED_CONTENT_MAX = 5000

# --- shapes ----------------------------------------------------------------------------------


def _record(r: pb.ConsentRecordView, *, metadata: bool = False) -> Json:
    out: Json = {
        "id": r.id,
        "contentType": r.content_type,
        "targetId": text(r.target_id),
        "decision": text(r.decision),
        "createdAt": when(r, "create_time"),
        "decidedAt": when(r, "decide_time"),
        "revokedAt": when(r, "revoke_time"),
    }
    if metadata:
        out["metadata"] = struct(r, "metadata") or {}
    return out


def _pending(r: pb.ConsentRecordView) -> Json:
    return {"id": r.id, "contentType": r.content_type, "targetId": text(r.target_id),
            "createdAt": when(r, "create_time"), "metadata": struct(r, "metadata") or {}}


def _shared(c: pb.ConsentedContentView) -> Json:
    return {"id": c.id, "consentRecordId": c.consent_record_id,
            "transformedContent": c.content, "consentedAt": when(c, "consent_time"),
            "consentActive": c.consent_active}


def _item(i: pb.ChatItem) -> Json:
    out: Json = {"id": i.id, "type": i.type, "timestamp": when(i, "time")}
    if i.type == "indicator":
        out["indicatorType"] = i.indicator_type
        if i.indicator_type == "stage-transition":
            out["stage"] = stage(i.stage)
    elif i.type == "emotion-change":
        out["intensity"] = i.intensity if i.HasField("intensity") else None
        out["previousIntensity"] = (i.previous_intensity
                                    if i.HasField("previous_intensity") else None)
    else:
        out["content"] = i.content
        out["stage"] = stage(i.stage)
    return out


# --- consent ---------------------------------------------------------------------------------


async def pending_consents(request: web.Request) -> web.Response:
    message = pb.ListPendingConsentsRequest(session_id=path_id(request))
    resp = await call(request, stub(request).ListPendingConsents, message)
    return ok({"pendingRequests": [_pending(r) for r in resp.pending_requests]})


async def decide_consent(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    record_id = fields.id("consentRequestId", required=True)
    decision = fields.choice("decision", ("GRANTED", "DENIED"), required=True)
    edited = fields.string("editedContent", min_len=1, max_len=EDITED_CONTENT_MAX,
                           not_blank=True)
    fields.check()
    message = pb.DecideConsentRequest(session_id=session_id, consent_request_id=record_id or "",
                                      decision=decision or "")
    if edited is not None:
        message.edited_content = edited
    resp = await call(request, stub(request).DecideConsent, message)
    record = _record(resp.consent_record)
    return ok({
        "recorded": resp.recorded,
        "consentRecord": {k: record[k] for k in ("id", "contentType", "decision", "decidedAt",
                                                 "revokedAt")},
        "sharedContent": _shared(resp.shared_content) if resp.HasField("shared_content")
        else None,
    })


async def revoke_consent(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    record_id = fields.id("consentRecordId", required=True)
    fields.check()
    resp = await call(request, stub(request).RevokeConsent,
                      pb.RevokeConsentRequest(session_id=session_id,
                                              consent_record_id=record_id or ""))
    return ok({"revoked": resp.revoked, "revokedAt": when(resp, "revoke_time")})


async def consent_history(request: web.Request) -> web.Response:
    message = pb.ListConsentHistoryRequest(session_id=path_id(request))
    resp = await call(request, stub(request).ListConsentHistory, message)
    return ok({"records": [_record(r, metadata=True) for r in resp.records]})


# --- exercises, actions, badge ---------------------------------------------------------------


async def complete_exercise(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    kind = fields.choice("type", EXERCISE_TYPES, required=True)
    before = fields.integer("intensityBefore", required=False, minimum=1, maximum=10)
    after = fields.integer("intensityAfter", required=False, minimum=1, maximum=10)
    fields.check()
    message = pb.CompleteExerciseRequest(session_id=session_id, type=kind or "")
    if before is not None:
        message.intensity_before = before
    if after is not None:
        message.intensity_after = after
    resp = await call(request, stub(request).CompleteExercise, message)
    c = resp.completion
    return ok({"logged": resp.logged, "completion": {
        "id": c.id, "type": c.type, "completedAt": when(c, "complete_time"),
        "intensityDelta": c.intensity_delta if c.HasField("intensity_delta") else None,
    }})


async def pending_actions(request: web.Request) -> web.Response:
    message = pb.GetPendingActionsRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetPendingActions, message)
    actions: list[Any] = [{"type": a.type, "id": a.id, "data": struct(a, "data") or {}}
                          for a in resp.actions]
    return ok({"actions": actions, "sentTabUpdates": resp.sent_tab_updates})


async def badge_count(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).GetBadgeCount, pb.GetBadgeCountRequest())
    return ok({"count": resp.count, "bySession": dict(resp.by_session)})


# --- timeline and read state -----------------------------------------------------------------


async def list_timeline(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(request.query)
    limit = fields.query_integer("limit", default=20, minimum=1, maximum=100)
    before = fields.query_timestamp("before")
    fields.check()
    message = pb.ListTimelineRequest(session_id=session_id, page_size=limit)
    if before is not None:
        message.before.CopyFrom(before)
    resp = await call(request, stub(request).ListTimeline, message)
    return ok({"items": [_item(i) for i in resp.items], "hasMore": resp.has_more})


async def mark_viewed(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    seen = fields.id("lastSeenChatItemId")
    fields.check()
    resp = await call(request, stub(request).MarkSessionViewed,
                      pb.MarkSessionViewedRequest(session_id=session_id,
                                                  last_seen_chat_item_id=seen or ""))
    return ok({"success": resp.success, "lastViewedAt": when(resp, "last_view_time"),
               "lastSeenChatItemId": text(resp.last_seen_chat_item_id)})


async def mark_share_tab_viewed(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).MarkShareTabViewed,
                      pb.MarkShareTabViewedRequest(session_id=path_id(request)))
    return ok({"success": resp.success,
               "lastViewedShareTabAt": when(resp, "last_share_tab_view_time")})


async def advance_stage(request: web.Request) -> web.Response:
    # The body is ignored, as in the original (not even parsed).
    resp = await call(request, stub(request).AdvanceStage,
                      pb.AdvanceStageRequest(session_id=path_id(request)))
    out: Json = {"advanced": resp.advanced, "newStage": stage(resp.new_stage),
                 "newStatus": stage_status(resp.new_status),
                 "advancedAt": when(resp, "advance_time")}
    if resp.blocked_reason:
        out["blockedReason"] = resp.blocked_reason
        out["unsatisfiedGates"] = list(resp.unsatisfied_gates)
    return ok(out)


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/consent/pending", pending_consents),
    ("POST", "/sessions/{id}/consent/decide", decide_consent),
    ("POST", "/sessions/{id}/consent/revoke", revoke_consent),
    ("GET", "/sessions/{id}/consent/history", consent_history),
    ("POST", "/sessions/{id}/exercises/complete", complete_exercise),
    ("GET", "/sessions/{id}/pending-actions", pending_actions),
    ("GET", "/notifications/badge-count", badge_count),
    ("GET", "/sessions/{id}/timeline", list_timeline),
    ("POST", "/sessions/{id}/viewed", mark_viewed),
    ("POST", "/sessions/{id}/share-tab-viewed", mark_share_tab_viewed),
    ("POST", "/sessions/{id}/stages/advance", advance_stage),
)
