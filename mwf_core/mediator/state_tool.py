"""The `update_session_state` tool and a forgiving parser for what the model sent back.

The state-capture pass offers this one tool. `tool_for_stage` narrows the schema to the fields of
the current stage (fewer fields, fewer mistakes); `parse_state` validates whatever came back,
drops what belongs to another stage and never raises on bad model output: it records each
problem in `CapturedState.problems` and keeps what is usable.

Decisions worth knowing:
- A topic frame longer than 20 words is **rejected**, not cut: a truncated frame reads as a
  broken sentence, and the person would be asked to confirm it. The model proposes again next
  turn. A frame that contains one of the people's names (pass `names=`) is rejected too.
- `offerReadyToShare` without a statement is dropped (the app would offer to share nothing).
- Other over-long strings are cut at a word boundary and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import stage_keys as sk
from .state_schema import (
    DESCRIPTION_MAX_CHARS,
    EVIDENCE_MAX_CHARS,
    ID_MAX_CHARS,
    MAX_NEEDS_ADDRESSED,
    MAX_PROPOSALS_PER_TURN,
    NEED_ACTIONS,
    NEED_CATEGORIES,
    NEED_MAX_CHARS,
    PROPERTIES,
    PROPOSAL_OPS,
    STAGE_FIELDS,
    STATEMENT_MAX_CHARS,
    TOOL_NAME,
    TOPIC_FRAME_MAX_CHARS,
    TOPIC_FRAME_MAX_WORDS,
    UPDATE_SESSION_STATE,
    tool_for_stage,
)

__all__ = [
    "NEED_CATEGORIES", "TOOL_NAME", "UPDATE_SESSION_STATE", "CapturedState", "NeedAction",
    "ProposalOp", "ProposedNeed", "parse_state", "tool_for_stage",
]


@dataclass(frozen=True, slots=True)
class ProposedNeed:
    need: str
    category: str
    evidence: str = ""

    def to_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {"need": self.need, "category": self.category}
        if self.evidence:
            out["evidence"] = self.evidence
        return out


@dataclass(frozen=True, slots=True)
class NeedAction:
    action: str
    need_id: str = ""
    need: str = ""
    category: str = ""

    def to_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        for key, value in (("needId", self.need_id), ("need", self.need),
                           ("category", self.category)):
            if value:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class ProposalOp:
    op: str
    proposal_id: str = ""
    description: str = ""
    needs_addressed: tuple[str, ...] = ()

    def to_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op}
        if self.proposal_id:
            out["proposalId"] = self.proposal_id
        if self.description:
            out["description"] = self.description
        out["needsAddressed"] = list(self.needs_addressed)
        return out


@dataclass(frozen=True, slots=True)
class CapturedState:
    """What one state-capture call recorded, already checked against the stage."""

    topic_frame: str | None = None
    offer_feel_heard_check: bool | None = None
    offer_ready_to_share: bool | None = None
    proposed_empathy_statement: str | None = None
    proposed_need: ProposedNeed | None = None
    need_action: NeedAction | None = None
    stage4_proposals: tuple[ProposalOp, ...] = ()
    problems: tuple[str, ...] = ()

    def to_metadata(self) -> dict[str, Any]:
        """The camelCase payload of the SSE `metadata` event: only the keys that are set."""
        out: dict[str, Any] = {}
        if self.topic_frame is not None:
            out["topicFrame"] = self.topic_frame
        if self.offer_feel_heard_check is not None:
            out["offerFeelHeardCheck"] = self.offer_feel_heard_check
        if self.offer_ready_to_share is not None:
            out["offerReadyToShare"] = self.offer_ready_to_share
        if self.proposed_empathy_statement is not None:
            out["proposedEmpathyStatement"] = self.proposed_empathy_statement
        if self.proposed_need is not None:
            out["proposedNeed"] = self.proposed_need.to_metadata()
        if self.need_action is not None:
            out["needAction"] = self.need_action.to_metadata()
        if self.stage4_proposals:
            out["stage4Proposals"] = [p.to_metadata() for p in self.stage4_proposals]
        return out

    @property
    def is_empty(self) -> bool:
        return not self.to_metadata()

    def summary(self) -> str:
        """One plain line for the reply pass ("Captured this turn: ..."), "" when nothing."""
        parts: list[str] = []
        if self.topic_frame:
            parts.append(f'proposed the topic frame "{self.topic_frame}"')
        if self.offer_feel_heard_check:
            parts.append("offered the 'I feel heard' check")
        if self.proposed_empathy_statement:
            ready = " and offered it for sharing" if self.offer_ready_to_share else ""
            statement = self.proposed_empathy_statement
            parts.append(f'drafted the empathy statement "{statement}"{ready}')
        if self.proposed_need:
            n = self.proposed_need
            parts.append(f'captured the need "{n.need}" ({n.category})')
        if self.need_action:
            a = self.need_action
            parts.append(f"{a.action} need {a.need_id or a.need}".rstrip())
        for p in self.stage4_proposals:
            parts.append(f"{p.op} proposal {p.description or p.proposal_id}".rstrip())
        return ("Captured this turn: " + "; ".join(parts) + ".") if parts else ""


def parse_state(tool_input: Any, stage_key: str, *, names: tuple[str, ...] = ()) -> CapturedState:
    """Validate the tool input for `stage_key`; never raises on bad model output.

    `names` are the two people's display names: a topic frame that mentions one is rejected.
    Raises ValueError only for an unknown stage key (a caller bug).
    """
    allowed = STAGE_FIELDS[sk.require_stage_key(stage_key)]
    problems: list[str] = []
    if not isinstance(tool_input, dict):
        problems.append(f"tool input is {type(tool_input).__name__}, not an object")
        return CapturedState(problems=tuple(problems))
    values: dict[str, Any] = {}
    for key, raw in tool_input.items():
        if key not in PROPERTIES:
            problems.append(f"unknown field {str(key)[:40]!r} ignored")
        elif key not in allowed:
            problems.append(f"{key} does not belong to stage {stage_key} and was ignored")
        elif raw is not None:
            values[key] = raw
    p = problems
    topic = _topic_frame(values["topicFrame"], names, p) if "topicFrame" in values else None
    feel_heard = _bool(values, "offerFeelHeardCheck", p)
    ready = _bool(values, "offerReadyToShare", p)
    statement = _text(values.get("proposedEmpathyStatement"), "proposedEmpathyStatement",
                      STATEMENT_MAX_CHARS, p)
    if ready and not statement:
        p.append("offerReadyToShare without proposedEmpathyStatement ignored")
        ready = None
    need = _need(values["proposedNeed"], p) if "proposedNeed" in values else None
    action = _need_action(values["needAction"], p) if "needAction" in values else None
    proposals = _proposals(values["stage4Proposals"], p) if "stage4Proposals" in values else ()
    return CapturedState(topic, feel_heard, ready, statement, need, action, proposals, tuple(p))


_WS = re.compile(r"\s+")


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _WS.sub(" ", value).strip()


def _cap(text: str, limit: int, label: str, problems: list[str]) -> str:
    if len(text) <= limit:
        return text
    problems.append(f"{label} longer than {limit} characters was cut")
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:-") + "…"


def _text(raw: Any, label: str, limit: int, problems: list[str]) -> str | None:
    if raw is None:
        return None
    text = _clean(raw)
    if text is None:
        problems.append(f"{label} is not a string")
        return None
    return _cap(text, limit, label, problems) if text else None


def _topic_frame(raw: Any, names: tuple[str, ...], problems: list[str]) -> str | None:
    text = _clean(raw)
    if text is None:
        problems.append("topicFrame is not a string")
        return None
    text = text.strip("\"'“”‘’ ").rstrip(".").strip()
    if not text:
        return None
    words = len(text.split())
    if words > TOPIC_FRAME_MAX_WORDS:
        problems.append(f"topicFrame has {words} words (max {TOPIC_FRAME_MAX_WORDS}); rejected")
        return None
    if len(text) > TOPIC_FRAME_MAX_CHARS:
        problems.append(f"topicFrame longer than {TOPIC_FRAME_MAX_CHARS} characters; rejected")
        return None
    for name in names:
        if name.strip() and re.search(rf"\b{re.escape(name.strip())}\b", text, re.IGNORECASE):
            problems.append("topicFrame mentions a person's name; rejected")
            return None
    return text


def _bool(values: dict[str, Any], key: str, problems: list[str]) -> bool | None:
    if key not in values:
        return None
    raw = values[key]
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    problems.append(f"{key} is not a boolean")
    return None


def _category(raw: Any) -> str | None:
    text = _clean(raw)
    if not text:
        return None
    text = text.upper()
    return text if text in NEED_CATEGORIES else None


def _evidence(raw: Any, problems: list[str]) -> str:
    if isinstance(raw, list):  # some models send the quotes as a list
        raw = "; ".join(x.strip() for x in raw if isinstance(x, str) and x.strip())
    return _text(raw, "evidence", EVIDENCE_MAX_CHARS, problems) or ""


def _need(raw: Any, problems: list[str]) -> ProposedNeed | None:
    if not isinstance(raw, dict):
        problems.append("proposedNeed is not an object")
        return None
    need = _text(raw.get("need"), "proposedNeed.need", NEED_MAX_CHARS, problems)
    category = _category(raw.get("category"))
    if not need:
        problems.append("proposedNeed without a need ignored")
        return None
    if category is None:
        problems.append(f"proposedNeed category {str(raw.get('category'))[:30]!r} invalid; ignored")
        return None
    return ProposedNeed(need, category, _evidence(raw.get("evidence"), problems))


def _need_action(raw: Any, problems: list[str]) -> NeedAction | None:
    if not isinstance(raw, dict):
        problems.append("needAction is not an object")
        return None
    action = (_clean(raw.get("action")) or "").lower()
    if action not in NEED_ACTIONS:
        problems.append(f"needAction action {str(raw.get('action'))[:30]!r} invalid; ignored")
        return None
    need_id = _text(raw.get("needId"), "needAction.needId", ID_MAX_CHARS, problems) or ""
    need = _text(raw.get("need"), "needAction.need", NEED_MAX_CHARS, problems) or ""
    category = _category(raw.get("category"))
    if raw.get("category") is not None and category is None:
        problems.append("needAction category invalid; dropped")
    missing = {
        "add": [] if need and category else ["need and category"],
        "refine": [x for x, v in (("needId", need_id), ("need", need)) if not v],
        "delete": [] if need_id else ["needId"],
        "lock": [] if need_id else ["needId"],
    }[action]
    if missing:
        problems.append(f"needAction {action} without {', '.join(missing)}; ignored")
        return None
    if action in ("delete", "lock"):
        return NeedAction(action, need_id)
    return NeedAction(action, need_id if action == "refine" else "", need, category or "")


def _proposals(raw: Any, problems: list[str]) -> tuple[ProposalOp, ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append("stage4Proposals is not a list")
        return ()
    if len(raw) > MAX_PROPOSALS_PER_TURN:
        problems.append(f"more than {MAX_PROPOSALS_PER_TURN} proposals; the rest ignored")
    ops: list[ProposalOp] = []
    for i, item in enumerate(raw[:MAX_PROPOSALS_PER_TURN]):
        label = f"stage4Proposals[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{label} is not an object")
            continue
        op = (_clean(item.get("op")) or "").lower()
        if op not in PROPOSAL_OPS:
            problems.append(f"{label} op {str(item.get('op'))[:30]!r} invalid; ignored")
            continue
        pid = _text(item.get("proposalId"), f"{label}.proposalId", ID_MAX_CHARS, problems) or ""
        desc = _text(item.get("description"), f"{label}.description", DESCRIPTION_MAX_CHARS,
                     problems) or ""
        if op == "add" and not desc:
            problems.append(f"{label} add without description; ignored")
            continue
        if op != "add" and not pid:
            problems.append(f"{label} {op} without proposalId; ignored")
            continue
        if op == "revise" and not desc:
            problems.append(f"{label} revise without description; ignored")
            continue
        needs_raw = item.get("needsAddressed") or []
        if not isinstance(needs_raw, list):
            needs_raw = [needs_raw]
        needs = tuple(dict.fromkeys(
            n for n in (_clean(x) for x in needs_raw) if n
        ))[:MAX_NEEDS_ADDRESSED]
        ops.append(ProposalOp(op, "" if op == "add" else pid, desc, tuple(
            n[:ID_MAX_CHARS] for n in needs)))
    return tuple(ops)
