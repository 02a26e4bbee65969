"""The mutual reveal: both statements become readable at the same moment, never one alone.

Called inside a transaction after `load_locked_context` (so two callers at once reveal once) by
every flow that can make an attempt READY: the reconciler's analysis and share-offer answers,
and skip-refinement here.
"""

from __future__ import annotations

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyEvent, EmpathyStatus, reveal_ready
from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.ports.repositories import UnitOfWork

from .empathy_common import name_for, save_move, status_for
from .empathy_texts import READY_TO_REVIEW
from .journey_actions import pending_action_event
from .lane import emit_to_user, message_dto, write_line
from .runtime import Dependencies
from .session_view import SessionContext


async def reveal_if_ready(uow: UnitOfWork, deps: Dependencies, context: SessionContext) -> bool:
    """When exactly two attempts are READY or VALIDATED (at least one READY), every READY one
    becomes REVEALED; its subject gets a "ready to review" message in their lane (with
    `message.ai_response`) and `notification.pending_action` (validate_empathy), and its author
    `empathy.revealed`, each on their own channel. Returns whether anything was revealed."""
    session_id = context.session.id
    attempts = await uow.empathy_attempts.for_session(session_id)
    if not reveal_ready(attempts):
        return False
    now = deps.clock.now()
    revealed = []
    for attempt in attempts:
        if attempt.status is not EmpathyStatus.READY:
            continue
        await save_move(uow, attempt, EmpathyEvent.MUTUAL_REVEAL, now)
        revealed.append(attempt)
        subject_id = context.other_of(attempt.source_user_id)
        if subject_id is not None:
            note = await write_line(uow, deps, session_id, subject_id, MessageRole.AI,
                                    READY_TO_REVIEW.format(name=name_for(context, subject_id)),
                                    Stage.PERSPECTIVE_STRETCH, now)
            await emit_to_user(uow, deps, session_id, subject_id, events.MESSAGE_AI_RESPONSE,
                               {"message": message_dto(note)})
            # The subject now has a statement to validate.
            await uow.outbox.add(pending_action_event(deps, session_id, subject_id,
                                                      "validate_empathy", attempt.id))
    for attempt in revealed:
        guesser_id = attempt.source_user_id
        if guesser_id is None:
            continue
        await emit_to_user(uow, deps, session_id, guesser_id, events.EMPATHY_REVEALED,
                           {"direction": "outgoing", "guesserUserId": guesser_id,
                            "empathyStatus": await status_for(uow, context, guesser_id)})
    return bool(revealed)
