"""Edits of a person's need list asked for in their own words (`/needs/interpret-edit-request`
and `/needs/apply-edits`): the operation shape, checking a model's plan, and the deterministic
plan used when no model answers (partner-journey.md §3.7)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .enums import NeedCategory
from .needs import NEED_TEXT_MAX

EDIT_TYPES = ("add", "refine", "delete")
EDIT_REQUEST_MAX = 1000
EDIT_OPERATIONS_MAX = 20

_DELETE_WORDS = re.compile(r"\b(remove|delete|drop|take out|get rid of|not (really )?a need)\b",
                           re.IGNORECASE)
# A few words per category; the first category with a hit wins, CONNECTION otherwise.
_CATEGORY_WORDS: tuple[tuple[NeedCategory, tuple[str, ...]], ...] = (
    (NeedCategory.SAFETY, ("safe", "secure", "calm", "stable", "protect", "trust")),
    (NeedCategory.AUTONOMY, ("space", "freedom", "choice", "alone", "decide", "independ")),
    (NeedCategory.RECOGNITION, ("thank", "apprecia", "seen", "valued", "acknowledg", "respect")),
    (NeedCategory.FAIRNESS, ("fair", "equal", "share", "balance", "chores")),
    (NeedCategory.MEANING, ("meaning", "purpose", "matter", "values", "grow")),
    (NeedCategory.CONNECTION, ("close", "together", "connect", "love", "listen", "heard")),
)


@dataclass(frozen=True, slots=True)
class EditOperation:
    type: str
    need_id: str = ""
    need: str = ""
    category: str = ""


def guess_category(text: str) -> NeedCategory:
    lowered = text.lower()
    for category, words in _CATEGORY_WORDS:
        if any(word in lowered for word in words):
            return category
    return NeedCategory.CONNECTION


def _label(text: str) -> str:
    """The request as a need label: one line, no trailing full stop, at most NEED_TEXT_MAX."""
    line = " ".join(text.split()).rstrip(".!")
    return line[:NEED_TEXT_MAX].rstrip()


def fallback_plan(request: str, target_need_id: str, live_ids: set[str]) -> list[EditOperation]:
    """What the words most plainly ask for: remove the target, reword it, or add a need."""
    target = target_need_id if target_need_id in live_ids else ""
    if target and _DELETE_WORDS.search(request):
        return [EditOperation("delete", target)]
    label = _label(request)
    if not label:
        return []
    if target:
        return [EditOperation("refine", target, label)]
    return [EditOperation("add", "", label, guess_category(label).value)]


def operation_problem(op: EditOperation, open_ids: set[str]) -> tuple[str, str] | None:
    """(field, message) when one operation cannot be applied to these open (live, unlocked)
    needs; None when it can."""
    if op.type not in EDIT_TYPES:
        return "type", "type must be one of add, refine, delete"
    if op.type in ("refine", "delete") and op.need_id not in open_ids:
        return "needId", "Not one of your needs that can still be changed"
    if op.type in ("add", "refine"):
        if not op.need.strip():
            return "need", "need must not be empty"
        if len(op.need.strip()) > NEED_TEXT_MAX:
            return "need", f"need must be at most {NEED_TEXT_MAX} characters"
    if op.category and op.category not in NeedCategory.__members__:
        return "category", "category must be one of " + ", ".join(NeedCategory.__members__)
    if op.type == "add" and not op.category:
        return "category", "category is required to add a need"
    return None


def parse_plan(raw: Any, open_ids: set[str]) -> list[EditOperation] | None:
    """A model's `{"operations": [...]}` as operations, or None when any part is unusable."""
    items = raw.get("operations") if isinstance(raw, dict) else None
    if not isinstance(items, list) or len(items) > EDIT_OPERATIONS_MAX:
        return None
    plan: list[EditOperation] = []
    for item in items:
        if not isinstance(item, dict):
            return None
        fields = [item.get(k) for k in ("type", "needId", "need", "category")]
        if not all(v is None or isinstance(v, str) for v in fields):
            return None
        op = EditOperation(*(v or "" for v in fields))
        if op.type == "add" and not op.category:
            op = EditOperation("add", "", op.need, guess_category(op.need).value)
        if operation_problem(op, open_ids) is not None:
            return None
        plan.append(op)
    return plan
