"""GET /sessions/:id/pending-actions and GET /notifications/badge-count.

Pending actions of one person in one session (none once it is RESOLVED, ABANDONED or ARCHIVED):
- `validate_empathy`: the partner's empathy attempt about me is REVEALED and I have not said
  "yes, that is me" yet;
- `share_offer`: the reconciler offers me to share more context (an open offer for me);
- `context_received`: context the partner shared into my lane (SHARED_CONTEXT) since I last
  opened the share tab - only once I am at stage 2 or later (§8 rule 4).
`sentTabUpdates` counts changes to what I sent (my own empathy attempt moved on) since I last
opened the share tab.

Badge count: per session of mine (not archived by me, not ABANDONED or ARCHIVED), its pending
actions plus one when it is unread (changed since I last viewed it, the session list's
`hasUnread`); `count` is the sum and `bySession` lists the sessions with a non-zero count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import MessageRole, SessionStatus, Stage
from mwf_core.domain.errors import DomainError
from mwf_core.domain.records import OutboxEvent, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, load_context

CLOSED = frozenset({SessionStatus.RESOLVED, SessionStatus.ABANDONED, SessionStatus.ARCHIVED})
NOT_COUNTED = frozenset({SessionStatus.ABANDONED, SessionStatus.ARCHIVED})
LANE_SCAN = 500


@dataclass(frozen=True, slots=True)
class PendingAction:
    type: str
    id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PendingActions:
    actions: list[PendingAction]
    sent_tab_updates: int


@dataclass(frozen=True, slots=True)
class BadgeCount:
    count: int
    by_session: dict[str, int]


ACTION_TYPES = frozenset({"share_offer", "validate_empathy", "context_received"})


def pending_action_event(deps: Dependencies, session_id: str, for_user_id: str,
                         action_type: str, action_id: str) -> OutboxEvent:
    """`notification.pending_action` for the flows that create an action (reconciler share
    offer, empathy reveal, shared context): add it to the outbox in the same transaction.
    It goes on the recipient's own channel and carries ids only."""
    if action_type not in ACTION_TYPES:
        raise ValueError(f"unknown pending action type {action_type!r}")
    return new_event(deps, events.user_channel(for_user_id), events.NOTIFICATION_PENDING_ACTION,
                     session_id, {"forUserId": for_user_id, "actionType": action_type,
                                  "actionId": action_id})


def _iso(value: datetime | None) -> str | None:
    return js_iso(value) if value is not None else None


async def _validate_empathy(uow: UnitOfWork, context: SessionContext) -> list[PendingAction]:
    if context.partner is None:
        return []
    attempt = await uow.empathy_attempts.by_author(context.session.id, context.partner.id)
    if attempt is None or attempt.status is not EmpathyStatus.REVEALED:
        return []
    answer = await uow.empathy_validations.for_attempt(attempt.id, context.viewer.id)
    if answer is not None and answer.validated:
        return []
    return [PendingAction("validate_empathy", attempt.id,
                          {"attemptId": attempt.id, "revealedAt": _iso(attempt.revealed_at)})]


async def _share_offer(uow: UnitOfWork, context: SessionContext) -> list[PendingAction]:
    """The open (PENDING or OFFERED) offer addressed to me as the subject. Its suggested text
    is mine until I accept it, and this list only ever goes to me; still, only ids, status
    and times are listed here - the text is read through the share-offer route."""
    offer = await uow.reconciler.open_offer_for(context.session.id, context.viewer.id)
    if offer is None:
        return []
    return [PendingAction("share_offer", offer.id, {
        "offerId": offer.id, "status": offer.status.value,
        "createdAt": _iso(offer.created_at)})]


async def _context_received(uow: UnitOfWork, context: SessionContext) -> list[PendingAction]:
    mine = context.current(context.viewer.id)
    if mine is None or mine.stage < Stage.PERSPECTIVE_STRETCH or context.my_vessel is None:
        return []
    since = context.my_vessel.last_viewed_share_tab_at
    lane = await uow.messages.lane(context.session.id, context.viewer.id, LANE_SCAN,
                                   after=since)
    return [PendingAction("context_received", m.id, {"messageId": m.id,
                                                     "sharedAt": js_iso(m.timestamp)})
            for m in lane
            if m.role is MessageRole.SHARED_CONTEXT and m.for_user_id == context.viewer.id]


async def _sent_tab_updates(uow: UnitOfWork, context: SessionContext) -> int:
    if context.my_vessel is None:
        return 0
    mine = await uow.empathy_attempts.by_author(context.session.id, context.viewer.id)
    if mine is None or mine.status is EmpathyStatus.HELD:
        return 0
    since = context.my_vessel.last_viewed_share_tab_at
    return 1 if since is None or mine.updated_at > since else 0


async def collect(uow: UnitOfWork, context: SessionContext) -> PendingActions:
    if context.session.status in CLOSED:
        return PendingActions([], 0)
    actions = (await _share_offer(uow, context) + await _validate_empathy(uow, context)
               + await _context_received(uow, context))
    return PendingActions(actions, await _sent_tab_updates(uow, context))


async def pending_actions(deps: Dependencies, actor: User, session_id: str) -> PendingActions:
    async def work(uow: UnitOfWork) -> PendingActions:
        return await collect(uow, await load_context(uow, session_id, actor))

    return await in_transaction(deps.uow, work)


async def badge_count(deps: Dependencies, actor: User) -> BadgeCount:
    async def work(uow: UnitOfWork) -> BadgeCount:
        by_session: dict[str, int] = {}
        for vessel in await uow.vessels.user_vessels_of(actor.id):
            if vessel.archived_at is not None:
                continue
            try:
                context = await load_context(uow, vessel.session_id, actor)
            except DomainError:  # no longer a member of that relationship
                continue
            if context.session.status in NOT_COUNTED:
                continue
            count = len((await collect(uow, context)).actions)
            last_viewed = vessel.last_viewed_at
            if last_viewed is not None and context.session.updated_at > last_viewed:
                count += 1
            if count:
                by_session[context.session.id] = count
        return BadgeCount(sum(by_session.values()), by_session)

    return await in_transaction(deps.uow, work)
