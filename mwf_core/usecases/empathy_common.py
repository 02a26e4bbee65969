"""Small pieces the empathy flows share: saving a status move, names, the exchange status and
the stage-2 guard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyEvent, move
from mwf_core.domain.enums import Stage
from mwf_core.domain.errors import ConcurrencyConflict, field_error
from mwf_core.domain.privacy import display_name
from mwf_core.ports.repositories import UnitOfWork

from .empathy_status import ExchangeView, load_view, view_payload
from .empathy_texts import PARTNER_FALLBACK_NAME
from .guards import require_stage
from .messages import require_chat
from .reconciler_status import fill_exchange_view
from .session_view import SessionContext


async def save_move(
    uow: UnitOfWork, attempt: EmpathyAttempt, event: EmpathyEvent, now: datetime
) -> None:
    """One state-machine move, saved compare-and-set: a lost race retries the transaction."""
    expected = attempt.status_version
    move(attempt, event, now)
    if not await uow.empathy_attempts.update(attempt, expected):
        raise ConcurrencyConflict("empathy attempt changed concurrently")


def name_for(context: SessionContext, reader_id: str) -> str:
    """How `reader_id` knows the other member (their nickname for them, else first name)."""
    if reader_id == context.viewer.id:
        name = display_name(context.partner, context.me)
    else:
        name = display_name(context.viewer, context.partner_member)
    return name or PARTNER_FALLBACK_NAME


async def exchange_view(
    uow: UnitOfWork, context: SessionContext, viewer_id: str
) -> ExchangeView:
    """The whole EmpathyExchangeStatus of `viewer_id`: the attempts' part built here, the
    reconciler's part (shared context, hint, own result) filled by its module."""
    view = await load_view(uow, context.session.id, context.progress, viewer_id,
                           context.other_of(viewer_id))
    await fill_exchange_view(uow, context.session.id, viewer_id, view)
    return view


async def status_for(uow: UnitOfWork, context: SessionContext, viewer_id: str) -> dict[str, Any]:
    """The EmpathyExchangeStatus payload as `viewer_id` may see it (for their own channel)."""
    return view_payload(await exchange_view(uow, context, viewer_id))


def require_stage2(context: SessionContext, action: str) -> None:
    require_chat(context)
    require_stage(context, context.viewer.id, Stage.PERSPECTIVE_STRETCH, action)


def check_text(field: str, value: str, maximum: int) -> str:
    if not value.strip():
        raise field_error(field, f"{field} must contain at least 1 character")
    if len(value) > maximum:
        raise field_error(field, f"{field} must be at most {maximum} characters")
    return value
