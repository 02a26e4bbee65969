"""SessionService RPCs of stage 2's empathy exchange, mixed into SessionServicer."""

from __future__ import annotations

import grpc

from mwf.v1 import empathy_pb2 as e
from mwf_core.bootstrap import Container

from . import convert, convert_empathy
from .handlers import unary
from .interceptors import require_user

Context = grpc.aio.ServicerContext


class EmpathyRpcs:
    _c: Container

    @unary
    async def SaveEmpathyDraft(self, request: e.SaveEmpathyDraftRequest, context: Context
                               ) -> e.SaveEmpathyDraftResponse:
        ready = request.ready_to_share if request.HasField("ready_to_share") else None
        saved = await self._c.empathy.save_draft(require_user(), request.session_id,
                                                 request.content, ready)
        return e.SaveEmpathyDraftResponse(draft_id=saved.draft_id,
                                          save_time=convert.timestamp(saved.saved_at),
                                          ready_to_share=saved.ready_to_share)

    @unary
    async def GetEmpathyDraft(self, request: e.GetEmpathyDraftRequest, context: Context
                              ) -> e.GetEmpathyDraftResponse:
        view = await self._c.empathy.get_draft(require_user(), request.session_id)
        return e.GetEmpathyDraftResponse(draft=convert_empathy.draft(view.draft),
                                         can_consent=view.can_consent,
                                         already_consented=view.already_consented)

    @unary
    async def ConsentToShareEmpathy(self, request: e.ConsentToShareEmpathyRequest,
                                    context: Context) -> e.ConsentToShareEmpathyResponse:
        result = await self._c.empathy.consent(require_user(), request.session_id,
                                               request.consent)
        return e.ConsentToShareEmpathyResponse(
            consented=result.consented,
            consent_time=convert.timestamp(result.consented_at),
            partner_consented=result.partner_consented,
            can_reveal=result.can_reveal,
            status=convert_empathy.status(result.status),
            empathy_message=convert_empathy.optional_message(result.empathy_message),
            transition_message=convert_empathy.optional_message(result.transition_message),
        )

    @unary
    async def GetPartnerEmpathy(self, request: e.GetPartnerEmpathyRequest, context: Context
                                ) -> e.GetPartnerEmpathyResponse:
        view = await self._c.empathy.partner_empathy(require_user(), request.session_id)
        return e.GetPartnerEmpathyResponse(
            attempt=convert_empathy.attempt(view.attempt),
            waiting_for_partner=view.waiting_for_partner,
            partner_status=convert_empathy.status(view.partner_status),
            validated=view.validated,
            validate_time=convert.timestamp(view.validated_at),
            awaiting_revision=view.awaiting_revision,
        )

    @unary
    async def GetEmpathyStatus(self, request: e.GetEmpathyStatusRequest, context: Context
                               ) -> e.GetEmpathyStatusResponse:
        view = await self._c.empathy.status(require_user(), request.session_id)
        return e.GetEmpathyStatusResponse(status=convert_empathy.exchange(view))

    @unary
    async def ValidateEmpathy(self, request: e.ValidateEmpathyRequest, context: Context
                              ) -> e.ValidateEmpathyResponse:
        result = await self._c.empathy.validate(require_user(), request.session_id,
                                                request.validated, request.feedback)
        return e.ValidateEmpathyResponse(
            validated=result.validated,
            validate_time=convert.timestamp(result.validated_at),
            feedback_shared=result.feedback_shared,
            awaiting_revision=result.awaiting_revision,
            can_advance=result.can_advance,
            partner_validated=result.partner_validated,
        )

    @unary
    async def ResubmitEmpathy(self, request: e.ResubmitEmpathyRequest, context: Context
                              ) -> e.ResubmitEmpathyResponse:
        result = await self._c.empathy.resubmit(require_user(), request.session_id,
                                                request.content)
        return e.ResubmitEmpathyResponse(
            status=convert_empathy.status(result.status),
            message=result.message,
            empathy_message=convert.message(result.empathy_message),
            transition_message=convert.message(result.transition_message),
        )

    @unary
    async def SkipEmpathyRefinement(self, request: e.SkipEmpathyRefinementRequest,
                                    context: Context) -> e.SkipEmpathyRefinementResponse:
        await self._c.empathy.skip_refinement(require_user(), request.session_id,
                                              request.willing_to_accept, request.reason)
        return e.SkipEmpathyRefinementResponse(success=True)

    @unary
    async def SaveValidationFeedbackDraft(
        self, request: e.SaveValidationFeedbackDraftRequest, context: Context
    ) -> e.SaveValidationFeedbackDraftResponse:
        draft_id, saved_at = await self._c.empathy.save_feedback_draft(
            require_user(), request.session_id, request.content, request.ready_to_share)
        return e.SaveValidationFeedbackDraftResponse(success=True, draft_id=draft_id,
                                                     save_time=convert.timestamp(saved_at))
