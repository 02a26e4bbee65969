"""The offline mediator: the embedded default when no AWS credentials are configured.

It is not a model and never pretends to be one. It is a deterministic, stage-aware responder
that makes the whole journey usable in minutes: it reflects the person's own words (first
person turned into second person), asks one open question per turn, and reaches each stage's
milestone within a few turns of that stage:

| stage key        | milestone (tool input of the state-capture call)          | by turn |
|------------------|-----------------------------------------------------------|---------|
| invitation       | `topicFrame` (neutral, <= 20 words, no names)             | 2       |
| 0 (inviter, no frame yet) | as invitation                                    | 2       |
| 1                | `offerFeelHeardCheck: true` (never advances a stage)      | 3       |
| 2, 21            | `offerReadyToShare: true` + `proposedEmpathyStatement`    | 3       |
| 3                | `proposedNeed {need, category, evidence}`, one per turn   | 2       |
| 4                | `stage4Proposals [{op: add, description, needsAddressed}]`| 2       |

Turn numbers come from `hints["turn_in_stage"]` (1-based; default: the number of user messages).
The state-capture call and the reply call of one turn compute the same plan from the same hints
and messages, so the reply always matches what was captured.

Calls it answers (`call_type`): `state_capture` (or any request forcing the
`update_session_state` tool), `mediator_reply`, `initial_message`, and the JSON jobs `summary`
(`{"text", "summary", "keyThemes", "emotionalJourney", "unresolvedTopics", "messageCount"}`),
`notable_facts` (`{"facts": []}`) and `reconciler*` (see offline_reconciler.py: PROCEED unless
the statement is very short; a fixed share suggestion). Any other mechanic job
gets `{}`; any other mediator call gets a stage-aware reply. Nothing raises except an empty
message list (LlmError, not retryable, code "validation").

Same request → same output: no randomness, no clock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from mwf_core.ports.llm import (
    LlmError,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    ToolCall,
    Usage,
)

from . import offline_reconciler
from . import offline_texts as t

log = logging.getLogger("mwf.llm.offline")

OFFLINE_MODEL_ID = "offline-mediator"
STATE_TOOL = "update_session_state"
_DEFAULT_NEED_ORDER = ("CONNECTION", "RECOGNITION", "FAIRNESS", "AUTONOMY", "SAFETY", "MEANING")
_CONTEXT_MARKER = re.compile(r"user message:\s*", re.IGNORECASE)


def split_chunks(text: str) -> list[str]:
    """The text in word-boundary chunks of 3 to 6 words; the chunks concatenate to the text."""
    pieces = re.findall(r"\S+\s*", text)
    lead = text[: len(text) - len(text.lstrip())]
    chunks: list[str] = []
    index, size = 0, 3
    while index < len(pieces):
        chunks.append("".join(pieces[index:index + size]))
        index += size
        size = 3 + (len(chunks) % 4)
    if chunks and lead:
        chunks[0] = lead + chunks[0]
    return chunks or ([text] if text else [])


def estimate_usage(request: LlmRequest, output: str) -> Usage:
    """Token estimates (about four characters a token)."""
    prompt = len(request.system_static) + len(request.system_turn)
    prompt += sum(len(turn.text) for turn in request.messages)
    return Usage(input_tokens=max(1, prompt // 4), output_tokens=(len(output) + 3) // 4)


@dataclass(frozen=True, slots=True)
class KnownNeed:
    label: str
    category: str
    need_id: str = ""


@dataclass(frozen=True, slots=True)
class TurnView:
    """What the offline mediator reads from a request."""

    stage: str
    turn: int
    text: str
    stage_texts: tuple[str, ...]
    user_name: str
    partner: str
    names: tuple[str, ...]
    topic_frame: str
    intensity: float
    needs: tuple[KnownNeed, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """One turn: the state-capture tool input and the visible reply."""

    capture: dict[str, Any]
    reply: str


def _own_words(text: str) -> str:
    """The person's message without a "Context: … User message: …" wrapper."""
    parts = _CONTEXT_MARKER.split(text)
    return t.normalise(parts[-1] if len(parts) > 1 else text)


def _number(value: Any, default: float = 0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _known_needs(raw: Any) -> tuple[KnownNeed, ...]:
    found: list[KnownNeed] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, str):
            found.append(KnownNeed(item, t.categorise(item) or "", ""))
        elif isinstance(item, dict):
            label = str(item.get("need") or item.get("label") or item.get("name") or "")
            category = str(item.get("category") or "").upper()
            if category not in t.NEED_CATEGORIES:
                category = t.categorise(label) or ""
            found.append(KnownNeed(label, category, str(item.get("id") or
                                                        item.get("needId") or "")))
    return tuple(found)


def read_turn(request: LlmRequest) -> TurnView:
    hints = request.hints or {}
    state = hints.get("state") if isinstance(hints.get("state"), dict) else {}
    texts = [_own_words(m.text) for m in request.messages if m.role == "user"]
    turn = int(_number(hints.get("turn_in_stage"))) or len(texts) or 1
    user_name = str(hints.get("user_name") or "").strip()
    partner_name = str(hints.get("partner_name") or "").strip()
    frame = str(hints.get("topic_frame") or "").strip()
    stage = str(hints.get("stage_key") or "").strip()
    if stage == "0" and hints.get("is_inviter") and not frame:
        stage = "invitation"
    intensity = max(_number(state.get(key)) for key in
                    ("emotionalIntensity", "emotional_intensity", "intensity")) if state else 0
    intensity = max(intensity, _number(hints.get("emotional_intensity")))
    needs = _known_needs(hints.get("needs") or state.get("needs") or
                         state.get("identifiedNeeds"))
    return TurnView(
        stage=stage, turn=turn, text=texts[-1] if texts else "",
        stage_texts=tuple(texts[-turn:]), user_name=user_name,
        partner=partner_name or "the other person",
        names=tuple(n for n in (user_name, partner_name) if n), topic_frame=frame,
        intensity=intensity, needs=needs,
    )


def _question(view: TurnView, key: str) -> str:
    options = t.QUESTIONS.get(key, t.QUESTIONS["other"])
    return options[(view.turn - 1) % len(options)].format(partner=view.partner)


def _milestone_question(view: TurnView, key: str) -> str:
    return t.MILESTONE_QUESTIONS[key].format(partner=view.partner)


def reflection(view: TurnView) -> str:
    """The person's most salient clause, said back in the second person."""
    if t.SELF_QUESTIONS.search(view.text):
        return t.SELF_ANSWER
    clause = t.salient_clause(view.text)
    if t.addresses_someone(clause):
        return t.HEAR_YOU
    if len(t.words(clause)) < 2:
        return t.THANKS
    said = t.second_person(clause, view.names)
    return t.REFLECTIONS[(view.turn - 1) % len(t.REFLECTIONS)].format(r=said)


def _invitation(view: TurnView) -> tuple[dict[str, Any], str, str]:
    latest = t.topic_frame([view.text], view.names)
    if view.topic_frame and latest is None:
        return {}, "", t.FRAME_SETTLED
    frame = latest
    if frame is None and view.turn >= 2:
        frame = t.topic_frame(view.stage_texts, view.names) or t.FALLBACK_FRAME
    if frame is None:
        return {}, "", _question(view, "invitation")
    frame = " ".join(frame.replace('"', "").replace("?", "").split()[:20])
    return ({"topicFrame": frame}, t.FRAME_OFFER.format(frame=frame),
            _milestone_question(view, "invitation"))


def _witness(view: TurnView) -> tuple[dict[str, Any], str, str]:
    lowered = view.text.lower()
    offered = view.turn >= 3 or any(signal in lowered for signal in t.HEARD_SIGNALS)
    if offered:
        return {"offerFeelHeardCheck": True}, t.HEARD_OFFER, _milestone_question(view, "1")
    question = t.CALM_QUESTION if view.intensity >= 8 else _question(view, "1")
    return {"offerFeelHeardCheck": False}, "", question


def empathy_statement(view: TurnView) -> str:
    feelings = t.feelings_in(view.stage_texts)[:2]
    feeling = " and ".join(feelings) if feelings else t.DEFAULT_FEELINGS
    reason = (t.because_clause(view.stage_texts) or t.DEFAULT_REASON).replace("?", "")
    reason = reason.replace('"', "")
    return f"I imagine {view.partner} might be feeling {feeling} because {reason}."


def _perspective(view: TurnView) -> tuple[dict[str, Any], str, str]:
    key = "21" if view.stage == "21" else "2"
    ready = view.turn >= 3 or (view.turn >= 2 and bool(t.feelings_in(view.stage_texts)))
    if not ready:
        return {"offerReadyToShare": False}, "", _question(view, key)
    statement = empathy_statement(view)
    capture = {"offerReadyToShare": True, "proposedEmpathyStatement": statement}
    offer = t.EMPATHY_OFFER.format(partner=view.partner, statement=statement)
    return capture, offer, _milestone_question(view, "2")


def choose_need(view: TurnView) -> tuple[str, str] | None:
    """(category, the words it came from) for this turn, or None to keep asking."""
    existing = tuple(need.category for need in view.needs if need.category)
    category = t.categorise(view.text, exclude=existing)
    if category:
        return category, view.text
    if view.turn < 2:
        return None
    for text in reversed(view.stage_texts):
        category = t.categorise(text, exclude=existing)
        if category:
            return category, text
    if existing:
        return None
    return _DEFAULT_NEED_ORDER[0], view.text


def _needs(view: TurnView) -> tuple[dict[str, Any], str, str]:
    chosen = choose_need(view)
    if chosen is None:
        return {}, "", _question(view, "3")
    category, source = chosen
    evidence = t.salient_clause(source) or source[:200]  # the person's own words
    need = t.NEED_TEXT[category]
    capture = {"proposedNeed": {"need": need, "category": category, "evidence": evidence}}
    offer = t.NEED_OFFER.format(need=need[0].lower() + need[1:], word=category.lower())
    return capture, offer, _milestone_question(view, "3")


def _repair(view: TurnView) -> tuple[dict[str, Any], str, str]:
    idea = t.suggestion(view.text)
    addressed: list[str] = []
    if idea is None and view.turn < 2 and not view.needs:
        return {}, "", _question(view, "4")
    if view.needs:
        need = view.needs[(view.turn - 1) % len(view.needs)]
        if idea is not None:
            category = t.categorise(view.text)
            need = next((n for n in view.needs if n.category == category), need)
        addressed = [need.need_id or need.label]
        category = need.category or "CONNECTION"
    else:
        category = t.categorise(" ".join(view.stage_texts)) or "CONNECTION"
    action = (idea or t.EXPERIMENTS[category]).replace('"', "").replace("?", "")
    description = f"For one week, {action}, then check in together about how it went."
    proposal = {"op": "add", "description": description, "needsAddressed": addressed}
    return ({"stage4Proposals": [proposal]}, t.STRATEGY_OFFER.format(description=description),
            _milestone_question(view, "4"))


_STAGES = {"invitation": _invitation, "1": _witness, "2": _perspective, "21": _perspective,
           "3": _needs, "4": _repair}


def plan_turn(request: LlmRequest) -> Plan:
    view = read_turn(request)
    if not view.text:
        return Plan({}, t.FALLBACK_REPLY)
    handler = _STAGES.get(view.stage)
    if handler is None:
        capture, middle, question = {}, "", _question(view, view.stage or "other")
    else:
        capture, middle, question = handler(view)
    if t.SELF_QUESTIONS.search(view.text) and not middle:
        question = _question(view, "other")
    reply = " ".join(part for part in (reflection(view), middle, question) if part)
    return Plan(capture, reply)


def greeting(request: LlmRequest) -> str:
    view = read_turn(request)
    template = t.GREETINGS.get(view.stage, t.GREETINGS["1"])
    name = f" {view.user_name}" if view.user_name else ""
    return template.format(name=name, partner=view.partner)


def _sentences(texts: Iterable[str]) -> tuple[str, str]:
    joined = [text for text in texts if text.strip()]
    if not joined:
        return "", ""
    first, last = t.sentences(joined[0]), t.sentences(joined[-1])
    return (first[0] if first else ""), (last[-1] if last else "")


def json_job(request: LlmRequest) -> dict[str, Any] | None:
    """The small JSON answers of the mechanic jobs it knows; None for any other call."""
    call = request.call_type.lower().replace("-", "_")
    texts = [turn.text for turn in request.messages]
    if call == "summary":
        first, last = _sentences(texts)
        text = first if not last or last == first else f"{first} ... {last}"
        themes = t.topic_labels(" ".join(texts))[:5]
        return {"text": text, "summary": text, "keyThemes": themes, "emotionalJourney": "",
                "unresolvedTopics": [], "messageCount": len(texts)}
    if call == "notable_facts":
        return {"facts": []}
    if call == "stage4_suggest_proposals":
        from mwf_core.domain.stage4 import fallback_suggestions

        count = int(request.hints.get("count") or 3)
        return {"suggestions": fallback_suggestions(dict(request.hints.get("needs") or {}),
                                                    count)}
    if call.startswith("reconciler"):
        return offline_reconciler.answer(call, request)
    if call == "needs_interpret_edit":
        from mwf_core.domain.needs_edits import fallback_plan

        hints = request.hints
        plan = fallback_plan(str(hints.get("request") or ""), str(hints.get("targetNeedId") or ""),
                             set(hints.get("openNeedIds") or ()))
        return {"operations": [{"type": op.type, "needId": op.need_id, "need": op.need,
                                "category": op.category} for op in plan]}
    return None


class OfflineMediator:
    """A `LanguageModel` that needs no network: see the module docstring."""

    def model_id(self, role: ModelRole) -> str:
        return OFFLINE_MODEL_ID

    async def complete(self, request: LlmRequest) -> LlmResult:
        return self.answer(request)

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        result = self.answer(request)
        for chunk in split_chunks(result.text):
            yield TextDelta(chunk)
            await asyncio.sleep(0)  # let other tasks (and cancellation) in, like a real stream
        yield StreamFinished(result)

    def answer(self, request: LlmRequest) -> LlmResult:
        if not request.messages:
            raise LlmError("the request has no messages", retryable=False, code="validation")
        try:
            return self._dispatch(request)
        except Exception:  # never fail a turn: a plain supportive reply instead
            log.exception("offline mediator fell back on %s", request.call_type)
            return self._text(request, t.FALLBACK_REPLY)

    def _dispatch(self, request: LlmRequest) -> LlmResult:
        if request.call_type == "state_capture" or request.force_tool == STATE_TOOL:
            capture = plan_turn(request).capture
            return self._tool(request, ToolCall(request.force_tool or STATE_TOOL, capture))
        if request.call_type == "initial_message":
            return self._text(request, greeting(request))
        job = json_job(request)
        if job is not None:
            if request.force_tool:
                return self._tool(request, ToolCall(request.force_tool, job))
            return self._text(request, json.dumps(job))
        if request.force_tool:
            return self._tool(request, ToolCall(request.force_tool, {}))
        if request.role is ModelRole.MECHANIC:
            return self._text(request, "{}")
        return self._text(request, plan_turn(request).reply)

    @staticmethod
    def _text(request: LlmRequest, text: str) -> LlmResult:
        return LlmResult(text=text, model_id=OFFLINE_MODEL_ID, offline=True,
                         usage=estimate_usage(request, text))

    @staticmethod
    def _tool(request: LlmRequest, call: ToolCall) -> LlmResult:
        usage = estimate_usage(request, json.dumps(call.input))
        return LlmResult(text="", model_id=OFFLINE_MODEL_ID, offline=True, usage=usage,
                         tool_calls=(call,),
                         stop_reason="tool_use")
