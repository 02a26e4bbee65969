"""Piccolo repositories of the outbox (events written with the change that caused them) and
of request idempotency keys."""

from __future__ import annotations

from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import IdempotencyRecord, OutboxEvent

from .mapping import TableRepository, to_row
from .outbox_tables import OutboxTable
from .tables import IdempotencyKeyTable, idempotency_key


class PiccoloOutboxRepository(TableRepository):
    table = OutboxTable
    record = OutboxEvent

    async def add(self, event: OutboxEvent) -> None:
        if not event.stream_key:
            # Filled in place, so the caller's record (handed to on_commit) matches the row.
            event.stream_key = events.stream_key(event.channel, event.session_id)
        await self._insert(event)

    async def pending(self, limit: int) -> list[OutboxEvent]:
        return await self._select(
            OutboxTable.status == OutboxStatus.PENDING.value,
            order_by=(OutboxTable.created_at, OutboxTable.id),
            limit=max(limit, 0),
        )

    async def for_session(self, session_id: str) -> list[OutboxEvent]:
        return await self._select(
            OutboxTable.session_id == session_id,
            order_by=(OutboxTable.created_at, OutboxTable.id),
        )


class PiccoloIdempotencyRepository(TableRepository):
    table = IdempotencyKeyTable
    record = IdempotencyRecord

    async def get(self, user_id: str, request_id: str) -> IdempotencyRecord | None:
        return await self._first(IdempotencyKeyTable.id == idempotency_key(user_id, request_id))

    async def add(self, record: IdempotencyRecord) -> None:
        await self._insert_row(
            {"id": idempotency_key(record.user_id, record.request_id), **to_row(record)}
        )
