"""SessionService RPCs of stage 3: needs, confirmation, consent and the reveal."""

from __future__ import annotations

import grpc

from mwf.v1 import needs_pb2
from mwf_core.bootstrap import Container
from mwf_core.domain.needs import need_status
from mwf_core.domain.needs_edits import EditOperation
from mwf_core.domain.records import IdentifiedNeed
from mwf_core.usecases.needs import Adjustment, NeedInput

from . import convert
from .handlers import unary
from .interceptors import require_user

Context = grpc.aio.ServicerContext


def need_message(need: IdentifiedNeed) -> needs_pb2.IdentifiedNeed:
    out = needs_pb2.IdentifiedNeed(
        id=need.id, need=need.need,
        category=convert.to_pb_enum(needs_pb2.NeedCategory, "NEED_CATEGORY_", need.category),
        evidence=list(need.evidence), confirmed=need.confirmed,
        lock_time=convert.timestamp(need.locked_at),
        delete_time=convert.timestamp(need.deleted_at),
        superseded_by_need_id=need.superseded_by_need_id or "",
        status=convert.to_pb_enum(needs_pb2.NeedStatus, "NEED_STATUS_", need_status(need)),
        create_time=convert.timestamp(need.created_at),
    )
    if need.ai_confidence is not None:
        out.ai_confidence = need.ai_confidence
    return out


def _input(item: needs_pb2.NeedInput) -> NeedInput:
    return NeedInput(need=item.need, category=_category_name(item.category),
                     description=item.description, evidence=list(item.evidence))


def _category_name(value: int) -> str:
    return convert.from_pb_enum(needs_pb2.NeedCategory, "NEED_CATEGORY_", value) or ""


def _operation(op: needs_pb2.NeedEditOperation) -> EditOperation:
    kind = convert.from_pb_enum(needs_pb2.NeedEditType, "NEED_EDIT_TYPE_", op.type) or ""
    return EditOperation(kind.lower(), op.need_id, op.need, _category_name(op.category))


def _operation_message(op: EditOperation) -> needs_pb2.NeedEditOperation:
    return needs_pb2.NeedEditOperation(
        type=convert.to_pb_enum(needs_pb2.NeedEditType, "NEED_EDIT_TYPE_", op.type),
        need_id=op.need_id, need=op.need,
        category=convert.to_pb_enum(needs_pb2.NeedCategory, "NEED_CATEGORY_", op.category))


class NeedsRpcs:
    _c: Container

    @unary
    async def ListNeeds(self, request: needs_pb2.ListNeedsRequest, context: Context
                        ) -> needs_pb2.ListNeedsResponse:
        listed = await self._c.needs.list(require_user(), request.session_id)
        return needs_pb2.ListNeedsResponse(
            needs=[need_message(n) for n in listed.needs],
            synthesize_time=convert.timestamp(listed.synthesized_at))

    @unary
    async def CaptureNeeds(self, request: needs_pb2.CaptureNeedsRequest, context: Context
                           ) -> needs_pb2.CaptureNeedsResponse:
        captured = await self._c.needs.capture(require_user(), request.session_id,
                                               [_input(n) for n in request.needs])
        return needs_pb2.CaptureNeedsResponse(
            needs=[need_message(n) for n in captured.needs],
            capture_time=convert.timestamp(captured.captured_at))

    @unary
    async def AddNeed(self, request: needs_pb2.AddNeedRequest, context: Context
                      ) -> needs_pb2.AddNeedResponse:
        need = await self._c.needs.add_custom(require_user(), request.session_id,
                                              _input(request.need))
        return needs_pb2.AddNeedResponse(need=need_message(need))

    @unary
    async def DeleteNeed(self, request: needs_pb2.DeleteNeedRequest, context: Context
                         ) -> needs_pb2.DeleteNeedResponse:
        deleted = await self._c.needs.delete(require_user(), request.session_id,
                                             request.need_id)
        return needs_pb2.DeleteNeedResponse(need_id=deleted.need_id,
                                            delete_time=convert.timestamp(deleted.deleted_at))

    @unary
    async def ConfirmNeeds(self, request: needs_pb2.ConfirmNeedsRequest, context: Context
                           ) -> needs_pb2.ConfirmNeedsResponse:
        result = await self._c.needs.confirm(
            require_user(), request.session_id, list(request.need_ids),
            [Adjustment(a.need_id, a.confirmed, a.correction) for a in request.adjustments])
        return needs_pb2.ConfirmNeedsResponse(
            confirmed=result.confirmed, confirm_time=convert.timestamp(result.confirmed_at),
            partner_confirmed=result.partner_confirmed, can_advance=result.can_advance)

    @unary
    async def ConsentToShareNeeds(self, request: needs_pb2.ConsentToShareNeedsRequest,
                                  context: Context) -> needs_pb2.ConsentToShareNeedsResponse:
        result = await self._c.needs.consent(require_user(), request.session_id,
                                             list(request.need_ids))
        return needs_pb2.ConsentToShareNeedsResponse(
            consented=result.consented, share_time=convert.timestamp(result.shared_at),
            waiting_for_partner=result.waiting_for_partner,
            needs_reveal_ready=result.needs_reveal_ready,
            advanced_to_stage4=result.advanced_to_stage4)

    @unary
    async def GetNeedsComparison(self, request: needs_pb2.GetNeedsComparisonRequest,
                                 context: Context) -> needs_pb2.GetNeedsComparisonResponse:
        c = await self._c.needs.comparison(require_user(), request.session_id)
        return needs_pb2.GetNeedsComparisonResponse(
            my_needs=[need_message(n) for n in c.my_needs],
            partner_needs=[need_message(n) for n in c.partner_needs],
            my_validated=c.my_validated, partner_validated=c.partner_validated,
            can_advance=c.can_advance, analysis_complete=c.analysis_complete,
            no_overlap=c.no_overlap)

    @unary
    async def ValidateNeeds(self, request: needs_pb2.ValidateNeedsRequest, context: Context
                            ) -> needs_pb2.ValidateNeedsResponse:
        result = await self._c.needs.validate(require_user(), request.session_id,
                                              request.validated)
        return needs_pb2.ValidateNeedsResponse(
            validated=result.validated, validate_time=convert.timestamp(result.validated_at),
            partner_validated=result.partner_validated, can_advance=result.can_advance)


    @unary
    async def InterpretNeedEdit(self, request: needs_pb2.InterpretNeedEditRequest,
                                context: Context) -> needs_pb2.InterpretNeedEditResponse:
        plan = await self._c.needs.interpret_edit(require_user(), request.session_id,
                                                  request.request, request.target_need_id)
        return needs_pb2.InterpretNeedEditResponse(
            operations=[_operation_message(op) for op in plan.operations],
            fallback=plan.fallback)

    @unary
    async def ApplyNeedEdits(self, request: needs_pb2.ApplyNeedEditsRequest, context: Context
                             ) -> needs_pb2.ApplyNeedEditsResponse:
        applied = await self._c.needs.apply_edits(require_user(), request.session_id,
                                                  [_operation(op) for op in request.operations])
        return needs_pb2.ApplyNeedEditsResponse(
            applied_count=applied.applied, needs=[need_message(n) for n in applied.needs])
