"""Which prompt a stage-2 turn uses: "21" (informed empathy) while the writer's own empathy
attempt is REFINING. Shared by the conversation code that prepares a turn and the code that
stores the person's message (both must agree on the stage the rows carry)."""

from __future__ import annotations

from mwf_core.domain.conversation import stage_key
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import Stage
from mwf_core.ports.repositories import UnitOfWork

from .session_view import SessionContext


async def effective_stage_key(uow: UnitOfWork, context: SessionContext) -> str:
    """The prompt key of the viewer's next turn: "21" while their own attempt is REFINING in
    stage 2, otherwise the stage's own key (see `domain.conversation.stage_key`)."""
    stage = context.stage_of(context.viewer.id)
    refining = False
    if stage == Stage.PERSPECTIVE_STRETCH:
        attempt = await uow.empathy_attempts.by_author(context.session.id, context.viewer.id)
        refining = attempt is not None and attempt.status is EmpathyStatus.REFINING
    return stage_key(context.session.status, stage, context.is_inviter, refining=refining)
