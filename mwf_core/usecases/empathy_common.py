"""Small pieces the empathy flows share: saving a status move, names, lane messages, events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyEvent, move
from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.domain.errors import ConcurrencyConflict, ValidationFailed, field_error
from mwf_core.domain.privacy import display_name
from mwf_core.domain.records import Message
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .empathy_status import ExchangeView, load_view, view_payload
from .empathy_texts import PARTNER_FALLBACK_NAME
from .messages import require_chat
from .reconciler_status import fill_exchange_view
from .runtime import Dependencies, new_event
from .session_view import SessionContext


async def save_move(
    uow: UnitOfWork, attempt: EmpathyAttempt, event: EmpathyEvent, now: datetime
) -> None:
    """One state-machine move, saved compare-and-set: a lost race retries the transaction."""
    expected = attempt.status_version
    move(attempt, event, now)
    if not await uow.empathy_attempts.update(attempt, expected):
        raise ConcurrencyConflict("empathy attempt changed concurrently")


async def save_attempt(uow: UnitOfWork, attempt: EmpathyAttempt, expected: int) -> None:
    if not await uow.empathy_attempts.update(attempt, expected):
        raise ConcurrencyConflict("empathy attempt changed concurrently")


def member_ids(context: SessionContext) -> list[str]:
    ids = [context.viewer.id]
    if context.partner is not None:
        ids.append(context.partner.id)
    return ids


def other_of(context: SessionContext, user_id: str | None) -> str | None:
    return next((uid for uid in member_ids(context) if uid != user_id), None)


def name_for(context: SessionContext, reader_id: str) -> str:
    """How `reader_id` knows the other member (their nickname for them, else first name)."""
    if reader_id == context.viewer.id:
        name = display_name(context.partner, context.me)
    else:
        name = display_name(context.viewer, context.partner_member)
    return name or PARTNER_FALLBACK_NAME


async def lane_message(
    uow: UnitOfWork, deps: Dependencies, session_id: str, lane_owner: str, role: MessageRole,
    content: str, at: datetime, *, sender_id: str | None = None,
    stage: int = Stage.PERSPECTIVE_STRETCH,
) -> Message:
    message = Message(id=deps.ids.new_id(), session_id=session_id, sender_id=sender_id,
                      for_user_id=lane_owner, role=role, content=content, stage=stage,
                      timestamp=at)
    await uow.messages.add(message)
    return message


async def exchange_view(
    uow: UnitOfWork, context: SessionContext, viewer_id: str
) -> ExchangeView:
    """The whole EmpathyExchangeStatus of `viewer_id`: the attempts' part built here, the
    reconciler's part (shared context, hint, own result) filled by its module."""
    view = await load_view(uow, context.session.id, context.progress, viewer_id,
                           other_of(context, viewer_id))
    await fill_exchange_view(uow, context.session.id, viewer_id, view)
    return view


async def status_for(uow: UnitOfWork, context: SessionContext, viewer_id: str) -> dict[str, Any]:
    """The EmpathyExchangeStatus payload as `viewer_id` may see it (for their own channel)."""
    return view_payload(await exchange_view(uow, context, viewer_id))


def message_payload(message: Message) -> dict[str, Any]:
    """A lane message as the original's MessageDTO (for `message.ai_response`)."""
    return {"id": message.id, "sessionId": message.session_id, "senderId": message.sender_id,
            "forUserId": message.for_user_id, "role": message.role.value,
            "content": message.content, "stage": message.stage,
            "timestamp": js_iso(message.timestamp)}


async def emit(uow: UnitOfWork, deps: Dependencies, channel: str, name: str, session_id: str,
               payload: dict[str, Any]) -> None:
    await uow.outbox.add(new_event(deps, channel, name, session_id, payload))


def to_user(user_id: str) -> str:
    return events.user_channel(user_id)


def stage_of(context: SessionContext, user_id: str) -> int:
    current = context.current(user_id)
    return current.stage if current else 0


def require_stage2(context: SessionContext, action: str) -> None:
    require_chat(context)
    stage = stage_of(context, context.viewer.id)
    if stage != Stage.PERSPECTIVE_STRETCH:
        raise ValidationFailed(
            f"Cannot {action}: you are in stage {stage}, but stage 2 is required")


def check_text(field: str, value: str, maximum: int) -> str:
    if not value.strip():
        raise field_error(field, f"{field} must contain at least 1 character")
    if len(value) > maximum:
        raise field_error(field, f"{field} must be at most {maximum} characters")
    return value
