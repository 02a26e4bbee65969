"""Leaving stage 2 together: once both statements are VALIDATED, both people move to stage 3
in the transaction that validated the second one (after `load_locked_context`, so two
partners validating at the same instant produce exactly one move)."""

from __future__ import annotations

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import Stage
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .empathy_common import name_for
from .empathy_texts import STAGE3_TRANSITION
from .lane import emit_to_session
from .progression import move_both_to
from .runtime import Dependencies
from .session_view import SessionContext


async def move_to_stage3_if_both_validated(
    uow: UnitOfWork, deps: Dependencies, context: SessionContext, actor_id: str
) -> bool:
    """Both users to stage 3 with a personal transition message each; `partner.stage_completed`
    to each recipient on their own channel (it carries their message) and one `stage.progress`.
    Returns False (and writes nothing) unless both attempts are VALIDATED and someone is still
    in stage 2."""
    session_id = context.session.id
    attempts = await uow.empathy_attempts.for_session(session_id)
    if len(attempts) != 2 or any(a.status is not EmpathyStatus.VALIDATED for a in attempts):
        return False
    now = deps.clock.now()

    async def line_for(uid: str) -> str:
        return STAGE3_TRANSITION.format(name=name_for(context, uid))

    moved = await move_both_to(
        uow, deps, context, int(Stage.NEED_MAPPING), now=now, line_for=line_for,
        gates={"empathyValidated": True, "validatedAt": js_iso(now)}, triggered_by=actor_id)
    if moved:
        await emit_to_session(uow, deps, session_id, events.STAGE_PROGRESS,
                              {"previousStage": 2, "stage": 3, "userId": actor_id,
                               "triggeredByUserId": actor_id})
    return moved
