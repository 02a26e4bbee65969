"""Pieces shared by the stage-3 use cases (needs.py, needs_edits.py): the edit guard, adding a
need and the owner-only event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from mwf_core.domain import events
from mwf_core.domain.enums import NeedCategory, SessionStatus, Stage
from mwf_core.domain.errors import Forbidden, SessionNotActive, ValidationFailed
from mwf_core.domain.needs import SHARED_EDIT_REFUSAL
from mwf_core.domain.records import IdentifiedNeed, StageProgress, User
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, load_locked_context

T = TypeVar("T")
EditWork = Callable[[UnitOfWork, SessionContext, StageProgress], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class NeedInput:
    need: str
    category: str
    description: str = ""
    evidence: list[str] = field(default_factory=list)


def stage_of(context: SessionContext, user_id: str | None) -> int:
    row = context.current(user_id)
    return row.stage if row is not None else 0


def stage_refusal(context: SessionContext, action: str) -> ValidationFailed:
    return ValidationFailed(f"Cannot {action}: you are in stage "
                            f"{stage_of(context, context.viewer.id)}, but stage 3 is required")


def editable_row(context: SessionContext, action: str) -> StageProgress:
    """The caller's stage-3 row when they may change their needs: not shared (403 after),
    ACTIVE session, caller in stage 3."""
    row = context.row(context.viewer.id, Stage.NEED_MAPPING)
    if row is not None and row.gates_satisfied.get("needsShared"):
        raise Forbidden(SHARED_EDIT_REFUSAL)
    if context.session.status is not SessionStatus.ACTIVE:
        raise SessionNotActive("Session is not active")
    if row is None or stage_of(context, context.viewer.id) != Stage.NEED_MAPPING:
        raise stage_refusal(context, action)
    return row


async def run_edit(deps: Dependencies, actor: User, session_id: str, action: str,
                   work: EditWork[T]) -> T:
    """Run an edit of the caller's needs under the relationship lock (so it cannot race the
    caller's own consent)."""
    async def guarded(uow: UnitOfWork) -> T:
        context = await load_locked_context(uow, session_id, actor)
        return await work(uow, context, editable_row(context, action))

    return await in_transaction(deps.uow, guarded)


async def add_need(uow: UnitOfWork, deps: Dependencies, context: SessionContext,
                   item: NeedInput, now: datetime) -> IdentifiedNeed:
    assert context.my_vessel is not None
    need = IdentifiedNeed(id=deps.ids.new_id(), vessel_id=context.my_vessel.id,
                          need=item.need.strip(), category=NeedCategory(item.category),
                          evidence=list(item.evidence), confirmed=False, created_at=now)
    await uow.needs.add(need)
    return need


async def own_event(uow: UnitOfWork, deps: Dependencies, context: SessionContext, name: str,
                    payload: dict[str, object]) -> None:
    # Needs are private: events that carry them go on the owner's channel only.
    uid = context.viewer.id
    await uow.outbox.add(new_event(deps, events.user_channel(uid), name, context.session.id,
                                   {"forUserId": uid, "userId": uid, **payload}))
