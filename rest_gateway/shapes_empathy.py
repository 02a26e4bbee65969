"""Empathy-exchange proto responses → the original app's JSON shapes (partner-journey.md §3.5)."""

from __future__ import annotations

from google.protobuf.message import Message as ProtoMessage

from mwf.v1 import empathy_pb2 as e
from mwf.v1 import types_pb2 as t
from rest_gateway.convert import Json, enum_name, stage, text, when


def status(value: int) -> str | None:
    return enum_name(e.EmpathyStatus, value, "EMPATHY_STATUS_")


def delivery(value: int) -> str | None:
    short = enum_name(e.EmpathyDeliveryStatus, value, "EMPATHY_DELIVERY_STATUS_")
    return short.lower() if short else None


def attempt(a: e.EmpathyAttempt) -> Json:
    return {
        "id": a.id,
        "sourceUserId": text(a.source_user_id),
        "content": a.content,
        "sharedAt": when(a, "share_time"),
        "consentRecordId": text(a.consent_record_id),
        "status": status(a.status),
        "revealedAt": when(a, "reveal_time"),
        "validatedAt": when(a, "validate_time"),
        "revisionCount": a.revision_count,
        "statusVersion": a.status_version,
        "deliveryStatus": delivery(a.delivery_status),
    }


def optional_attempt(owner: ProtoMessage, field: str) -> Json | None:
    return attempt(getattr(owner, field)) if owner.HasField(field) else None


def lane_message(m: t.Message) -> Json:
    return {"id": m.id, "content": m.content, "timestamp": when(m, "create_time"),
            "stage": stage(m.stage)}


def optional_message(owner: ProtoMessage, field: str) -> Json | None:
    if not owner.HasField(field):
        return None
    return lane_message(getattr(owner, field))


def draft_saved(resp: e.SaveEmpathyDraftResponse) -> Json:
    return {"draftId": resp.draft_id, "savedAt": when(resp, "save_time"),
            "readyToShare": resp.ready_to_share}


def draft(resp: e.GetEmpathyDraftResponse) -> Json:
    d = resp.draft
    return {
        "draft": ({"id": d.id, "content": d.content, "readyToShare": d.ready_to_share,
                   "version": d.version, "updatedAt": when(d, "update_time")}
                  if resp.HasField("draft") else None),
        "canConsent": resp.can_consent,
        "alreadyConsented": resp.already_consented,
    }


def consented(resp: e.ConsentToShareEmpathyResponse) -> Json:
    return {
        "consented": resp.consented,
        "consentedAt": when(resp, "consent_time"),
        "partnerConsented": resp.partner_consented,
        "canReveal": resp.can_reveal,
        "status": status(resp.status),
        "empathyMessage": optional_message(resp, "empathy_message"),
        "transitionMessage": optional_message(resp, "transition_message"),
    }


def partner_empathy(resp: e.GetPartnerEmpathyResponse) -> Json:
    return {
        "attempt": optional_attempt(resp, "attempt"),
        "waitingForPartner": resp.waiting_for_partner,
        "partnerStatus": status(resp.partner_status),
        "validated": resp.validated,
        "validatedAt": when(resp, "validate_time"),
        "awaitingRevision": resp.awaiting_revision,
    }


def exchange(s: e.EmpathyExchangeStatus) -> Json:
    shared, hint, result = s.shared_context, s.refinement_hint, s.my_reconciler_result
    return {
        "myAttempt": optional_attempt(s, "my_attempt"),
        "partnerAttempt": optional_attempt(s, "partner_attempt"),
        "partnerCompletedStage1": s.partner_completed_stage1,
        "analyzing": s.analyzing,
        "awaitingSharing": s.awaiting_sharing,
        "hasNewSharedContext": s.has_new_shared_context,
        "hasUnviewedSharedContext": s.has_unviewed_shared_context,
        "sharedContext": ({"content": shared.content, "sharedAt": when(shared, "share_time")}
                          if s.HasField("shared_context") else None),
        "refinementHint": ({"areaHint": text(hint.area_hint),
                            "guidanceType": text(hint.guidance_type),
                            "promptSeed": text(hint.prompt_seed)}
                           if s.HasField("refinement_hint") else None),
        "readyForStage3": s.ready_for_stage3,
        "messageCountSinceSharedContext": s.message_count_since_shared_context,
        "sharedContentDeliveryStatus": text(s.shared_content_delivery_status),
        "mySharedContext": text(s.my_shared_context),
        "mySharedAt": when(s, "my_share_time"),
        "myReconcilerResult": ({"gapSeverity": text(result.gap_severity),
                                "action": text(result.action),
                                "analyzedAt": when(result, "analyze_time"),
                                "gapSummary": text(result.gap_summary)}
                               if s.HasField("my_reconciler_result") else None),
        "partnerHasSubmittedEmpathy": s.partner_has_submitted_empathy,
        "partnerEmpathyHeldStatus": status(s.partner_empathy_held_status),
        "partnerEmpathySubmittedAt": when(s, "partner_empathy_submit_time"),
    }


def validated(resp: e.ValidateEmpathyResponse) -> Json:
    return {
        "validated": resp.validated,
        "validatedAt": when(resp, "validate_time"),
        "feedbackShared": resp.feedback_shared,
        "awaitingRevision": resp.awaiting_revision,
        "canAdvance": resp.can_advance,
        "partnerValidated": resp.partner_validated,
    }


def resubmitted(resp: e.ResubmitEmpathyResponse) -> Json:
    return {
        "status": status(resp.status),
        "message": resp.message,
        "empathyMessage": {**lane_message(resp.empathy_message), "deliveryStatus": "pending"},
        "transitionMessage": optional_message(resp, "transition_message"),
    }
