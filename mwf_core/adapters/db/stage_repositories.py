"""Piccolo repositories for what the mediator captures in stages 2 to 4: empathy drafts,
identified needs and strategy proposals.

The writes that race (two sends of one person, two partners editing the shared inventory) are
single conditional UPDATEs: the database decides which one wins, on both engines. On PostgreSQL
(READ COMMITTED) the loser waits for the winner's row lock, re-checks the WHERE clause against
the committed row and matches nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.custom_types import Combinable

from mwf_core.domain.enums import ProposalStatus
from mwf_core.domain.records import EmpathyDraft, IdentifiedNeed, StrategyProposal

from .mapping import TableRepository, run, to_row, to_utc
from .tables import EmpathyDraftTable, IdentifiedNeedTable, StrategyProposalTable


class PiccoloEmpathyDraftRepository(TableRepository):
    table = EmpathyDraftTable
    record = EmpathyDraft

    async def get(self, session_id: str, user_id: str) -> EmpathyDraft | None:
        return await self._first(
            (EmpathyDraftTable.session_id == session_id) & (EmpathyDraftTable.user_id == user_id)
        )

    async def add(self, draft: EmpathyDraft) -> None:
        # The unique (session_id, user_id) index turns a second draft into DuplicateKey.
        await self._insert(draft)

    async def update(self, draft: EmpathyDraft, expected_version: int) -> bool:
        keep = ("id", "session_id", "user_id", "created_at")
        values = {
            EmpathyDraftTable._meta.get_column_by_name(name): value
            for name, value in to_row(draft).items() if name not in keep
        }
        updated = await run(
            EmpathyDraftTable.update(values)
            .where((EmpathyDraftTable.id == draft.id)
                   & (EmpathyDraftTable.version == expected_version))
            .returning(EmpathyDraftTable.id)
        )
        return bool(updated)


def _live() -> Combinable:
    return IdentifiedNeedTable.superseded_by_need_id.is_null() & (
        IdentifiedNeedTable.deleted_at.is_null()
    )


class PiccoloNeedRepository(TableRepository):
    table = IdentifiedNeedTable
    record = IdentifiedNeed

    async def add(self, need: IdentifiedNeed) -> None:
        await self._insert(need)

    async def get(self, need_id: str) -> IdentifiedNeed | None:
        return await self._first(IdentifiedNeedTable.id == need_id)

    async def for_vessel(self, vessel_id: str, live_only: bool = True) -> list[IdentifiedNeed]:
        where: Combinable = IdentifiedNeedTable.vessel_id == vessel_id
        if live_only:
            where = where & _live()
        return await self._select(
            where, order_by=(IdentifiedNeedTable.created_at, IdentifiedNeedTable.id)
        )

    async def supersede(self, need_id: str, new_need_id: str) -> bool:
        return await self._change_open(need_id, {IdentifiedNeedTable.superseded_by_need_id:
                                                 new_need_id})

    async def soft_delete(self, need_id: str, at: datetime) -> bool:
        return await self._change_open(need_id, {IdentifiedNeedTable.deleted_at: to_utc(at)})

    async def lock(self, need_id: str, at: datetime) -> bool:
        return await self._change_open(need_id, {IdentifiedNeedTable.confirmed: True,
                                                 IdentifiedNeedTable.locked_at: to_utc(at)})

    async def _change_open(self, need_id: str, values: dict[Any, Any]) -> bool:
        open_need = (IdentifiedNeedTable.id == need_id) & _live() & (
            IdentifiedNeedTable.locked_at.is_null()
        )
        updated = await run(
            IdentifiedNeedTable.update(values).where(open_need)
            .returning(IdentifiedNeedTable.id)
        )
        return bool(updated)


class PiccoloProposalRepository(TableRepository):
    table = StrategyProposalTable
    record = StrategyProposal

    async def add(self, proposal: StrategyProposal) -> None:
        await self._insert(proposal)

    async def get(self, proposal_id: str) -> StrategyProposal | None:
        return await self._first(StrategyProposalTable.id == proposal_id)

    async def for_session(
        self, session_id: str, statuses: frozenset[ProposalStatus] | None = None
    ) -> list[StrategyProposal]:
        if statuses is not None and not statuses:
            return []
        where: Combinable = StrategyProposalTable.session_id == session_id
        if statuses is not None:
            where = where & StrategyProposalTable.status.is_in(sorted(s.value for s in statuses))
        return await self._select(
            where, order_by=(StrategyProposalTable.created_at, StrategyProposalTable.id)
        )

    async def retire(
        self, proposal_id: str, status: ProposalStatus, *,
        removed_at: datetime | None = None, removed_by_user_id: str | None = None,
    ) -> bool:
        t = StrategyProposalTable
        values: dict[Any, Any] = {t.status: status.value}
        if removed_at is not None:
            values[t.removed_at] = to_utc(removed_at)
        if removed_by_user_id is not None:
            values[t.removed_by_user_id] = removed_by_user_id
        updated = await run(
            t.update(values)
            .where((t.id == proposal_id) & (t.status == ProposalStatus.ACTIVE.value))
            .returning(t.id)
        )
        return bool(updated)
