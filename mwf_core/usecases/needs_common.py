"""Pieces shared by the stage-3 use cases (needs.py, needs_edits.py): the edit guard, input
checks, adding a need and the owner-only event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from mwf_core.domain.enums import NeedCategory, Stage
from mwf_core.domain.errors import Forbidden, ValidationFailed, field_error
from mwf_core.domain.needs import (
    DESCRIPTION_MAX,
    EVIDENCE_MAX,
    EVIDENCE_TEXT_MAX,
    NEED_IDS_MAX,
    NEED_TEXT_MAX,
    SHARED_EDIT_REFUSAL,
)
from mwf_core.domain.records import IdentifiedNeed, StageProgress, User
from mwf_core.ports.repositories import UnitOfWork

from .guards import require_active, require_stage
from .lane import emit_to_user
from .runtime import Dependencies, in_transaction
from .session_view import SessionContext, load_locked_context

T = TypeVar("T")
EditWork = Callable[[UnitOfWork, SessionContext, StageProgress], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class NeedInput:
    need: str
    category: str
    description: str = ""
    evidence: list[str] = field(default_factory=list)


def editable_row(context: SessionContext, action: str) -> StageProgress:
    """The caller's stage-3 row when they may change their needs: not shared (403 after),
    ACTIVE session, caller in stage 3."""
    row = context.row(context.viewer.id, Stage.NEED_MAPPING)
    if row is not None and row.gates_satisfied.get("needsShared"):
        raise Forbidden(SHARED_EDIT_REFUSAL)
    require_active(context)
    require_stage(context, context.viewer.id, Stage.NEED_MAPPING, action)
    assert row is not None  # the current stage is 3, so its row exists
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
    """Needs are private: events that carry them go on the owner's channel only (and name
    the owner as `userId` too)."""
    uid = context.viewer.id
    await emit_to_user(uow, deps, context.session.id, uid, name, {"userId": uid, **payload})


def check_input(item: NeedInput, path: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    text = item.need.strip()
    if not text:
        problems.append((f"{path}need", "need must not be empty"))
    elif len(text) > NEED_TEXT_MAX:
        problems.append((f"{path}need", f"need must be at most {NEED_TEXT_MAX} characters"))
    if item.category not in NeedCategory.__members__:
        problems.append((f"{path}category",
                         "category must be one of " + ", ".join(NeedCategory.__members__)))
    if len(item.description) > DESCRIPTION_MAX:
        problems.append((f"{path}description",
                         f"description must be at most {DESCRIPTION_MAX} characters"))
    if len(item.evidence) > EVIDENCE_MAX:
        problems.append((f"{path}evidence", f"at most {EVIDENCE_MAX} evidence quotes"))
    elif any(len(e) > EVIDENCE_TEXT_MAX for e in item.evidence):
        problems.append((f"{path}evidence",
                         f"each evidence quote must be at most {EVIDENCE_TEXT_MAX} characters"))
    return problems


def raise_problems(problems: list[tuple[str, str]]) -> None:
    if problems:
        details: dict[str, list[str]] = {}
        for path, message in problems:
            details.setdefault(path, []).append(message)
        raise ValidationFailed(problems[0][1], details)


def check_ids(name: str, need_ids: list[str]) -> None:
    if not need_ids:
        raise field_error(name, f"{name} must contain at least 1 need id")
    if len(need_ids) > NEED_IDS_MAX:
        raise field_error(name, f"{name} must contain at most {NEED_IDS_MAX} need ids")
