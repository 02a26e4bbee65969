"""/sessions/:id/needs…: stage 3 needs, confirmation, consent and the reveal
(partner-journey.md §3.7).

The gateway checks JSON types and the §4 limits (field details as zod would give them); the
server checks every rule again.
"""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import needs_pb2 as pb
from rest_gateway.convert import Json, enum_name, enum_value, when
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id

CATEGORIES = ("SAFETY", "CONNECTION", "AUTONOMY", "RECOGNITION", "MEANING", "FAIRNESS")
CAPTURE_MAX = 50
NEED_TEXT_MAX = 500
DESCRIPTION_MAX = 500
EVIDENCE_MAX = 10
EVIDENCE_TEXT_MAX = 1000
CORRECTION_MAX = 500
NEED_IDS_MAX = 100
EDIT_REQUEST_MAX = 1000
EDIT_OPERATIONS_MAX = 20
EDIT_TYPES = ("add", "refine", "delete")


def need_json(n: pb.IdentifiedNeed) -> Json:
    status = enum_name(pb.NeedStatus, n.status, "NEED_STATUS_")
    return {
        "id": n.id,
        "need": n.need,
        "category": enum_name(pb.NeedCategory, n.category, "NEED_CATEGORY_"),
        "description": n.need,  # the original's DTO repeats the label here
        "evidence": list(n.evidence),
        "confirmed": n.confirmed,
        "lockedAt": when(n, "lock_time"),
        "deletedAt": when(n, "delete_time"),
        "supersededByNeedId": n.superseded_by_need_id or None,
        "status": status.lower() if status else None,
        "aiConfidence": n.ai_confidence if n.HasField("ai_confidence") else None,
        "createdAt": when(n, "create_time"),
    }


def _comparison_item(n: pb.IdentifiedNeed) -> Json:
    return {"id": n.id, "category": enum_name(pb.NeedCategory, n.category, "NEED_CATEGORY_"),
            "need": n.need, "confirmed": n.confirmed}


def _need_ids(fields: Fields) -> list[str]:
    return fields.id_list("needIds", max_items=NEED_IDS_MAX)


def _need_input(sub: Fields) -> pb.NeedInput | None:
    need = sub.string("need", required=True, min_len=1, max_len=NEED_TEXT_MAX, not_blank=True)
    category = sub.choice("category", CATEGORIES, required=True)
    description = sub.string("description", max_len=DESCRIPTION_MAX)
    texts = sub.list_of(
        "evidence", lambda quotes, key: quotes.string(key, required=True,
                                                      max_len=EVIDENCE_TEXT_MAX),
        required=False, max_items=EVIDENCE_MAX)
    if sub.errors:
        return None
    return pb.NeedInput(need=need or "",
                        category=enum_value(pb.NeedCategory, "NEED_CATEGORY_", category),
                        description=description or "", evidence=texts)


def _adjustment(sub: Fields) -> pb.NeedAdjustment | None:
    need_id = sub.id("needId", required=True)
    confirmed = sub.boolean("confirmed", required=True)
    correction = sub.string("correction", max_len=CORRECTION_MAX)
    if sub.errors:
        return None
    return pb.NeedAdjustment(need_id=need_id or "", confirmed=bool(confirmed),
                             correction=correction or "")


def _edit_operation(sub: Fields) -> pb.NeedEditOperation | None:
    kind = sub.choice("type", EDIT_TYPES, required=True)
    need_id = sub.id("needId", required=kind in ("refine", "delete"))
    need = sub.string("need", required=kind in ("add", "refine"), min_len=1,
                      max_len=NEED_TEXT_MAX, not_blank=True)
    category = sub.choice("category", CATEGORIES, required=kind == "add")
    if sub.errors or kind is None:
        return None
    return pb.NeedEditOperation(type=enum_value(pb.NeedEditType, "NEED_EDIT_TYPE_", kind.upper()),
                                need_id=need_id or "", need=need or "",
                                category=enum_value(pb.NeedCategory, "NEED_CATEGORY_", category))


async def list_needs(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).ListNeeds,
                      pb.ListNeedsRequest(session_id=path_id(request)))
    return ok({"needs": [need_json(n) for n in resp.needs], "extracting": False,
               "synthesizedAt": when(resp, "synthesize_time")})


async def capture_needs(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    needs = fields.objects("needs", _need_input, required=True, min_items=1,
                           max_items=CAPTURE_MAX)
    fields.check()
    resp = await call(request, stub(request).CaptureNeeds, pb.CaptureNeedsRequest(
        session_id=session_id, needs=needs))
    return ok({"needs": [need_json(n) for n in resp.needs],
               "capturedAt": when(resp, "capture_time")}, status=201)


async def add_need(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    need = _need_input(fields)
    fields.check()
    resp = await call(request, stub(request).AddNeed,
                      pb.AddNeedRequest(session_id=session_id, need=need))
    return ok({"need": need_json(resp.need)})


async def delete_need(request: web.Request) -> web.Response:
    session_id, need_id = path_id(request), path_id(request, "needId")
    resp = await call(request, stub(request).DeleteNeed,
                      pb.DeleteNeedRequest(session_id=session_id, need_id=need_id))
    return ok({"deleted": True, "needId": resp.need_id,
               "deletedAt": when(resp, "delete_time")})


async def confirm_needs(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    need_ids = _need_ids(fields)
    adjustments = fields.objects("adjustments", _adjustment, required=False,
                                 max_items=NEED_IDS_MAX)
    fields.check()
    resp = await call(request, stub(request).ConfirmNeeds, pb.ConfirmNeedsRequest(
        session_id=session_id, need_ids=need_ids, adjustments=adjustments))
    return ok({"confirmed": resp.confirmed, "confirmedAt": when(resp, "confirm_time"),
               "partnerConfirmed": resp.partner_confirmed, "canAdvance": resp.can_advance})


async def consent_needs(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    need_ids = _need_ids(fields)
    fields.check()
    resp = await call(request, stub(request).ConsentToShareNeeds,
                      pb.ConsentToShareNeedsRequest(session_id=session_id, need_ids=need_ids))
    return ok({"consented": resp.consented, "sharedAt": when(resp, "share_time"),
               "waitingForPartner": resp.waiting_for_partner,
               "needsRevealReady": resp.needs_reveal_ready,
               "advancedToStage4": resp.advanced_to_stage4})


async def needs_comparison(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).GetNeedsComparison,
                      pb.GetNeedsComparisonRequest(session_id=path_id(request)))
    return ok({"myNeeds": [_comparison_item(n) for n in resp.my_needs],
               "partnerNeeds": [_comparison_item(n) for n in resp.partner_needs],
               "myValidated": resp.my_validated, "partnerValidated": resp.partner_validated,
               "canAdvance": resp.can_advance, "commonGround": [],
               "analysisComplete": resp.analysis_complete, "noOverlap": resp.no_overlap})


async def validate_needs(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    validated = fields.boolean("validated")
    fields.check()
    resp = await call(request, stub(request).ValidateNeeds, pb.ValidateNeedsRequest(
        session_id=session_id, validated=True if validated is None else validated))
    return ok({"validated": resp.validated, "validatedAt": when(resp, "validate_time"),
               "partnerValidated": resp.partner_validated, "canAdvance": resp.can_advance})


def _operation_json(op: pb.NeedEditOperation) -> Json:
    kind = enum_name(pb.NeedEditType, op.type, "NEED_EDIT_TYPE_")
    return {"type": kind.lower() if kind else None, "needId": op.need_id or None,
            "need": op.need or None,
            "category": enum_name(pb.NeedCategory, op.category, "NEED_CATEGORY_")}


async def interpret_edit(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    text = fields.string("request", required=True, min_len=1, max_len=EDIT_REQUEST_MAX,
                         not_blank=True)
    target = fields.id("targetNeedId")
    fields.check()
    resp = await call(request, stub(request).InterpretNeedEdit, pb.InterpretNeedEditRequest(
        session_id=session_id, request=text or "", target_need_id=target or ""))
    return ok({"operations": [_operation_json(op) for op in resp.operations],
               "usedFallback": resp.fallback})


async def apply_edits(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    operations = fields.objects("operations", _edit_operation, required=True, min_items=1,
                                max_items=EDIT_OPERATIONS_MAX)
    fields.check()
    resp = await call(request, stub(request).ApplyNeedEdits, pb.ApplyNeedEditsRequest(
        session_id=session_id, operations=operations))
    return ok({"applied": resp.applied_count, "needs": [need_json(n) for n in resp.needs]})


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/needs", list_needs),
    ("POST", "/sessions/{id}/needs", add_need),
    ("POST", "/sessions/{id}/needs/capture", capture_needs),
    ("POST", "/sessions/{id}/needs/confirm", confirm_needs),
    ("POST", "/sessions/{id}/needs/consent", consent_needs),
    ("POST", "/sessions/{id}/needs/validate", validate_needs),
    ("POST", "/sessions/{id}/needs/interpret-edit-request", interpret_edit),
    ("POST", "/sessions/{id}/needs/apply-edits", apply_edits),
    ("GET", "/sessions/{id}/needs/comparison", needs_comparison),
    ("GET", "/sessions/{id}/needs/reveal", needs_comparison),
    ("DELETE", "/sessions/{id}/needs/{needId}", delete_need),
)
