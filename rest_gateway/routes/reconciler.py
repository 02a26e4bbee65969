"""The reconciler's share offers and status (partner-journey.md §3.6), plus the older
`/empathy/share-suggestion` aliases of the share offer (§3.5)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mwf.v1 import reconciler_pb2 as r
from rest_gateway.convert import when
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id

_ACTIONS = {"accept": r.SHARE_OFFER_ACTION_ACCEPT, "decline": r.SHARE_OFFER_ACTION_DECLINE,
            "refine": r.SHARE_OFFER_ACTION_REFINE}
_RECOMMENDED = {r.RECONCILER_ACTION_PROCEED: "PROCEED",
                r.RECONCILER_ACTION_OFFER_OPTIONAL: "OFFER_OPTIONAL",
                r.RECONCILER_ACTION_OFFER_SHARING: "OFFER_SHARING"}
SHARED_CONTENT_MAX = 2000


async def _offer(request: web.Request) -> r.GetShareOfferResponse:
    message = r.GetShareOfferRequest(session_id=path_id(request))
    return await call(request, stub(request).GetShareOffer, message)


async def get_share_offer(request: web.Request) -> web.Response:
    resp = await _offer(request)
    if not resp.has_suggestion:
        return ok({"hasSuggestion": False, "suggestion": None})
    s = resp.suggestion
    return ok({"hasSuggestion": True, "suggestion": {
        "offerId": s.offer_id,
        "guesserName": s.guesser_name,
        "suggestedShareFocus": s.suggested_share_focus if s.HasField("suggested_share_focus")
        else None,
        "suggestedContent": s.suggested_content,
        "reason": s.reason,
        "canRefine": s.can_refine,
        "action": _RECOMMENDED.get(s.action),
    }})


async def _respond(request: web.Request) -> r.RespondToShareOfferResponse:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    action = fields.choice("action", tuple(_ACTIONS), required=True)
    refined = fields.string("refinedContent", min_len=1, max_len=SHARED_CONTENT_MAX,
                            not_blank=True)
    if action == "refine" and refined is None and "refinedContent" not in fields.errors:
        fields.fail("refinedContent", "Required when action is refine")
    fields.check()
    message = r.RespondToShareOfferRequest(session_id=session_id,
                                           action=_ACTIONS[action or "accept"])
    if refined is not None:
        message.refined_content = refined
    return await call(request, stub(request).RespondToShareOffer, message)


def _shared(resp: Any) -> str | None:
    return resp.shared_content if resp.HasField("shared_content") else None


async def respond_to_share_offer(request: web.Request) -> web.Response:
    resp = await _respond(request)
    return ok({"status": resp.status, "sharedContent": _shared(resp),
               "guesserUpdated": resp.guesser_updated})


async def skip_share_offer(request: web.Request) -> web.Response:
    message = r.SkipShareOfferRequest(session_id=path_id(request))
    resp = await call(request, stub(request).SkipShareOffer, message)
    return ok({"status": resp.status, "message": resp.message})


def _direction(d: r.ReconcilerDirection) -> dict[str, Any]:
    return {
        "guesserId": d.guesser_id or None,
        "subjectId": d.subject_id or None,
        "hasResult": d.has_result,
        "recommendedAction": _RECOMMENDED.get(d.recommended_action),
        "gapSeverity": d.gap_severity if d.HasField("gap_severity") else None,
        "attemptStatus": d.attempt_status or None,
        "analyzedAt": when(d, "analyze_time"),
    }


async def get_status(request: web.Request) -> web.Response:
    message = r.GetReconcilerStatusRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetReconcilerStatus, message)
    return ok({
        "sessionId": resp.session_id,
        "hasRun": resp.has_run,
        "aUnderstandingB": _direction(resp.a_understanding_b),
        "bUnderstandingA": _direction(resp.b_understanding_a),
        "pendingShareOffers": resp.pending_share_offers,
        "readyForStage3": resp.ready_for_stage3,
    })


async def get_summary(request: web.Request) -> web.Response:
    message = r.GetReconcilerSummaryRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetReconcilerSummary, message)
    return ok({"summary": resp.summary, "readyForNextStage": resp.ready_for_next_stage})


async def get_share_suggestion(request: web.Request) -> web.Response:
    """The older shape of the same offer."""
    resp = await _offer(request)
    if not resp.has_suggestion:
        return ok({"hasSuggestion": False, "suggestion": None})
    s = resp.suggestion
    return ok({"hasSuggestion": True, "suggestion": {
        "guesserName": s.guesser_name, "suggestedContent": s.suggested_content,
        "reason": s.reason, "canRefine": s.can_refine}})


async def respond_to_share_suggestion(request: web.Request) -> web.Response:
    resp = await _respond(request)
    return ok({"success": True, "status": resp.status, "sharedContent": _shared(resp)})


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/reconciler/share-offer", get_share_offer),
    ("POST", "/sessions/{id}/reconciler/share-offer/respond", respond_to_share_offer),
    ("POST", "/sessions/{id}/reconciler/share-offer/skip", skip_share_offer),
    ("GET", "/sessions/{id}/reconciler/status", get_status),
    ("GET", "/sessions/{id}/reconciler/summary", get_summary),
    ("GET", "/sessions/{id}/empathy/share-suggestion", get_share_suggestion),
    ("POST", "/sessions/{id}/empathy/share-suggestion/respond", respond_to_share_suggestion),
)
