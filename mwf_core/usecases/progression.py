"""Moving people between stages: the two writes every stage change needs, in one place.

A user's current stage is their StageProgress row with the highest stage. Moving on completes
the rows below (merging the gate keys that were met) and opens the next one. Joint moves (2→3,
3→4) call `move_user_to` for both partners inside the transaction that decided the gate, after
`load_locked_context`, so two partners acting at once produce exactly one move.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from mwf_core.domain import events
from mwf_core.domain.enums import MessageRole, StageStatus
from mwf_core.domain.records import StageProgress
from mwf_core.ports.repositories import UnitOfWork
from mwf_core.usecases.runtime import Dependencies

from .lane import emit_to_user, stage_completed_message, write_line
from .session_view import SessionContext


async def merge_gates(
    uow: UnitOfWork, row: StageProgress, gates: dict[str, Any], *,
    status: StageStatus | None = None,
) -> None:
    """Add gate keys to one row (and optionally set its status)."""
    row.gates_satisfied = {**row.gates_satisfied, **gates}
    if status is not None:
        row.status = status
    await uow.progress.update(row)


async def move_user_to(
    uow: UnitOfWork,
    deps: Dependencies,
    session_id: str,
    rows: list[StageProgress],
    user_id: str,
    stage: int,
    *,
    gates: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> StageProgress:
    """Open `stage` for one user: every earlier row COMPLETED (missing ones backfilled, as the
    original did on 2→3), `gates` merged into the row just below, the new row IN_PROGRESS.

    Idempotent: when the user already has a row at `stage` (or later) that row is returned and
    nothing is written. `rows` is the session's progress as loaded in this transaction; it is
    updated in place so later decisions in the same transaction see the move.
    """
    moment = now or deps.clock.now()
    existing = [row for row in rows if row.user_id == user_id]
    reached = next((row for row in existing if row.stage >= stage), None)
    if reached is not None:
        return reached
    for earlier in range(stage):
        row = next((r for r in existing if r.stage == earlier), None)
        extra = gates if (gates and earlier == stage - 1) else {}
        if row is None:
            row = StageProgress(deps.ids.new_id(), session_id, user_id, earlier,
                                StageStatus.COMPLETED, started_at=moment, completed_at=moment,
                                gates_satisfied=dict(extra))
            await uow.progress.add(row)
            rows.append(row)
            continue
        if row.status is StageStatus.COMPLETED and not extra:
            continue
        row.status = StageStatus.COMPLETED
        row.completed_at = row.completed_at or moment
        row.gates_satisfied = {**row.gates_satisfied, **extra}
        await uow.progress.update(row)
    opened = StageProgress(deps.ids.new_id(), session_id, user_id, stage,
                           StageStatus.IN_PROGRESS, started_at=moment)
    await uow.progress.add(opened)
    rows.append(opened)
    return opened


async def move_both_to(
    uow: UnitOfWork, deps: Dependencies, context: SessionContext, stage: int, *,
    gates: dict[str, Any], line_for: Callable[[str], Awaitable[str]], triggered_by: str,
    now: datetime | None = None,
) -> bool:
    """The joint exit: both partners to `stage` (`gates` merged into the row below), a
    transition line (`line_for(user_id)`) in each moved person's lane and
    `partner.stage_completed` carrying it on their own channel (the line may quote their own
    words). Call inside the deciding transaction after `load_locked_context`. False (nothing
    written) without a partner or when both are already there."""
    partner_id = context.partner_id
    if partner_id is None:
        return False
    behind = [uid for uid in (context.viewer.id, partner_id) if context.stage_of(uid) < stage]
    if not behind:
        return False
    moment = now or deps.clock.now()
    session_id = context.session.id
    for uid in behind:
        await move_user_to(uow, deps, session_id, context.progress, uid, stage, gates=gates,
                           now=moment)
    for uid in behind:
        line = await write_line(uow, deps, session_id, uid, MessageRole.AI,
                                await line_for(uid), stage, moment)
        await emit_to_user(uow, deps, session_id, uid, events.PARTNER_STAGE_COMPLETED, {
            "previousStage": stage - 1, "currentStage": stage, "userId": uid,
            "triggeredByUserId": triggered_by, "message": stage_completed_message(line)})
    context.session.updated_at = moment
    await uow.sessions.update(context.session)
    return True
