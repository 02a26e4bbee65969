"""SessionService RPCs around the stages: consent, exercises, pending actions, badge count,
timeline, read state and the generic stage advance (mixed into SessionServicer)."""

from __future__ import annotations

import grpc

from mwf.v1 import journey_pb2 as pb
from mwf_core.bootstrap import Container
from mwf_core.domain.consent import ConsentedContent, ExerciseCompletion
from mwf_core.domain.records import ConsentRecord
from mwf_core.usecases.journey_timeline import ChatItem

from . import convert
from .handlers import unary
from .interceptors import require_user

Context = grpc.aio.ServicerContext


def _record(record: ConsentRecord) -> pb.ConsentRecordView:
    return pb.ConsentRecordView(
        id=record.id,
        content_type=record.target_type.value,
        target_id=record.target_id or "",
        decision=record.decision.value if record.decision else "",
        create_time=convert.timestamp(record.created_at),
        decide_time=convert.timestamp(record.decided_at),
        revoke_time=convert.timestamp(record.revoked_at),
        metadata=convert.struct(record.metadata or {}),
    )


def _content(content: ConsentedContent) -> pb.ConsentedContentView:
    return pb.ConsentedContentView(
        id=content.id, consent_record_id=content.consent_record_id,
        content=content.transformed_content,
        consent_time=convert.timestamp(content.consented_at),
        consent_active=content.consent_active,
    )


def _completion(completion: ExerciseCompletion) -> pb.ExerciseCompletion:
    message = pb.ExerciseCompletion(id=completion.id, type=completion.type.value,
                                    complete_time=convert.timestamp(completion.completed_at))
    if completion.intensity_delta is not None:
        message.intensity_delta = completion.intensity_delta
    return message


def _item(item: ChatItem) -> pb.ChatItem:
    message = pb.ChatItem(id=item.id, type=item.type, time=convert.timestamp(item.at),
                          content=item.content, indicator_type=item.indicator_type,
                          stage=convert.stage(item.stage))
    if item.intensity is not None:
        message.intensity = item.intensity
    if item.previous_intensity is not None:
        message.previous_intensity = item.previous_intensity
    return message


class JourneyRpcs:
    _c: Container

    @unary
    async def ListPendingConsents(self, request: pb.ListPendingConsentsRequest,
                                  context: Context) -> pb.ListPendingConsentsResponse:
        records = await self._c.journey.consent.pending(require_user(), request.session_id)
        return pb.ListPendingConsentsResponse(pending_requests=[_record(r) for r in records])

    @unary
    async def DecideConsent(self, request: pb.DecideConsentRequest, context: Context
                            ) -> pb.DecideConsentResponse:
        edited = request.edited_content if request.HasField("edited_content") else None
        decided = await self._c.journey.consent.decide(
            require_user(), request.session_id, request.consent_request_id, request.decision,
            edited)
        response = pb.DecideConsentResponse(recorded=True,
                                            consent_record=_record(decided.record))
        if decided.shared is not None:
            response.shared_content.CopyFrom(_content(decided.shared))
        return response

    @unary
    async def RevokeConsent(self, request: pb.RevokeConsentRequest, context: Context
                            ) -> pb.RevokeConsentResponse:
        record = await self._c.journey.consent.revoke(require_user(), request.session_id,
                                                      request.consent_record_id)
        return pb.RevokeConsentResponse(revoked=True,
                                        revoke_time=convert.timestamp(record.revoked_at))

    @unary
    async def ListConsentHistory(self, request: pb.ListConsentHistoryRequest,
                                 context: Context) -> pb.ListConsentHistoryResponse:
        records = await self._c.journey.consent.history(require_user(), request.session_id)
        return pb.ListConsentHistoryResponse(records=[_record(r) for r in records])

    @unary
    async def CompleteExercise(self, request: pb.CompleteExerciseRequest, context: Context
                               ) -> pb.CompleteExerciseResponse:
        completion = await self._c.journey.complete_exercise(
            require_user(), request.session_id, request.type,
            request.intensity_before if request.HasField("intensity_before") else None,
            request.intensity_after if request.HasField("intensity_after") else None,
        )
        return pb.CompleteExerciseResponse(logged=True, completion=_completion(completion))

    @unary
    async def GetPendingActions(self, request: pb.GetPendingActionsRequest, context: Context
                                ) -> pb.GetPendingActionsResponse:
        pending = await self._c.journey.pending_actions(require_user(), request.session_id)
        return pb.GetPendingActionsResponse(
            actions=[pb.PendingAction(type=a.type, id=a.id, data=convert.struct(a.data))
                     for a in pending.actions],
            sent_tab_updates=pending.sent_tab_updates,
        )

    @unary
    async def GetBadgeCount(self, request: pb.GetBadgeCountRequest, context: Context
                            ) -> pb.GetBadgeCountResponse:
        badge = await self._c.journey.badge_count(require_user())
        return pb.GetBadgeCountResponse(count=badge.count, by_session=badge.by_session)

    @unary
    async def ListTimeline(self, request: pb.ListTimelineRequest, context: Context
                           ) -> pb.ListTimelineResponse:
        before = convert.datetime_of(request, "before")
        page = await self._c.journey.timeline(require_user(), request.session_id, before,
                                              request.page_size)
        return pb.ListTimelineResponse(items=[_item(i) for i in page.items],
                                       has_more=page.has_more)

    @unary
    async def MarkSessionViewed(self, request: pb.MarkSessionViewedRequest, context: Context
                                ) -> pb.MarkSessionViewedResponse:
        viewed = await self._c.journey.mark_viewed(require_user(), request.session_id,
                                                   request.last_seen_chat_item_id)
        return pb.MarkSessionViewedResponse(
            success=True, last_view_time=convert.timestamp(viewed.viewed_at),
            last_seen_chat_item_id=viewed.last_seen_chat_item_id or "")

    @unary
    async def MarkShareTabViewed(self, request: pb.MarkShareTabViewedRequest,
                                 context: Context) -> pb.MarkShareTabViewedResponse:
        at = await self._c.journey.mark_share_tab_viewed(require_user(), request.session_id)
        return pb.MarkShareTabViewedResponse(success=True,
                                             last_share_tab_view_time=convert.timestamp(at))

    @unary
    async def AdvanceStage(self, request: pb.AdvanceStageRequest, context: Context
                           ) -> pb.AdvanceStageResponse:
        result = await self._c.journey.advance_stage(require_user(), request.session_id)
        return pb.AdvanceStageResponse(
            advanced=result.advanced,
            new_stage=convert.stage(result.new_stage),
            new_status=convert.stage_status(result.new_status),
            advance_time=convert.timestamp(result.advanced_at),
            blocked_reason=result.blocked_reason.value if result.blocked_reason else "",
            unsatisfied_gates=list(result.unsatisfied_gates),
        )
