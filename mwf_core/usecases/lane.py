"""One person's lane: writing a line into it, the MessageDTO, and events to the session or
to one person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mwf_core.domain import events
from mwf_core.domain.enums import MessageRole
from mwf_core.domain.records import Message
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, new_event


async def write_line(uow: UnitOfWork, deps: Dependencies, session_id: str, for_user_id: str,
                     role: MessageRole, content: str, stage: int, at: datetime | None = None,
                     *, sender_id: str | None = None) -> Message:
    """Add a line (AI, SYSTEM, ...) to `for_user_id`'s lane; `at` defaults to now."""
    message = Message(id=deps.ids.new_id(), session_id=session_id, sender_id=sender_id,
                      for_user_id=for_user_id, role=role, content=content, stage=int(stage),
                      timestamp=at if at is not None else deps.clock.now())
    await uow.messages.add(message)
    return message


def message_dto(message: Message) -> dict[str, Any]:
    """A lane message as the original's full MessageDTO (e.g. for `message.ai_response`)."""
    return {"id": message.id, "sessionId": message.session_id, "senderId": message.sender_id,
            "forUserId": message.for_user_id, "role": message.role.value,
            "content": message.content, "stage": message.stage,
            "timestamp": js_iso(message.timestamp)}


def stage_completed_message(message: Message) -> dict[str, Any]:
    """The 4-field `message` of `partner.stage_completed` (reference §6.2)."""
    return {"id": message.id, "content": message.content,
            "timestamp": js_iso(message.timestamp), "forUserId": message.for_user_id}


async def emit_to_session(uow: UnitOfWork, deps: Dependencies, session_id: str, name: str,
                          payload: dict[str, Any]) -> None:
    await uow.outbox.add(new_event(deps, events.session_channel(session_id), name, session_id,
                                   payload))


async def emit_to_user(uow: UnitOfWork, deps: Dependencies, session_id: str, user_id: str,
                       name: str, payload: dict[str, Any]) -> None:
    """An event on `user_id`'s own channel; the payload gains `forUserId`."""
    await uow.outbox.add(new_event(deps, events.user_channel(user_id), name, session_id,
                                   {"forUserId": user_id, **payload}))
