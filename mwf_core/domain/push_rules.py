"""Push notifications, as pure rules: which events push, to whom, and which preferences stop them.

Push is the fallback for people who are not looking at the session: a sequenced outbox row whose
event is in PUSH_EVENTS yields one `push:{recipient}` row (see adapters/push/planner.py); the
push sink later checks preferences and presence, then renders the text with
`push_text.render()` (the wording lives there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import events
from .empathy import EmpathyStatus

PUSH_EVENTS: frozenset[str] = frozenset(
    {
        events.PARTNER_SIGNED_COMPACT,
        events.PARTNER_STAGE_COMPLETED,
        events.PARTNER_ADVANCED,
        events.PARTNER_EMPATHY_SHARED,
        events.PARTNER_SKIPPED_REFINEMENT,
        events.EMPATHY_SHARE_SUGGESTION,
        events.EMPATHY_CONTEXT_SHARED,
        events.EMPATHY_REVEALED,
        events.EMPATHY_STATUS_UPDATED,
        events.PARTNER_NEEDS_CONFIRMED,
        events.PARTNER_NEEDS_SHARED,
        events.PARTNER_NEEDS_VALIDATED,
        events.STRATEGIES_UPDATED,
        events.PARTNER_RANKING_SUBMITTED,
        events.PARTNER_READY_TO_RANK,
        events.AGREEMENT_PROPOSED,
        events.AGREEMENT_CONFIRMED,
        events.SESSION_RESOLVED,
        events.SESSION_PAUSED,
        events.SESSION_RESUMED,
        events.SESSION_JOINED,
        events.PARTNER_CONSENT_GRANTED,
        events.PARTNER_CONSENT_REVOKED,
        events.INVITATION_DECLINED,
    }
)

# Payload keys naming who acted, in the order they are looked up.
ACTOR_KEYS: tuple[str, ...] = (
    "triggeredByUserId",
    "signedBy",
    "completedBy",
    "sharedBy",
    "confirmedBy",
    "validatedBy",
    "submittedBy",
    "readyBy",
    "pausedBy",
    "resumedBy",
    "resolvedBy",
    "proposedBy",
    "joinedBy",
    "closedBy",
    "declinedBy",
)

# Which preference switches an event: replies to an invitation count as invitation news, every
# other push is something the partner did.
INVITATION_EVENTS: frozenset[str] = frozenset({events.SESSION_JOINED, events.INVITATION_DECLINED})

DEFAULT_NOTIFICATION_PREFERENCES: dict[str, bool] = {
    "pushEnabled": True,
    "emailEnabled": False,
    "newInvitations": True,
    "partnerActions": True,
    "followUpReminders": True,
}


def notification_preferences(stored: Mapping[str, Any] | None) -> dict[str, bool]:
    """The stored preferences over the defaults (unknown keys dropped)."""
    merged = dict(DEFAULT_NOTIFICATION_PREFERENCES)
    for key, value in (stored or {}).items():
        if key in merged and isinstance(value, bool):
            merged[key] = value
    return merged


def preference_blocks(event_name: str, prefs: Mapping[str, Any] | None) -> str | None:
    """The preference that turns this push off for the recipient, or None when it may go."""
    effective = notification_preferences(prefs)
    if not effective["pushEnabled"]:
        return "pushEnabled"
    key = "newInvitations" if event_name in INVITATION_EVENTS else "partnerActions"
    return None if effective[key] else key


def is_publish_only(name: str, payload: Mapping[str, Any]) -> bool:
    """Variants of push events that only refresh screens and never push."""
    if name == events.PARTNER_STAGE_COMPLETED and "previousStage" in payload:
        return True  # the per-person copy of a joint move (both moved at once)
    if name == events.EMPATHY_STATUS_UPDATED:
        # A status change pushes only when it is the one notice of something to do: feedback
        # sent the guesser back to refining. VALIDATED comes with partner.stage_completed (one
        # action, one push); AWAITING_SHARING and READY ask nothing of the guesser.
        return payload.get("status") != EmpathyStatus.REFINING.value
    if name == events.PARTNER_ADVANCED and payload.get("fromStage") == 1:
        return True  # both felt heard: each already sees it in their own chat
    # The mediator captured proposals from a chat turn.
    return name == events.STRATEGIES_UPDATED and "appliedOperationCount" in payload


def actor_of(payload: Mapping[str, Any]) -> str | None:
    for key in ACTOR_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    excluded = payload.get("excludeUserId")
    return excluded if isinstance(excluded, str) and excluded else None


def _channel_user(channel: str) -> str | None:
    prefix = "user:"
    return channel[len(prefix) :] or None if channel.startswith(prefix) else None


@dataclass(frozen=True, slots=True)
class PushTarget:
    recipient: str
    actor: str | None


def targets(
    name: str, channel: str, payload: Mapping[str, Any], members: Sequence[str]
) -> list[PushTarget]:
    """Who gets a push for this row.

    - Only PUSH_EVENTS, and not their publish-only variants.
    - A `user:` row: its owner (`forUserId`, else the channel's user). The actor is the first
      ACTOR_KEY, else `excludeUserId`, else the recipient's partner; nobody is pushed about
      their own action.
    - A `session:` row: every member but the actor; no actor, no push (an anonymous change,
      e.g. a strategy added to the shared list, is not news worth a notification).
    """
    if name not in PUSH_EVENTS or is_publish_only(name, payload):
        return []
    actor = actor_of(payload)
    if channel.startswith("user:"):
        owner = payload.get("forUserId")
        recipient = owner if isinstance(owner, str) and owner else _channel_user(channel)
        if recipient is None:
            return []
        if actor is None:
            others = [m for m in members if m != recipient]
            actor = others[0] if len(others) == 1 else None
        if actor == recipient:
            return []
        return [PushTarget(recipient, actor)]
    if channel.startswith("session:"):
        if actor is None:
            return []
        return [PushTarget(m, actor) for m in dict.fromkeys(members) if m != actor]
    return []
