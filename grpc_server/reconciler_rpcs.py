"""SessionService RPCs of the reconciler and share offers, mixed into SessionServicer."""

from __future__ import annotations

import grpc

from mwf.v1 import reconciler_pb2 as r
from mwf_core.bootstrap import Container
from mwf_core.domain.reconciler import RecommendedAction
from mwf_core.usecases.reconciler_offers import DirectionView

from . import convert
from .handlers import unary
from .interceptors import require_user

Context = grpc.aio.ServicerContext

_ACTIONS = {
    RecommendedAction.PROCEED: r.RECONCILER_ACTION_PROCEED,
    RecommendedAction.OFFER_OPTIONAL: r.RECONCILER_ACTION_OFFER_OPTIONAL,
    RecommendedAction.OFFER_SHARING: r.RECONCILER_ACTION_OFFER_SHARING,
}
_ANSWERS = {
    r.SHARE_OFFER_ACTION_ACCEPT: "accept",
    r.SHARE_OFFER_ACTION_DECLINE: "decline",
    r.SHARE_OFFER_ACTION_REFINE: "refine",
}


def _direction(view: DirectionView) -> r.ReconcilerDirection:
    message = r.ReconcilerDirection(
        guesser_id=view.guesser_id, subject_id=view.subject_id, has_result=view.has_result,
        recommended_action=_ACTIONS.get(view.recommended_action,  # type: ignore[arg-type]
                                        r.RECONCILER_ACTION_UNSPECIFIED),
        attempt_status=view.attempt_status.value if view.attempt_status else "",
        analyze_time=convert.timestamp(view.analyzed_at),
    )
    if view.gap_severity is not None:
        message.gap_severity = view.gap_severity
    return message


class ReconcilerRpcs:
    _c: Container

    @unary
    async def GetShareOffer(self, request: r.GetShareOfferRequest, context: Context
                            ) -> r.GetShareOfferResponse:
        view = await self._c.reconciler.get_share_offer(require_user(), request.session_id)
        if view is None:
            return r.GetShareOfferResponse(has_suggestion=False)
        suggestion = r.ShareSuggestion(
            offer_id=view.offer_id, guesser_name=view.guesser_name,
            suggested_content=view.suggested_content, reason=view.reason,
            can_refine=view.can_refine, action=_ACTIONS[view.action],
        )
        if view.suggested_share_focus is not None:
            suggestion.suggested_share_focus = view.suggested_share_focus
        return r.GetShareOfferResponse(has_suggestion=True, suggestion=suggestion)

    @unary
    async def RespondToShareOffer(self, request: r.RespondToShareOfferRequest, context: Context
                                  ) -> r.RespondToShareOfferResponse:
        refined = request.refined_content if request.HasField("refined_content") else None
        result = await self._c.reconciler.respond_to_share_offer(
            require_user(), request.session_id, _ANSWERS.get(request.action, ""), refined)
        response = r.RespondToShareOfferResponse(status=result.status,
                                                 guesser_updated=result.guesser_updated)
        if result.shared_content is not None:
            response.shared_content = result.shared_content
        return response

    @unary
    async def SkipShareOffer(self, request: r.SkipShareOfferRequest, context: Context
                             ) -> r.SkipShareOfferResponse:
        result = await self._c.reconciler.skip_share_offer(require_user(), request.session_id)
        return r.SkipShareOfferResponse(status=result.status.upper(),
                                        message=self._c.reconciler.skip_message)

    @unary
    async def GetReconcilerStatus(self, request: r.GetReconcilerStatusRequest, context: Context
                                  ) -> r.GetReconcilerStatusResponse:
        view = await self._c.reconciler.status(require_user(), request.session_id)
        return r.GetReconcilerStatusResponse(
            session_id=view.session_id, has_run=view.has_run,
            a_understanding_b=_direction(view.mine), b_understanding_a=_direction(view.partners),
            pending_share_offers=view.pending_share_offers,
            ready_for_stage3=view.ready_for_stage3,
        )

    @unary
    async def GetReconcilerSummary(self, request: r.GetReconcilerSummaryRequest,
                                   context: Context) -> r.GetReconcilerSummaryResponse:
        text, ready = await self._c.reconciler.summary(require_user(), request.session_id)
        return r.GetReconcilerSummaryResponse(summary=text, ready_for_next_stage=ready)
