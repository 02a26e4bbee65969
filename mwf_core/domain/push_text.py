"""What a push says: the title and body for each push event, the wording that depends on where
the recipient stands, the actor's name as the recipient knows them, and the notification's data
(which never carries anyone's words). Who is pushed at all is in push_rules.py.

The wording is ours. `{actor}` is the actor's name as the recipient knows them (the recipient's
nickname for them, else first name, else full name, else "They").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import events
from .enums import StageStatus

FALLBACK_ACTOR = "They"
FALLBACK_TITLE = "Meet Without Fear"
FALLBACK_BODY = "You have an update"

STAGE_NAMES: dict[int, str] = {
    0: "Getting started",
    1: "Feeling heard",
    2: "Understanding each other",
    3: "Needs",
    4: "Agreements",
}


def possessive(name: str) -> str:
    """The possessive form: "They" → "Their"; "James" → "James'"; "Sam" → "Sam's"."""
    if name == FALLBACK_ACTOR:
        return "Their"
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


@dataclass(frozen=True, slots=True)
class StageView:
    status: StageStatus
    gates: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecipientContext:
    """What the wording may depend on, as seen from the recipient."""

    is_inviter: bool = False
    stages: Mapping[int, StageView] = field(default_factory=dict)

    def waiting_at(self, stage: int) -> bool:
        row = self.stages.get(stage)
        return row is not None and row.status in (StageStatus.GATE_PENDING, StageStatus.COMPLETED)


@dataclass(frozen=True, slots=True)
class PushText:
    title: str
    body: str


# One template per event: (title, body). Placeholders {actor}, {actorPossessive}, {stageName}.
TEMPLATES: dict[str, tuple[str, str]] = {
    events.PARTNER_SIGNED_COMPACT: (
        "{actor} is ready",
        "{actor} signed the compact. Start whenever you are ready.",
    ),
    events.PARTNER_STAGE_COMPLETED: ("{actor} finished a step", "{actor} completed {stageName}."),
    events.PARTNER_ADVANCED: ("{actor} moved on", "{actor} moved on to {stageName}."),
    events.PARTNER_EMPATHY_SHARED: (
        "{actor} shared their understanding",
        "{actor} put into words how they see your side.",
    ),
    events.PARTNER_SKIPPED_REFINEMENT: (
        "{actor} is ready to continue",
        "{actor} chose to go on with things as they are.",
    ),
    events.EMPATHY_SHARE_SUGGESTION: (
        "Help {actor} understand you",
        "A little more context could help {actor} see your side.",
    ),
    events.EMPATHY_CONTEXT_SHARED: (
        "{actor} shared more context",
        "{actor} added something to help you understand them.",
    ),
    events.EMPATHY_REVEALED: (
        "Your understanding was shared",
        "{actor} can now read how you see their side.",
    ),
    # Pushes only as REFINING (see is_publish_only): the partner answered with feedback.
    events.EMPATHY_STATUS_UPDATED: (
        "{actor} responded to your understanding",
        "{actor} left a note on how you described their side. Have a look and try again.",
    ),
    events.PARTNER_NEEDS_CONFIRMED: (
        "{actor} confirmed their needs",
        "{actor} has settled on what they need.",
    ),
    events.PARTNER_NEEDS_SHARED: (
        "{actor} shared their needs",
        "{actorPossessive} needs are ready to look at together.",
    ),
    events.PARTNER_NEEDS_VALIDATED: (
        "{actor} reviewed the needs",
        "{actor} has gone through the needs you both named.",
    ),
    events.STRATEGIES_UPDATED: (
        "The ideas were updated",
        "{actor} changed their choices among the ideas.",
    ),
    events.PARTNER_RANKING_SUBMITTED: (
        "{actor} ranked the ideas",
        "{actorPossessive} ranking is in.",
    ),
    events.PARTNER_READY_TO_RANK: (
        "{actor} is ready to rank",
        "{actor} is ready to rank the ideas. Join when you can.",
    ),
    events.AGREEMENT_PROPOSED: (
        "{actor} proposed an agreement",
        "Have a look at what {actor} suggests.",
    ),
    events.AGREEMENT_CONFIRMED: (
        "{actor} answered the agreement",
        "{actor} responded to the agreement.",
    ),
    events.SESSION_RESOLVED: (
        "Session complete",
        "You and {actor} reached the end of this session.",
    ),
    events.SESSION_PAUSED: ("Session paused", "{actor} paused the session for now."),
    events.SESSION_RESUMED: ("Session resumed", "{actor} picked the session up again."),
    events.SESSION_JOINED: (
        "{actor} joined",
        "{actor} accepted your invitation and joined the session.",
    ),
    events.PARTNER_CONSENT_GRANTED: (
        "{actor} shared something with you",
        "{actor} agreed to share something with you.",
    ),
    events.PARTNER_CONSENT_REVOKED: (
        "{actor} withdrew something shared",
        "{actor} took back something they had shared.",
    ),
    events.INVITATION_DECLINED: (
        "Invitation declined",
        "{actor} declined your invitation for now.",
    ),
}


def _stage_of(payload: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = payload.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _override(
    name: str, payload: Mapping[str, Any], ctx: RecipientContext
) -> tuple[str, str] | None:
    """Wording that depends on where the recipient stands."""
    if name == events.PARTNER_SIGNED_COMPACT and ctx.is_inviter:
        return (
            "{actor} accepted your invitation",
            "{actor} signed the compact. Your session can begin.",
        )
    if name == events.PARTNER_STAGE_COMPLETED:
        stage = _stage_of(payload, "stage")
        if stage == 1:
            if ctx.waiting_at(1):
                return (
                    "{actor} feels heard too",
                    "You are both through the first part. Time to go on together.",
                )
            return (
                "{actor} feels heard",
                "{actor} finished the first part. Carry on at your own pace.",
            )
        if stage == 2:
            if ctx.waiting_at(2):
                return (
                    "{actor} is with you",
                    "{actor} accepted your understanding. You can move on together.",
                )
            return (
                "{actor} accepted your understanding",
                "{actor} felt understood by what you wrote.",
            )
    if name == events.PARTNER_ADVANCED:
        return ("Ready for the next part", "You are both ready for the next part of the session.")
    if name == events.PARTNER_READY_TO_RANK:
        mine = ctx.stages.get(4)
        if mine is not None and mine.gates.get("readyToRank"):
            return ("Time to rank", "{actor} is ready too. You can both rank the ideas now.")
    if name == events.EMPATHY_CONTEXT_SHARED and ctx.waiting_at(2):
        return (
            "{actor} shared more context",
            "While you wait, {actor} added something that may help you understand them.",
        )
    return None


def render(
    name: str, payload: Mapping[str, Any], actor_name: str, ctx: RecipientContext | None = None
) -> PushText:
    """Title and body for one push (unknown events get a neutral fallback)."""
    ctx = ctx or RecipientContext()
    template = _override(name, payload, ctx) or TEMPLATES.get(name)
    if template is None:
        return PushText(FALLBACK_TITLE, FALLBACK_BODY)
    stage = _stage_of(payload, "stage", "toStage", "currentStage")
    values = {
        "actor": actor_name,
        "actorPossessive": possessive(actor_name),
        "stageName": STAGE_NAMES.get(stage, "a step") if stage is not None else "a step",
    }
    title, body = template
    return PushText(title.format(**values), body.format(**values))


# Push data travels through Expo, Apple and Google and sits on the lock screen's device: it
# carries where to open and ids, flags and times - never anyone's words. Nested objects (message
# DTOs, empathy status views) and free-text fields are left out; the app refetches the session.
_TEXT_KEYS = frozenset(
    {
        "content",
        "message",
        "validationFeedback",
        "suggestedContent",
        "suggestedReason",
        "need",
        "oldNeed",
        "affectedNeed",
        "topicFrame",
        "reason",
        "summary",
        "feedback",
        "note",
    }
)
_SCALAR_MAX_CHARS = 64


def _is_plain_scalar(key: str, value: Any) -> bool:
    if key in _TEXT_KEYS:
        return False
    if value is None or isinstance(value, bool | int | float):
        return True
    return (
        isinstance(value, str)
        and len(value) <= _SCALAR_MAX_CHARS
        and not any(ch.isspace() for ch in value)
    )


def push_data(
    name: str, event_id: str, session_id: str | None, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The notification's `data`: where the app should open, plus the payload's ids, flags and
    times (see above: no words, no nested objects)."""
    base = {"screen": "session", "sessionId": session_id, "event": name, "eventId": event_id}
    plain = {key: value for key, value in payload.items() if _is_plain_scalar(key, value)}
    return {**plain, **base}


def actor_display_name(nickname: str | None, first_name: str | None, name: str | None) -> str:
    """The actor as the recipient knows them: nickname, first name, name, else "They"."""
    for candidate in (nickname, first_name, name):
        if candidate and candidate.strip():
            return candidate.strip()
    return FALLBACK_ACTOR
