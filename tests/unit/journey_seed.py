"""Putting sessions into a state for tests: jumping partners ahead to a stage (fakes or a real
database) and, with the fakes, merging gates and storing records as they are.

Uses the production stage-move code (`usecases.progression.move_user_to`) in one unit of work;
it writes progress rows only (no empathy attempts, needs or messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyValidation
from mwf_core.domain.reconciler import ShareOffer
from mwf_core.domain.records import ConsentRecord, Message, User
from mwf_core.usecases.progression import move_user_to
from mwf_core.usecases.runtime import Dependencies

if TYPE_CHECKING:
    from .conftest import App


async def move_to(deps: Dependencies, session_id: str, user_ids: Iterable[str], stage: int,
                  gates: dict[str, Any] | None = None) -> None:
    """Move each user straight to `stage`, merging `gates` into the row they leave."""
    async with deps.uow() as uow:
        rows = await uow.progress.for_session(session_id)
        for uid in user_ids:
            await move_user_to(uow, deps, session_id, rows, uid, stage, gates=gates)
        await uow.commit()


async def merge(app: App, sid: str, user: User, stage: int, gates: dict[str, Any]) -> None:
    """Merge `gates` into one user's progress row for `stage`."""
    async with app.db() as uow:
        rows = await uow.progress.for_session(sid)
        row = next(r for r in rows if r.user_id == user.id and r.stage == stage)
        row.gates_satisfied = {**row.gates_satisfied, **gates}
        await uow.progress.update(row)
        await uow.commit()


async def put(app: App, *records: Any) -> None:
    """Store messages, consents, empathy attempts and validations and share offers as they are."""
    async with app.db() as uow:
        for record in records:
            if isinstance(record, Message):
                await uow.messages.add(record)
            elif isinstance(record, ConsentRecord):
                await uow.consents.add(record)
            elif isinstance(record, EmpathyAttempt):
                await uow.empathy_attempts.add(record)
            elif isinstance(record, EmpathyValidation):
                await uow.empathy_validations.upsert(record)
            elif isinstance(record, ShareOffer):
                await uow.reconciler.add_offer(record)
        await uow.commit()
