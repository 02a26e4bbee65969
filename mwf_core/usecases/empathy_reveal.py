"""The mutual reveal: both statements become readable at the same moment, never one alone.

Called inside a transaction after `load_locked_context` (so two callers at once reveal once) by
every flow that can make an attempt READY: the reconciler's analysis and share-offer answers,
and skip-refinement here.
"""

from __future__ import annotations

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyEvent, EmpathyStatus, reveal_ready
from mwf_core.domain.enums import MessageRole
from mwf_core.ports.repositories import UnitOfWork

from .empathy_common import (
    emit,
    lane_message,
    message_payload,
    name_for,
    other_of,
    save_move,
    status_for,
)
from .empathy_texts import READY_TO_REVIEW
from .runtime import Dependencies
from .session_view import SessionContext


async def reveal_if_ready(uow: UnitOfWork, deps: Dependencies, context: SessionContext) -> bool:
    """When exactly two attempts are READY or VALIDATED (at least one READY), every READY one
    becomes REVEALED; its subject gets a "ready to review" message in their lane and its author
    `empathy.revealed` on their own channel. Returns whether anything was revealed."""
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
        subject_id = other_of(context, attempt.source_user_id)
        if subject_id is not None:
            note = await lane_message(uow, deps, session_id, subject_id, MessageRole.AI,
                                      READY_TO_REVIEW.format(name=name_for(context, subject_id)),
                                      now)
            await emit(uow, deps, events.user_channel(subject_id), events.MESSAGE_AI_RESPONSE,
                       session_id, {"forUserId": subject_id, "message": message_payload(note)})
    for attempt in revealed:
        guesser_id = attempt.source_user_id
        if guesser_id is None:
            continue
        await emit(uow, deps, events.user_channel(guesser_id), events.EMPATHY_REVEALED,
                   session_id, {"direction": "outgoing", "guesserUserId": guesser_id,
                                "forUserId": guesser_id,
                                "empathyStatus": await status_for(uow, context, guesser_id)})
    return bool(revealed)
