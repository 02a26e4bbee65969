"""The joint exit of stage 3: both partners have shared their needs → both move to stage 4.

Called only inside the transaction that decided it, after `load_locked_context`, so two
partners acting at the same instant produce exactly one move, one `session.needs_reveal_ready`
and one transition message per lane.
"""

from __future__ import annotations

from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.domain.needs import stage4_transition_line
from mwf_core.domain.records import Message
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .progression import move_user_to
from .runtime import Dependencies, new_event
from .session_view import SessionContext


def message_payload(message: Message) -> dict[str, object]:
    return {"id": message.id, "content": message.content,
            "timestamp": js_iso(message.timestamp), "forUserId": message.for_user_id}


async def lane_line(uow: UnitOfWork, deps: Dependencies, session_id: str, user_id: str,
                    content: str, stage: int, now: datetime) -> Message:
    """A fixed mediator line written into one user's lane."""
    line = Message(id=deps.ids.new_id(), session_id=session_id, sender_id=None,
                   for_user_id=user_id, role=MessageRole.AI, content=content, stage=stage,
                   timestamp=now)
    await uow.messages.add(line)
    return line


async def move_both_to_stage4(
    uow: UnitOfWork, deps: Dependencies, context: SessionContext, triggered_by: str,
) -> bool:
    """Validate both partners' stage 3, open stage 4 for both, write the transition lines and
    tell each person on their own channel. False (nothing written) when already done."""
    partner = context.partner
    if partner is None:
        return False
    users = (context.viewer.id, partner.id)
    current = {uid: context.current(uid) for uid in users}
    if all(row is not None and row.stage >= Stage.STRATEGIC_REPAIR for row in current.values()):
        return False
    now = deps.clock.now()
    stamp = js_iso(now)
    gates = {"needsValidated": True, "needsValidatedAt": stamp, "needsRevealReviewedAt": stamp}
    session_id = context.session.id
    await uow.outbox.add(new_event(deps, events.session_channel(session_id),
                                   events.NEEDS_REVEAL_READY, session_id,
                                   {"stage": int(Stage.NEED_MAPPING), "needsRevealReady": True}))
    vessels = {context.viewer.id: context.my_vessel, partner.id: context.partner_vessel}
    for uid in users:
        row = current[uid]
        if row is not None and row.stage >= Stage.STRATEGIC_REPAIR:
            continue
        await move_user_to(uow, deps, session_id, context.progress, uid,
                           int(Stage.STRATEGIC_REPAIR), gates=gates, now=now)
        vessel = vessels[uid]
        needs = await uow.needs.for_vessel(vessel.id) if vessel is not None else []
        line = await lane_line(uow, deps, session_id, uid,
                               stage4_transition_line(needs[0].need if needs else None),
                               int(Stage.STRATEGIC_REPAIR), now)
        # The line quotes this person's own need: it goes on their channel only.
        await uow.outbox.add(new_event(
            deps, events.user_channel(uid), events.PARTNER_STAGE_COMPLETED, session_id,
            {"forUserId": uid, "previousStage": int(Stage.NEED_MAPPING),
             "currentStage": int(Stage.STRATEGIC_REPAIR), "userId": uid,
             "triggeredByUserId": triggered_by, "message": message_payload(line)},
        ))
    context.session.updated_at = now
    await uow.sessions.update(context.session)
    return True
