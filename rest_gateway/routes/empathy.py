"""Stage 2: the empathy exchange (partner-journey.md §3.5)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import empathy_pb2 as e
from rest_gateway import shapes_empathy as shapes
from rest_gateway.convert import when
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id

DRAFT_MAX = 2000
FEEDBACK_MAX = 500
REASON_MAX = 500


async def save_draft(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    content = fields.string("content", required=True, min_len=1, max_len=DRAFT_MAX,
                            not_blank=True)
    ready = fields.boolean("readyToShare", required=False)
    fields.check()
    message = e.SaveEmpathyDraftRequest(session_id=session_id, content=content or "")
    if ready is not None:
        message.ready_to_share = ready
    resp = await call(request, stub(request).SaveEmpathyDraft, message)
    return ok(shapes.draft_saved(resp))


async def get_draft(request: web.Request) -> web.Response:
    message = e.GetEmpathyDraftRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetEmpathyDraft, message)
    return ok(shapes.draft(resp))


async def consent(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    # A missing `consent` must not reach the server as proto3's default false.
    given = fields.boolean("consent", required=True)
    fields.check()
    message = e.ConsentToShareEmpathyRequest(session_id=session_id, consent=bool(given))
    resp = await call(request, stub(request).ConsentToShareEmpathy, message)
    return ok(shapes.consented(resp))


async def get_partner(request: web.Request) -> web.Response:
    message = e.GetPartnerEmpathyRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetPartnerEmpathy, message)
    return ok(shapes.partner_empathy(resp))


async def get_status(request: web.Request) -> web.Response:
    message = e.GetEmpathyStatusRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetEmpathyStatus, message)
    return ok(shapes.exchange(resp.status))


async def validate(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    answer = fields.boolean("validated", required=True)
    feedback = fields.string("feedback", required=answer is False, min_len=1,
                             max_len=FEEDBACK_MAX, not_blank=True)
    fields.check()
    message = e.ValidateEmpathyRequest(session_id=session_id, validated=bool(answer),
                                       feedback=feedback or "")
    resp = await call(request, stub(request).ValidateEmpathy, message)
    return ok(shapes.validated(resp))


async def resubmit(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    content = fields.string("content", required=True, min_len=1, max_len=DRAFT_MAX,
                            not_blank=True)
    fields.check()
    message = e.ResubmitEmpathyRequest(session_id=session_id, content=content or "")
    resp = await call(request, stub(request).ResubmitEmpathy, message)
    return ok(shapes.resubmitted(resp))


async def skip_refinement(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    willing = fields.boolean("willingToAccept", required=True)
    reason = fields.string("reason", max_len=REASON_MAX)
    fields.check()
    message = e.SkipEmpathyRefinementRequest(session_id=session_id,
                                             willing_to_accept=bool(willing),
                                             reason=reason or "")
    resp = await call(request, stub(request).SkipEmpathyRefinement, message)
    return ok({"success": resp.success})


async def save_feedback_draft(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    content = fields.string("content", required=True, min_len=1, max_len=FEEDBACK_MAX,
                            not_blank=True)
    ready = fields.boolean("readyToShare", required=True)
    fields.check()
    message = e.SaveValidationFeedbackDraftRequest(session_id=session_id, content=content or "",
                                                   ready_to_share=bool(ready))
    resp = await call(request, stub(request).SaveValidationFeedbackDraft, message)
    return ok({"success": resp.success, "draftId": resp.draft_id,
               "savedAt": when(resp, "save_time")})


ROUTES: tuple[Route, ...] = (
    ("POST", "/sessions/{id}/empathy/draft", save_draft),
    ("GET", "/sessions/{id}/empathy/draft", get_draft),
    ("POST", "/sessions/{id}/empathy/consent", consent),
    ("GET", "/sessions/{id}/empathy/partner", get_partner),
    ("GET", "/sessions/{id}/empathy/status", get_status),
    ("POST", "/sessions/{id}/empathy/validate", validate),
    ("POST", "/sessions/{id}/empathy/resubmit", resubmit),
    ("POST", "/sessions/{id}/empathy/skip-refinement", skip_refinement),
    ("POST", "/sessions/{id}/empathy/validation-feedback/draft", save_feedback_draft),
)
