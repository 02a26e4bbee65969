"""After a reply: the rolling summary and notable facts of the writer's lane.

Runs in the background once the reply is stored, never on its path, with the fast model.
A failure only costs the memory an update (it is tried again after a later turn); the
conversation is unaffected. A process restart loses at most the pending update, for the same
reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from mwf_core.domain.enums import MessageRole
from mwf_core.domain.records import ConversationMemory, Message
from mwf_core.ports.llm import ChatTurn, LanguageModel, LlmError, LlmRequest, ModelRole
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction

log = logging.getLogger("mwf.enrichment")

SUMMARY_EVERY = 20  # messages added to the lane before the summary is rewritten
LANE_WINDOW = 200
MAX_FACTS = 20
FACT_MAX_CHARS = 300

SUMMARY_PROMPT = (
    "You keep a private, factual summary of one person's conversation with a mediator. "
    "Answer with JSON only: {\"summary\": \"<at most 120 words, in the third person, no "
    "judgement>\", \"keyThemes\": [\"<up to 5 short themes>\"]}."
)
FACTS_PROMPT = (
    "List the notable facts the person shared that would help a mediator later (people, "
    "events, commitments, boundaries). Answer with JSON only: {\"facts\": [{\"category\": "
    "\"people|events|feelings|needs|boundaries|other\", \"fact\": \"<one sentence>\"}]} with "
    "at most 20 facts; an empty list is fine."
)


def _transcript(lane: list[Message]) -> str:
    speaker = {MessageRole.USER: "Person"}
    return "\n".join(f"{speaker.get(m.role, 'Mediator')}: {m.content}" for m in lane)


def _json(text: str) -> dict[str, Any]:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return {}
    try:
        value = json.loads(text[start : end + 1])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _facts(raw: Any) -> list[dict[str, str]]:
    facts: list[dict[str, str]] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("fact"), str) and item["fact"].strip():
            category = item.get("category") if isinstance(item.get("category"), str) else "other"
            facts.append({"category": category[:32], "fact": item["fact"].strip()[:FACT_MAX_CHARS]})
    return facts[:MAX_FACTS]


class EnrichmentUseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps = deps
        self._llm = llm
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[tuple[str, str]] = set()

    def schedule(self, session_id: str, user_id: str, turn_id: str) -> None:
        """Start the update in the background (keeping a reference so it is not collected);
        one at a time per lane, since two would summarise the same messages twice."""
        lane = (session_id, user_id)
        if lane in self._running:
            return
        self._running.add(lane)
        task = asyncio.create_task(self.after_turn(session_id, user_id, turn_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._running.discard(lane))

    async def drain(self) -> None:
        """Wait for pending updates (shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def after_turn(self, session_id: str, user_id: str, turn_id: str) -> None:
        """Rewrite the summary and facts when enough of the lane is new. Never raises."""
        try:
            await self._update(session_id, user_id, turn_id)
        except Exception:
            log.exception("conversation memory update failed (turn %s)", turn_id)

    async def _update(self, session_id: str, user_id: str, turn_id: str) -> None:
        async def read(uow: UnitOfWork) -> tuple[str | None, ConversationMemory | None,
                                                 list[Message]]:
            vessel = await uow.vessels.user_vessel(session_id, user_id)
            if vessel is None:
                return None, None, []
            lane = await uow.messages.lane(session_id, user_id, LANE_WINDOW)
            return vessel.id, await uow.memories.get(vessel.id), lane

        vessel_id, memory, lane = await in_transaction(self._deps.uow, read)
        # New since the last summary: after its watermark (the newest message it covered).
        new = [m for m in lane if memory is None or m.timestamp > memory.updated_at]
        if vessel_id is None or len(new) < SUMMARY_EVERY:
            return
        transcript = _transcript(lane)
        if memory and memory.summary:
            transcript = f"Earlier summary: {memory.summary}\n\n{transcript}"
        summary = _json(await self._ask("summary", SUMMARY_PROMPT, transcript, session_id,
                                        user_id, turn_id))
        facts = _json(await self._ask("notable_facts", FACTS_PROMPT, transcript, session_id,
                                      user_id, turn_id))
        text = summary.get("summary") if isinstance(summary.get("summary"), str) else ""
        themes = [t for t in summary.get("keyThemes", []) if isinstance(t, str)][:5] \
            if isinstance(summary.get("keyThemes"), list) else []
        if not text:
            return
        updated = ConversationMemory(
            vessel_id=vessel_id, summary=text.strip()[:2000], updated_at=lane[-1].timestamp,
            key_themes=themes, notable_facts=_facts(facts.get("facts")),
            summarized_messages=(memory.summarized_messages if memory else 0) + len(new),
        )

        async def save(uow: UnitOfWork) -> None:
            if await uow.vessels.user_vessel(session_id, user_id) is not None:
                await uow.memories.save(updated)  # the person may have left meanwhile

        await in_transaction(self._deps.uow, save)

    async def _ask(self, call_type: str, prompt: str, transcript: str, session_id: str,
                   user_id: str, turn_id: str) -> str:
        request = LlmRequest(
            role=ModelRole.MECHANIC, call_type=call_type, system_static=prompt,
            messages=(ChatTurn("user", transcript),), max_tokens=800, session_id=session_id,
            turn_id=turn_id, user_id=user_id, hints={"call_type": call_type},
        )
        try:
            return (await self._llm.complete(request)).text
        except LlmError as error:
            log.warning("%s for turn %s failed: %s", call_type, turn_id, error)
            return ""


Scheduler = Callable[[str, str, str], None]



