"""Stage prompts: a static block worth caching plus a small block of facts for this turn.

`build_prompt(stage_key, facts)` returns `(system_static, system_turn)` for `LlmRequest`.

- `system_static` depends on the stage key only: it is byte-identical for every turn, person
  and session of that stage (so a cache point after it is hit across sessions too). It holds the
  shared principles, the stage guidance, the tool rules and the safety rules, and nothing that
  varies: no names, dates, counters or drafts.
- `system_turn` carries everything that varies: names, role, turn number, topic, intensity,
  consented shared material, stage data, the summary of earlier conversation, the crisis block.
  Free text from people and models is quoted line by line so it reads as data, not as
  instructions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from . import stage_keys as sk
from .prompt_texts import SHARED
from .stage_texts import STAGE_GUIDANCE, STAGE_LABELS

HIGH_INTENSITY = 8
FEEL_HEARD_MIN_TURNS = 5
NAME_MAX = 60
TOPIC_MAX = 200

_CLOSING = (
    "# In every reply\n"
    "Safety first, then the person's own experience, then the task of this stage. One small "
    "step at a time; one question at most."
)


@dataclass(frozen=True, slots=True)
class TurnFacts:
    """What the mediator should know about this turn (all of it goes into the turn block).

    `turn_in_stage` counts this person's messages in the stage, the current one included (1 is
    the first). `emotional_intensity` is the latest self-reported reading, 1 to 10, if any.
    `crisis_block` is `crisis.resources_block(...)` or "". `shared_content` holds only material
    the other person (or the app) consented to share with this person. `stage_data` holds
    ready-made lines about the stage's current state (the empathy draft, captured needs with
    their ids, proposals, abstract refinement guidance). `captured_summary` is
    `CapturedState.summary()` for the reply pass.
    """

    user_name: str
    partner_name: str
    stage_key: str
    turn_in_stage: int
    is_inviter: bool
    topic_frame: str = ""
    emotional_intensity: int | None = None
    crisis_block: str = ""
    shared_content: tuple[str, ...] = ()
    stage_data: tuple[str, ...] = ()
    summary: str = ""
    captured_summary: str = ""

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the record immutable.
        for name in ("shared_content", "stage_data"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))


@cache
def static_block(stage_key: str) -> str:
    """The cached part of the system prompt for a stage (ValueError for an unknown key)."""
    guidance = STAGE_GUIDANCE[sk.require_stage_key(stage_key)]
    return "\n\n".join((SHARED, guidance, _CLOSING))


def build_prompt(stage_key: str, turn: TurnFacts) -> tuple[str, str]:
    """(system_static, system_turn) for one turn; ValueError for an unknown or mismatched key."""
    static = static_block(stage_key)
    if turn.stage_key != stage_key:
        raise ValueError(f"turn facts are for stage {turn.stage_key!r}, not {stage_key!r}")
    return static, turn_block(turn)


def turn_block(turn: TurnFacts) -> str:
    key = sk.require_stage_key(turn.stage_key)
    role = (
        "they started this session and invited the other person"
        if turn.is_inviter
        else "they were invited to this session by the other person"
    )
    topic = _inline(turn.topic_frame, TOPIC_MAX)
    intensity = _intensity(turn.emotional_intensity)
    lines = [
        "# Notes for this turn",
        f"- Talking with: {_quoted_name(turn.user_name, 'name not set')} ({role}).",
        f"- The other person: {_quoted_name(turn.partner_name, 'name not known yet')}.",
        f"- Stage: {STAGE_LABELS[key]}; turn {max(turn.turn_in_stage, 1)} of this stage.",
        f'- Topic: "{topic}".' if topic else "- Topic: not agreed yet.",
        f"- Latest emotional intensity: {intensity}.",
        *(f"- {hint}" for hint in _hints(key, turn)),
    ]
    sections = ["\n".join(lines)]
    if turn.captured_summary.strip():
        sections.append("## Captured this turn\n" + _inline(turn.captured_summary, 2000))
    sections.append(_section("Shared with consent", turn.shared_content,
                             empty="Nothing has been shared with this person."))
    if turn.stage_data:
        sections.append(_section("This stage so far", turn.stage_data))
    if turn.summary.strip():
        sections.append("## Earlier conversation (summary)\n" + _quote(turn.summary))
    if turn.crisis_block.strip():
        sections.append(turn.crisis_block.strip())
    return "\n\n".join(sections)


def _hints(key: str, turn: TurnFacts) -> list[str]:
    hints: list[str] = []
    if turn.turn_in_stage <= 1:
        hints.append("This is the first turn of this stage.")
    level = turn.emotional_intensity
    if level is not None and HIGH_INTENSITY <= level <= 10:
        hints.append("Intensity is high: slow down, be present, and don't move them towards the "
                     "next step in this reply.")
    if key == sk.WITNESS and turn.turn_in_stage < FEEL_HEARD_MIN_TURNS:
        hints.append("It is too early to offer the feel-heard check unless they ask to move on.")
    if key == sk.ONBOARDING and not turn.is_inviter:
        hints.append("They were invited: welcome and orient them.")
    if turn.crisis_block.strip():
        hints.append("A safety section follows: it comes before the stage work.")
    return hints


_SPACE = re.compile(r"\s+")


def _inline(text: str, limit: int) -> str:
    text = _SPACE.sub(" ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quoted_name(name: str, missing: str) -> str:
    cleaned = _inline(name, NAME_MAX).replace('"', "'")
    return f'"{cleaned}"' if cleaned else f"({missing})"


def _intensity(level: int | None) -> str:
    if level is None or not 1 <= level <= 10:
        return "not reported"
    return f"{level}/10"


def _quote(text: str) -> str:
    return "\n".join("> " + line.rstrip() for line in text.strip().splitlines())


def _section(title: str, items: Iterable[str], empty: str = "") -> str:
    parts = [_quote(item) for item in items if item and item.strip()]
    body = "\n\n".join(parts) if parts else empty
    return f"## {title}\n{body}".rstrip()
