"""Leaving stage 2 together: once both statements are VALIDATED, both people move to stage 3
in the transaction that validated the second one (after `load_locked_context`, so two
partners validating at the same instant produce exactly one move)."""

from __future__ import annotations

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .empathy_common import emit, lane_message, member_ids, name_for
from .empathy_texts import STAGE3_TRANSITION
from .progression import move_user_to
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
    users = member_ids(context)
    if len(users) != 2:
        return False
    currents = {uid: max((r.stage for r in context.progress if r.user_id == uid), default=0)
                for uid in users}
    if all(stage >= Stage.NEED_MAPPING for stage in currents.values()):
        return False
    now = deps.clock.now()
    gates = {"empathyValidated": True, "validatedAt": js_iso(now)}
    for uid in users:
        if currents[uid] < Stage.NEED_MAPPING:
            await move_user_to(uow, deps, session_id, context.progress, uid,
                               Stage.NEED_MAPPING, gates=gates, now=now)
    for uid in users:
        message = await lane_message(
            uow, deps, session_id, uid, MessageRole.AI,
            STAGE3_TRANSITION.format(name=name_for(context, uid)), now, stage=Stage.NEED_MAPPING)
        await emit(uow, deps, events.user_channel(uid), events.PARTNER_STAGE_COMPLETED,
                   session_id, {
                       "forUserId": uid, "previousStage": 2, "currentStage": 3, "userId": uid,
                       "triggeredByUserId": actor_id,
                       "message": {"id": message.id, "content": message.content,
                                   "timestamp": js_iso(message.timestamp), "forUserId": uid},
                   })
    await emit(uow, deps, events.session_channel(session_id), events.STAGE_PROGRESS, session_id,
               {"previousStage": 2, "stage": 3, "userId": actor_id,
                "triggeredByUserId": actor_id})
    context.session.updated_at = now
    await uow.sessions.update(context.session)
    return True
