"""GET /sessions/:id/timeline: the caller's own lane as chat items, with indicators derived
from their progress and the invitation, and emotion changes from their own readings.

Lane-private: messages come from `messages.lane` (mine, or written into my lane on purpose),
indicators from my own progress rows only, readings from my own vessel only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.domain.errors import field_error
from mwf_core.domain.records import Message, User
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction
from .session_view import SessionContext, load_context

LIMIT_DEFAULT, LIMIT_MAX = 20, 100
# Readings per vessel are few (a person taps a slider); this bounds one request's read.
READINGS_SCAN = 1000

ITEM_TYPES: dict[MessageRole, str] = {
    MessageRole.USER: "user-message",
    MessageRole.AI: "ai-message",
    MessageRole.EMPATHY_STATEMENT: "empathy-statement",
    MessageRole.SHARED_CONTEXT: "shared-context",
    MessageRole.SHARE_SUGGESTION: "share-suggestion",
}


@dataclass(frozen=True, slots=True)
class ChatItem:
    id: str
    type: str
    at: datetime
    content: str = ""
    indicator_type: str = ""
    stage: int | None = None
    intensity: int | None = None
    previous_intensity: int | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    items: list[ChatItem]
    has_more: bool


def message_item(message: Message) -> ChatItem:
    kind = ITEM_TYPES.get(message.role, "system-message")
    return ChatItem(message.id, kind, message.timestamp, content=message.content,
                    stage=message.stage)


def indicators(context: SessionContext) -> list[ChatItem]:
    """Milestones of the caller's own journey, each with a stable id."""
    sid, me = context.session.id, context.viewer.id
    found = [ChatItem(f"session-start-{sid}", "indicator", context.session.created_at,
                      indicator_type="session-start")]
    invitation = context.invitation
    if invitation is not None:
        if context.is_inviter and invitation.message_confirmed_at is not None:
            found.append(ChatItem(f"invitation-sent-{sid}", "indicator",
                                  invitation.message_confirmed_at,
                                  indicator_type="invitation-sent"))
        if invitation.accepted_at is not None:
            found.append(ChatItem(f"invitation-accepted-{sid}", "indicator",
                                  invitation.accepted_at, indicator_type="invitation-accepted"))
    for row in context.rows_of(me):
        gates = row.gates_satisfied
        if row.stage == Stage.ONBOARDING and gates.get("signedAt"):
            found.append(ChatItem(f"compact-signed-{row.id}", "indicator",
                                  datetime.fromisoformat(str(gates["signedAt"])),
                                  indicator_type="compact-signed"))
        if row.stage == Stage.WITNESS and gates.get("feelHeardConfirmedAt"):
            found.append(ChatItem(f"feel-heard-{row.id}", "indicator",
                                  datetime.fromisoformat(str(gates["feelHeardConfirmedAt"])),
                                  indicator_type="feel-heard"))
        if row.stage > Stage.ONBOARDING and row.started_at is not None:
            found.append(ChatItem(f"stage-transition-{row.id}", "indicator", row.started_at,
                                  indicator_type="stage-transition", stage=row.stage))
    return found


async def emotion_changes(uow: UnitOfWork, context: SessionContext) -> list[ChatItem]:
    if context.my_vessel is None:
        return []
    readings = sorted(await uow.emotions.for_vessel(context.my_vessel.id, READINGS_SCAN),
                      key=lambda r: (r.timestamp, r.id))
    items, previous = [], None
    for reading in readings:
        items.append(ChatItem(reading.id, "emotion-change", reading.timestamp,
                              stage=reading.stage, intensity=reading.intensity,
                              previous_intensity=previous))
        previous = reading.intensity
    return items


async def timeline(
    deps: Dependencies, actor: User, session_id: str, before: datetime | None, limit: int
) -> Timeline:
    """The newest `limit` items (1-100, default 20) strictly older than `before`, returned
    oldest first; `has_more` when older items exist."""
    if limit < 0 or limit > LIMIT_MAX:
        raise field_error("page_size", f"limit must be between 1 and {LIMIT_MAX}")
    size = limit or LIMIT_DEFAULT

    async def work(uow: UnitOfWork) -> Timeline:
        context = await load_context(uow, session_id, actor)
        messages = await uow.messages.lane(session_id, actor.id, size + 1, before)
        candidates = [message_item(m) for m in messages]
        candidates += indicators(context) + await emotion_changes(uow, context)
        if before is not None:
            candidates = [item for item in candidates if item.at < before]
        candidates.sort(key=lambda item: (item.at, item.id))
        return Timeline(candidates[-size:], len(candidates) > size)

    return await in_transaction(deps.uow, work)
