"""Stage 3: changing one's need list in one's own words.

- `interpret_edit` asks the mechanic model to turn a request ("drop the one about money",
  "it's more about feeling respected") into add / refine / delete operations on the caller's
  open needs. It writes nothing. When the model fails or answers something unusable, a
  deterministic plan stands in (`fallback: true`): the request never fails because the model
  did. The model is called outside any transaction.
- `apply_edits` applies such operations in one transaction, all or none, with the same rules
  as the other edits (stage 3, ACTIVE session, not yet shared; only live, unlocked needs of
  the caller change).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from mwf_core.domain import events
from mwf_core.domain.enums import NeedCategory
from mwf_core.domain.errors import ValidationFailed, field_error
from mwf_core.domain.needs_edits import (
    EDIT_OPERATIONS_MAX,
    EDIT_REQUEST_MAX,
    EditOperation,
    fallback_plan,
    operation_problem,
    parse_plan,
)
from mwf_core.domain.records import IdentifiedNeed, StageProgress, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.llm import ChatTurn, LanguageModel, LlmError, LlmRequest, ModelRole, ToolSpec
from mwf_core.ports.repositories import UnitOfWork

from .conversation_store import need_view
from .needs_common import NeedInput, add_need, editable_row, own_event, run_edit
from .runtime import Dependencies, in_transaction
from .session_view import SessionContext, load_context

log = logging.getLogger("mwf.needs")

INTERPRET_CALL = "needs_interpret_edit"
EDIT_TOOL = "need_edits"

_INSTRUCTIONS = (
    "You help one person adjust their own list of needs in a guided conversation. Turn their "
    "request into operations on that list. Use 'refine' to reword an existing need, 'delete' "
    "to remove one, 'add' for a new need. Only use need ids from the list. A need is a short "
    "universal need in the person's own words, not a strategy or a demand on someone else. "
    "Categories: SAFETY, CONNECTION, AUTONOMY, RECOGNITION, MEANING, FAIRNESS. When the "
    "request is unclear, return no operations."
)
_SCHEMA = {
    "type": "object",
    "properties": {"operations": {"type": "array", "items": {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": ["add", "refine", "delete"]},
                       "needId": {"type": "string"}, "need": {"type": "string"},
                       "category": {"type": "string",
                                    "enum": list(NeedCategory.__members__)}},
        "required": ["type"]}}},
    "required": ["operations"],
}


@dataclass(frozen=True, slots=True)
class EditPlan:
    operations: list[EditOperation]
    fallback: bool


@dataclass(frozen=True, slots=True)
class AppliedEdits:
    applied: int
    needs: list[IdentifiedNeed]


class NeedEdits:
    """Mixed into NeedsUseCases."""

    _deps: Dependencies
    _llm: LanguageModel

    async def interpret_edit(self, actor: User, session_id: str, request: str,
                             target_need_id: str = "") -> EditPlan:
        text = request.strip()
        if not text:
            raise field_error("request", "request must not be empty")
        if len(request) > EDIT_REQUEST_MAX:
            raise field_error("request", f"request must be at most {EDIT_REQUEST_MAX} characters")

        async def read(uow: UnitOfWork) -> list[IdentifiedNeed]:
            context = await load_context(uow, session_id, actor)
            editable_row(context, "edit needs")
            assert context.my_vessel is not None
            return await uow.needs.for_vessel(context.my_vessel.id)

        live = await in_transaction(self._deps.uow, read)
        open_ids = {n.id for n in live if n.locked_at is None}
        if target_need_id and target_need_id not in open_ids:
            raise field_error("targetNeedId", "Not one of your needs that can still be changed")
        listing = "\n".join(f"- {n.id} [{n.category.value}] {n.need}"
                            + (" (confirmed, cannot change)" if n.locked_at else "")
                            for n in live) or "(no needs yet)"
        prompt = (f"My needs:\n{listing}\n\n"
                  + (f"The need I mean: {target_need_id}\n" if target_need_id else "")
                  + f"My request: {text}")
        try:
            result = await self._llm.complete(LlmRequest(
                role=ModelRole.MECHANIC, call_type=INTERPRET_CALL, system_static=_INSTRUCTIONS,
                messages=(ChatTurn("user", prompt),), max_tokens=600, temperature=0,
                tools=(ToolSpec(EDIT_TOOL, "The operations to apply", _SCHEMA),),
                force_tool=EDIT_TOOL, session_id=session_id, user_id=actor.id,
                hints={"request": text, "targetNeedId": target_need_id,
                       "openNeedIds": sorted(open_ids)},
            ))
            raw = (result.tool_calls[0].input if result.tool_calls
                   else json.loads(result.text or "null"))
            plan = parse_plan(raw, open_ids)
        except (LlmError, ValueError) as error:
            log.warning("need edit interpretation failed (%s): using the fallback", error)
            plan = None
        if not plan:
            # An empty or unusable answer: the plain reading of the words instead.
            return EditPlan(fallback_plan(text, target_need_id, open_ids), True)
        return EditPlan(plan, False)

    async def apply_edits(self, actor: User, session_id: str,
                          operations: list[EditOperation]) -> AppliedEdits:
        if not operations:
            raise field_error("operations", "operations must contain at least 1 operation")
        if len(operations) > EDIT_OPERATIONS_MAX:
            raise field_error("operations",
                              f"operations must contain at most {EDIT_OPERATIONS_MAX} items")

        async def work(uow: UnitOfWork, context: SessionContext, row: StageProgress
                       ) -> AppliedEdits:
            assert context.my_vessel is not None
            mine = {n.id: n for n in await uow.needs.for_vessel(context.my_vessel.id)}
            open_ids = {i for i, n in mine.items() if n.locked_at is None}
            touched: set[str] = set()
            for i, op in enumerate(operations):
                problem = operation_problem(op, open_ids - touched)
                if problem is not None:
                    name, message = problem
                    raise ValidationFailed(message, {f"operations.{i}.{name}": [message]})
                if op.need_id:
                    touched.add(op.need_id)
            for op in operations:
                await self._apply_one(uow, context, op, mine)
            return AppliedEdits(len(operations), await uow.needs.for_vessel(context.my_vessel.id))

        return await run_edit(self._deps, actor, session_id, "edit needs", work)

    async def _apply_one(self, uow: UnitOfWork, context: SessionContext, op: EditOperation,
                         mine: dict[str, IdentifiedNeed]) -> None:
        now = self._deps.clock.now()
        if op.type == "add":
            need = await add_need(uow, self._deps, context,
                                  NeedInput(op.need, op.category), now)
            await own_event(uow, self._deps, context, events.NEED_CAPTURED,
                            {"need": need_view(need), "capturedAt": js_iso(now)})
            return
        old = mine[op.need_id]
        if op.type == "delete":
            if await uow.needs.soft_delete(old.id, now):
                old.deleted_at = now
                await own_event(uow, self._deps, context, events.NEED_DELETED,
                                {"affectedNeed": need_view(old)})
            return
        new = IdentifiedNeed(id=self._deps.ids.new_id(), vessel_id=old.vessel_id,
                             need=op.need.strip(),
                             category=NeedCategory(op.category) if op.category else old.category,
                             evidence=list(old.evidence), confirmed=False, created_at=now)
        if await uow.needs.supersede(old.id, new.id):
            await uow.needs.add(new)
            await own_event(uow, self._deps, context, events.NEED_REFINED,
                            {"oldId": old.id, "oldNeed": old.need, "newId": new.id})
