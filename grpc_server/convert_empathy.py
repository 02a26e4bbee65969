"""Empathy-exchange views → protobuf messages. Pure mapping, no rules."""

from __future__ import annotations

from mwf.v1 import empathy_pb2 as e
from mwf.v1 import types_pb2
from mwf_core.domain.empathy import DeliveryStatus, EmpathyStatus
from mwf_core.domain.records import EmpathyDraft, Message
from mwf_core.usecases.empathy_status import AttemptView, ExchangeView

from .convert import message, timestamp, to_pb_enum


def status(value: EmpathyStatus | None) -> int:
    return to_pb_enum(e.EmpathyStatus, "EMPATHY_STATUS_", value)


def delivery(value: DeliveryStatus) -> int:
    return to_pb_enum(e.EmpathyDeliveryStatus, "EMPATHY_DELIVERY_STATUS_", value)


def attempt(view: AttemptView | None) -> e.EmpathyAttempt | None:
    if view is None:
        return None
    a = view.attempt
    return e.EmpathyAttempt(
        id=a.id,
        source_user_id=a.source_user_id or "",
        content=a.content,
        share_time=timestamp(a.shared_at),
        consent_record_id=a.consent_record_id or "",
        status=status(a.status),
        reveal_time=timestamp(a.revealed_at),
        validate_time=timestamp(view.validated_at),
        revision_count=a.revision_count,
        status_version=a.status_version,
        delivery_status=delivery(a.delivery_status),
    )


def draft(value: EmpathyDraft | None) -> e.EmpathyDraft | None:
    if value is None:
        return None
    return e.EmpathyDraft(id=value.id, content=value.content,
                          ready_to_share=value.ready_to_share, version=value.version,
                          update_time=timestamp(value.updated_at))


def optional_message(value: Message | None) -> types_pb2.Message | None:
    return message(value) if value is not None else None


def exchange(view: ExchangeView) -> e.EmpathyExchangeStatus:
    out = e.EmpathyExchangeStatus(
        my_attempt=attempt(view.my_attempt),
        partner_attempt=attempt(view.partner_attempt),
        partner_completed_stage1=view.partner_completed_stage1,
        analyzing=view.analyzing,
        awaiting_sharing=view.awaiting_sharing,
        has_new_shared_context=view.has_new_shared_context,
        has_unviewed_shared_context=view.has_unviewed_shared_context,
        ready_for_stage3=view.ready_for_stage3,
        message_count_since_shared_context=view.message_count_since_shared_context,
        shared_content_delivery_status=view.shared_content_delivery_status or "",
        my_shared_context=view.my_shared_context or "",
        my_share_time=timestamp(view.my_shared_at),
        partner_has_submitted_empathy=view.partner_has_submitted_empathy,
        partner_empathy_held_status=status(view.partner_empathy_held_status),
        partner_empathy_submit_time=timestamp(view.partner_empathy_submitted_at),
    )
    if view.shared_context is not None:
        out.shared_context.CopyFrom(e.EmpathySharedContext(
            content=view.shared_context.content,
            share_time=timestamp(view.shared_context.shared_at)))
    if view.refinement_hint is not None:
        hint = view.refinement_hint
        out.refinement_hint.CopyFrom(e.EmpathyRefinementHint(
            area_hint=hint.area_hint or "", guidance_type=hint.guidance_type or "",
            prompt_seed=hint.prompt_seed or ""))
    if view.my_reconciler_result is not None:
        r = view.my_reconciler_result
        out.my_reconciler_result.CopyFrom(e.EmpathyReconcilerSummary(
            gap_severity=r.gap_severity or "", action=r.action or "",
            analyze_time=timestamp(r.analyzed_at), gap_summary=r.gap_summary or ""))
    return out
