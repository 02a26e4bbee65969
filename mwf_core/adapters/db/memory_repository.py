"""The conversation memory of each private vessel (one row, replaced on every save)."""

from __future__ import annotations

from mwf_core.domain.records import ConversationMemory

from .mapping import TableRepository, run, to_row
from .tables import ConversationMemoryTable


class PiccoloMemoryRepository(TableRepository):
    table = ConversationMemoryTable
    record = ConversationMemory

    async def get(self, vessel_id: str) -> ConversationMemory | None:
        return await self._first(ConversationMemoryTable.id == vessel_id)

    async def save(self, memory: ConversationMemory) -> None:
        row = {"id": memory.vessel_id, **to_row(memory)}
        updated = await run(
            ConversationMemoryTable.update(
                {ConversationMemoryTable._meta.get_column_by_name(k): v
                 for k, v in row.items() if k not in ("id", "vessel_id")}
            )
            .where(ConversationMemoryTable.id == memory.vessel_id)
            .returning(ConversationMemoryTable.id)
        )
        if not updated:
            await self._insert_row(row)
