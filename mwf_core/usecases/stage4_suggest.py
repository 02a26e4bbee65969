"""Stage 4: AI suggestions (POST /stage4/suggest). The mechanic model proposes small
experiments for the needs the caller may see; a deterministic answer stands in when it
fails. Suggestions join the inventory through `stage4_inventory.add_proposal` (its one
duplicate rule) as AI_SUGGESTED shared proposals."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from mwf_core.domain.agreements import (
    DURATION_MAX,
    MEASURE_OF_SUCCESS_MAX,
    STRATEGY_DESCRIPTION_MAX,
    STRATEGY_DESCRIPTION_MIN,
)
from mwf_core.domain.enums import ProposalKind, ProposalSource
from mwf_core.domain.errors import NotFound, field_error
from mwf_core.domain.records import StrategyProposal, User
from mwf_core.domain.stage4 import SUGGEST_MAX, fallback_suggestions
from mwf_core.ports.llm import ChatTurn, LlmError, LlmRequest, ModelRole
from mwf_core.ports.repositories import UnitOfWork

from .runtime import in_transaction
from .session_view import load_context, load_locked_context
from .stage4_common import Stage4Base, require_open, require_stage4
from .stage4_inventory import add_proposal, refresh_coverage, session_needs
from .stage4_state import Stage4State

log = logging.getLogger("mwf.stage4")

SUGGEST_CALL = "stage4-suggest-proposals"
FOCUS_MAX, FOCUS_ITEM_MAX = 10, 200


@dataclass(slots=True)
class Suggestion:
    proposal: StrategyProposal
    duration: str | None
    measure_of_success: str | None


@dataclass(slots=True)
class SuggestResult:
    suggestions: list[Suggestion]
    source: str
    state: Stage4State


class Stage4SuggestMixin(Stage4Base):
    async def suggest(self, actor: User, session_id: str, count: int = SUGGEST_MAX,
                      focus_needs: list[str] | None = None, need_id: str | None = None
                      ) -> SuggestResult:
        """Ask the mechanic model for up to `count` proposals (outside any transaction)."""
        if not 1 <= count <= SUGGEST_MAX:
            raise field_error("count", f"count must be between 1 and {SUGGEST_MAX}")
        focus = list(focus_needs or [])
        if len(focus) > FOCUS_MAX:
            raise field_error("focusNeeds", f"at most {FOCUS_MAX} focus needs")
        if any(len(f) > FOCUS_ITEM_MAX for f in focus):
            raise field_error("focusNeeds", f"each focus need is at most {FOCUS_ITEM_MAX} "
                                            "characters")

        async def read(uow: UnitOfWork) -> dict[str, str]:
            context = await load_context(uow, session_id, actor)
            await require_open(uow, session_id)
            require_stage4(context)
            needs = {n.id: n.need for n, _ in await session_needs(uow, session_id, actor.id)}
            if need_id and need_id not in needs:
                raise NotFound("Need not found")
            return needs

        needs = await in_transaction(self._deps.uow, read)
        targets = {need_id: needs[need_id]} if need_id else needs
        raw = await self._ask_model(actor, session_id, targets, focus, count)
        if not raw:
            raw = fallback_suggestions(targets, count)

        async def write(uow: UnitOfWork) -> SuggestResult:
            context = await load_locked_context(uow, session_id, actor)
            await require_open(uow, session_id)
            require_stage4(context)
            live = {n.id for n, _ in await session_needs(uow, session_id, actor.id)}
            made: list[Suggestion] = []
            for item in raw[:count]:
                text = _short(item.get("description"), STRATEGY_DESCRIPTION_MAX) or ""
                if len(text) < STRATEGY_DESCRIPTION_MIN:
                    continue
                duration = _short(item.get("duration"), DURATION_MAX)
                measure = _short(item.get("measureOfSuccess"), MEASURE_OF_SUCCESS_MAX)
                proposal = await add_proposal(
                    uow, self._deps, session_id, description=text,
                    needs_addressed=[str(n) for n in item.get("needsAddressed", []) or []
                                     if str(n) in live],
                    source=ProposalSource.AI_SUGGESTED, kind=ProposalKind.SHARED_PROPOSAL,
                    created_by=None, duration=duration, measure_of_success=measure)
                if proposal is not None:
                    made.append(Suggestion(proposal, duration, measure))
            if made:
                await refresh_coverage(uow, self._deps, session_id)
                await self._event(uow, session_id, {
                    "updatedBy": actor.id, "appliedOperationCount": len(made),
                    "skippedOperationCount": min(len(raw), count) - len(made),
                    "selectionCaptured": False})
            return SuggestResult(made, "AI_GENERATED", await self._state(uow, context))

        return await in_transaction(self._deps.uow, write)

    async def _ask_model(self, actor: User, session_id: str, needs: dict[str, str],
                         focus: list[str], count: int) -> list[dict[str, Any]]:
        listing = "\n".join(f"- {nid}: {label}" for nid, label in needs.items()) or "- (none)"
        prompt = (f"Needs (id: need):\n{listing}\n"
                  + (f"Focus on: {', '.join(focus)}\n" if focus else "")
                  + f"Suggest {count} proposals.")
        request = LlmRequest(
            role=ModelRole.MECHANIC, call_type=SUGGEST_CALL,
            system_static=(
                "You suggest small, concrete, time-limited, reversible and observable "
                "experiments two people could try together, each addressing one or more of "
                "the listed needs. Answer with JSON only: {\"suggestions\": [{\"description\": "
                f"str ({STRATEGY_DESCRIPTION_MIN}-{STRATEGY_DESCRIPTION_MAX} chars), "
                "\"needsAddressed\": [need ids], \"duration\": str, "
                "\"measureOfSuccess\": str}]}"),
            messages=(ChatTurn("user", prompt),), max_tokens=1024, session_id=session_id,
            user_id=actor.id, hints={"needs": needs, "count": count})
        try:
            result = await self._llm.complete(request)
        except LlmError as error:
            log.warning("stage-4 suggestions: model failed (%s); deterministic fallback",
                        error.code)
            return []
        return parse_suggestions(result.text)


def _short(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:limit]


def parse_suggestions(text: str) -> list[dict[str, Any]]:
    """The model's JSON (possibly wrapped in prose or a code fence); [] when unusable."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return []
    try:
        data = json.loads(text[start:end + 1])
    except (json.JSONDecodeError, RecursionError):
        return []
    items = data.get("suggestions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]
