"""Everything one turn's two model calls need, read once from this user's lane only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mwf_core.domain.conversation import INFORMED_EMPATHY, stored_stage
from mwf_core.domain.enums import MessageRole, ProposalStatus
from mwf_core.domain.privacy import display_name
from mwf_core.domain.records import ConversationMemory, Message, Turn, User
from mwf_core.mediator.context import trim_history
from mwf_core.mediator.crisis import SafetyAssessment, assess, resources_block
from mwf_core.mediator.prompts import TurnFacts, build_prompt
from mwf_core.mediator.reply_filter import ReplyFilter
from mwf_core.mediator.state_tool import UPDATE_SESSION_STATE, CapturedState, parse_state
from mwf_core.ports.llm import ChatTurn, LlmRequest, ModelRole
from mwf_core.ports.repositories import UnitOfWork

from .conversation_store import EMPATHY_KEYS, NEEDS_KEY, REPAIR_KEY
from .messages import require_chat
from .reconciler_stage import effective_stage_key
from .session_view import SessionContext, load_context

HISTORY_MESSAGES = 60  # read at most this much of the lane; the token budget trims further
SHARED_MESSAGES = 500  # how far back the lane is searched for material shared with the person
REFINING_KEY = str(INFORMED_EMPATHY)
HISTORY_TOKENS = 6000
CAPTURE_MAX_TOKENS = 1024
REPLY_MAX_TOKENS = 1536


def chat_turns(lane: list[Message]) -> list[ChatTurn]:
    """The lane as a dialogue: the person's words as `user`, everything else the mediator
    put in their lane as `assistant`; consecutive turns of one side are merged, because the
    model expects the two sides to alternate."""
    turns: list[ChatTurn] = []
    for message in lane:
        role = "user" if message.role is MessageRole.USER else "assistant"
        if turns and turns[-1].role == role:
            turns[-1] = ChatTurn(role, f"{turns[-1].text}\n\n{message.content}")
        else:
            turns.append(ChatTurn(role, message.content))
    return turns


@dataclass(frozen=True, slots=True)
class PreparedTurn:
    turn: Turn
    user: User
    stage_key: str
    facts: TurnFacts
    history: tuple[ChatTurn, ...]
    names: tuple[str, ...]
    assessment: SafetyAssessment | None
    hints: dict[str, Any] = field(default_factory=dict)
    tool_name: str = UPDATE_SESSION_STATE.name

    @property
    def safety(self) -> dict[str, Any] | None:
        """The `metadata.safety` payload: level and categories only, never the words."""
        if self.assessment is None:
            return None
        return {"level": self.assessment.level.value,
                "categories": list(self.assessment.categories)}

    def _request(self, role: ModelRole, call_type: str, facts: TurnFacts,
                 **extra: Any) -> LlmRequest:
        static, per_turn = build_prompt(self.stage_key, facts)
        return LlmRequest(
            role=role, call_type=call_type, system_static=static, system_turn=per_turn,
            messages=self.history, session_id=self.turn.session_id, turn_id=self.turn.id,
            user_id=self.turn.user_id, hints=self.hints, **extra,
        )

    def capture_request(self) -> LlmRequest:
        """Pass 1: the fast model must answer through the state tool."""
        return self._request(ModelRole.MECHANIC, "state_capture", self.facts,
                             tools=(UPDATE_SESSION_STATE,), force_tool=self.tool_name,
                             max_tokens=CAPTURE_MAX_TOKENS)

    def reply_request(self, captured: CapturedState) -> LlmRequest:
        """Pass 2: the empathic model writes the visible reply, told what pass 1 recorded."""
        facts = TurnFacts(**{**_fields(self.facts), "captured_summary": captured.summary()})
        return self._request(ModelRole.MEDIATOR, "mediator_reply", facts,
                             max_tokens=REPLY_MAX_TOKENS)

    def parse_state(self, tool_input: Any) -> CapturedState:
        return parse_state(tool_input, self.stage_key, names=self.names)

    def new_filter(self) -> ReplyFilter:
        return ReplyFilter()

    def metadata(self, captured: CapturedState) -> dict[str, Any]:
        payload = captured.to_metadata()
        if self.safety is not None:
            payload["safety"] = self.safety
        return payload


def _memory_text(memory: ConversationMemory | None) -> str:
    """The rolling summary and notable facts of this person's own lane, for the prompt."""
    if memory is None or not memory.summary:
        return ""
    facts = "; ".join(f["fact"] for f in memory.notable_facts)
    return f"{memory.summary}\nNotable facts: {facts}" if facts else memory.summary


def _fields(facts: TurnFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in TurnFacts.__dataclass_fields__}


async def prepare_turn(
    uow: UnitOfWork, actor: User, session_id: str, turn: Turn, user_message: Message,
    fixture_id: str,
) -> PreparedTurn:
    context = await load_context(uow, session_id, actor)
    require_chat(context)
    key = await effective_stage_key(uow, context)
    lane = await uow.messages.lane(session_id, actor.id, HISTORY_MESSAGES,
                                   before=None, after=None)
    # This turn's message is the last the model sees, even if another send landed later.
    lane = [m for m in lane if m.timestamp <= user_message.timestamp]
    in_stage = sum(1 for m in lane if m.role is MessageRole.USER
                   and m.stage == stored_stage(key))
    readings = await uow.emotions.for_vessel(context.my_vessel.id, 1) if context.my_vessel \
        else []
    memory = await uow.memories.get(context.my_vessel.id) if context.my_vessel else None
    user_name = actor.first_name or actor.name or ""
    partner_name = display_name(context.partner, context.me) or (
        context.invitation.name if context.invitation and context.is_inviter else ""
    ) or ""
    assessment = assess(user_message.content)
    stage_lines, stage_hints = await load_stage_data(uow, context, key)
    shared = await shared_with_me(uow, context) if key == REFINING_KEY else []
    facts = TurnFacts(
        summary=_memory_text(memory),
        user_name=user_name,
        partner_name=partner_name,
        stage_key=key,
        turn_in_stage=max(in_stage, 1),
        is_inviter=context.is_inviter,
        topic_frame=context.session.topic_frame or "",
        emotional_intensity=readings[0].intensity if readings else None,
        crisis_block=resources_block(assessment),
        shared_content=shared,
        stage_data=stage_lines,
    )
    history = trim_history(chat_turns(lane), HISTORY_TOKENS)
    witness_gates = context.row(actor.id, 1).gates_satisfied if context.row(actor.id, 1) \
        else {}
    hints = {
        "stage_key": key,
        "turn_in_stage": facts.turn_in_stage,
        "user_name": user_name,
        "partner_name": partner_name,
        "topic_frame": facts.topic_frame,
        "is_inviter": context.is_inviter,
        "fixture_id": fixture_id,
        "state": {"feelHeardCheckOffered": bool(witness_gates.get("feelHeardCheckOffered")),
                  "emotionalIntensity": facts.emotional_intensity},
        **stage_hints,
    }
    names = tuple(n for n in (user_name, partner_name, actor.last_name) if n)
    return PreparedTurn(turn=turn, user=actor, stage_key=key, facts=facts,
                        history=tuple(history), names=names, assessment=assessment,
                        hints=hints)


async def shared_with_me(uow: UnitOfWork, context: SessionContext) -> list[str]:
    """What the other person chose to share with the caller: SHARED_CONTEXT and
    EMPATHY_STATEMENT rows addressed to the caller's lane by someone else (never anything of
    the other person's that was not shared on purpose)."""
    me = context.viewer.id
    lane = await uow.messages.lane(context.session.id, me, SHARED_MESSAGES)
    kinds = {MessageRole.SHARED_CONTEXT: "They shared", MessageRole.EMPATHY_STATEMENT:
             "Their empathy statement"}
    return [f"{kinds[m.role]}: {m.content}" for m in lane
            if m.role in kinds and m.for_user_id == me and m.sender_id not in (None, me)]


async def _refinement_data(uow: UnitOfWork, context: SessionContext
                           ) -> tuple[list[str], dict[str, Any]]:
    """Stage 21: the previous attempt and the reconciler's ABSTRACT hints only (area, kind of
    question, a seed question). The gap summary, missed feelings and most important gap come
    from the other person's private stage 1 and never reach this prompt."""
    session_id, me = context.session.id, context.viewer.id
    lines: list[str] = []
    hints: dict[str, Any] = {}
    attempt = await uow.empathy_attempts.by_author(session_id, me)
    if attempt is not None:
        lines.append(f"Their previous empathy statement (revision {attempt.revision_count}):\n"
                     f"{attempt.content}")
        hints["empathy_attempt"] = attempt.content
    result = await uow.reconciler.latest_result(session_id, me)
    if result is not None:
        guidance = {"areaHint": result.area_hint, "guidanceType": result.guidance_type,
                    "promptSeed": result.prompt_seed}
        labels = (("areaHint", "An area worth exploring"), ("guidanceType", "Kind of guidance"),
                  ("promptSeed", "A question to start from"))
        shown = [f"{label}: {guidance[name]}" for name, label in labels if guidance[name]]
        if shown:
            lines.append("Abstract guidance (never quote it):\n" + "\n".join(shown))
        hints["refinement"] = guidance
    return lines, hints


async def load_stage_data(
    uow: UnitOfWork, context: SessionContext, key: str
) -> tuple[list[str], dict[str, Any]]:
    """The current stage's data for the prompt (`TurnFacts.stage_data`) and the hints.

    Only the caller's own draft and needs; in stage 4 also the shared proposal inventory, with
    the needs each proposal addresses shown only where they are the caller's own.
    """
    me, vessel = context.viewer.id, context.my_vessel
    if key in EMPATHY_KEYS:
        lines, hints = await _refinement_data(uow, context) if key == REFINING_KEY else ([], {})
        draft = await uow.empathy_drafts.get(context.session.id, me)
        if draft is None:
            return ["No empathy statement drafted yet.", *lines], hints
        ready = ", which they marked ready to share" if draft.ready_to_share else ""
        return ([f"Their current empathy statement draft (version {draft.version}{ready}):\n"
                 f"{draft.content}", *lines], {"empathy_draft": draft.content, **hints})
    if key not in (NEEDS_KEY, REPAIR_KEY) or vessel is None:
        return [], {}
    needs = await uow.needs.for_vessel(vessel.id)
    labels = {n.id: n.need for n in needs}
    hints: dict[str, Any] = {"needs": [{"id": n.id, "need": n.need, "category": n.category.value}
                                       for n in needs]}
    listed = "\n".join(f"- [{n.id}] {n.category.value}: {n.need}"
                        + (" (confirmed; cannot change)" if n.locked_at else "") for n in needs)
    lines = [f"Their needs (id, category, need):\n{listed}" if needs
             else "No needs captured yet."]
    if key == REPAIR_KEY:
        active = await uow.proposals.for_session(context.session.id,
                                                 frozenset({ProposalStatus.ACTIVE}))
        rows = []
        for p in active:
            by = ("them" if p.created_by_user_id == me else "the AI"
                  if p.created_by_user_id is None else "the other person")
            own = [labels[i] for i in p.needs_addressed if i in labels]
            rows.append(f"- [{p.id}] {p.description} (proposed by {by}"
                        + (f"; meets their needs: {', '.join(own)})" if own else ")"))
        lines.append("Shared proposals (id, description):\n" + "\n".join(rows) if rows
                     else "No proposals on the shared list yet.")
        hints["proposals"] = [
            {"id": p.id, "description": p.description,
             "needsAddressed": [i for i in p.needs_addressed if i in labels],
             "mine": p.created_by_user_id == me} for p in active
        ]
    return lines, hints
