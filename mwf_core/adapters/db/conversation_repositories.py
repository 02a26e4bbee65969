"""Piccolo repositories of what is said in a session: messages, turns, emotional readings and
consent records."""

from __future__ import annotations

from datetime import datetime

from piccolo.custom_types import Combinable

from mwf_core.domain.enums import ConsentDecision, TurnStatus
from mwf_core.domain.records import ConsentRecord, EmotionalReading, Message, Turn

from .journey_repositories import PiccoloConsentedContent
from .mapping import TableRepository, run, to_utc
from .tables import ConsentRecordTable, EmotionalReadingTable, MessageTable, TurnTable


def _lane(session_id: str, user_id: str) -> Combinable:
    mine = (MessageTable.sender_id == user_id) & MessageTable.for_user_id.is_null()
    return (MessageTable.session_id == session_id) & (mine | (MessageTable.for_user_id == user_id))


class PiccoloMessageRepository(TableRepository):
    table = MessageTable
    record = Message

    async def add(self, message: Message) -> None:
        await self._insert(message)

    async def get(self, message_id: str) -> Message | None:
        return await self._first(MessageTable.id == message_id)

    async def lane(
        self,
        session_id: str,
        user_id: str,
        limit: int,
        before: datetime | None = None,
        after: datetime | None = None,
        oldest_first: bool = False,
    ) -> list[Message]:
        where = _lane(session_id, user_id)
        if before is not None:
            where = where & (MessageTable.timestamp < to_utc(before))
        if after is not None:
            where = where & (MessageTable.timestamp > to_utc(after))
        page = await self._select(
            where,
            order_by=(MessageTable.timestamp, MessageTable.id),
            ascending=oldest_first,
            limit=max(limit, 0),
        )
        # Whichever end the page was taken from, it is read chronologically.
        return page if oldest_first else list(reversed(page))

    async def delete_lane(self, session_id: str, user_id: str) -> int:
        return await self._delete(_lane(session_id, user_id))


class PiccoloConsentRepository(PiccoloConsentedContent, TableRepository):
    table = ConsentRecordTable
    record = ConsentRecord

    async def add(self, record: ConsentRecord) -> None:
        await self._insert(record)

    async def get(self, record_id: str) -> ConsentRecord | None:
        return await self._first(ConsentRecordTable.id == record_id)

    async def for_user(self, user_id: str) -> list[ConsentRecord]:
        return await self._select(
            ConsentRecordTable.user_id == user_id,
            order_by=(ConsentRecordTable.created_at, ConsentRecordTable.id),
        )

    async def for_session(self, session_id: str, user_id: str) -> list[ConsentRecord]:
        return await self._select(
            (ConsentRecordTable.session_id == session_id) & (ConsentRecordTable.user_id == user_id),
            order_by=(ConsentRecordTable.created_at, ConsentRecordTable.id),
        )

    async def decide(self, record_id: str, decision: ConsentDecision, at: datetime) -> bool:
        updated = await run(
            ConsentRecordTable.update(
                {
                    ConsentRecordTable.decision: decision.value,
                    ConsentRecordTable.decided_at: to_utc(at),
                }
            )
            .where((ConsentRecordTable.id == record_id) & ConsentRecordTable.decision.is_null())
            .returning(ConsentRecordTable.id)
        )
        return bool(updated)

    async def revoke(self, record_id: str, at: datetime) -> bool:
        updated = await run(
            ConsentRecordTable.update(
                {
                    ConsentRecordTable.decision: ConsentDecision.REVOKED.value,
                    ConsentRecordTable.revoked_at: to_utc(at),
                }
            )
            .where(
                (ConsentRecordTable.id == record_id)
                & (ConsentRecordTable.decision == ConsentDecision.GRANTED.value)
            )
            .returning(ConsentRecordTable.id)
        )
        return bool(updated)


class PiccoloEmotionRepository(TableRepository):
    table = EmotionalReadingTable
    record = EmotionalReading

    async def add(self, reading: EmotionalReading) -> None:
        await self._insert(reading)

    async def get(self, reading_id: str) -> EmotionalReading | None:
        return await self._first(EmotionalReadingTable.id == reading_id)

    async def for_vessel(self, vessel_id: str, limit: int) -> list[EmotionalReading]:
        return await self._select(
            EmotionalReadingTable.vessel_id == vessel_id,
            order_by=(EmotionalReadingTable.timestamp, EmotionalReadingTable.id),
            ascending=False,
            limit=max(limit, 0),
        )


class PiccoloTurnRepository(TableRepository):
    table = TurnTable
    record = Turn

    async def add(self, turn: Turn) -> None:
        await self._insert(turn)

    async def get(self, turn_id: str) -> Turn | None:
        return await self._first(TurnTable.id == turn_id)

    async def by_request(self, user_id: str, request_id: str) -> Turn | None:
        return await self._first(
            (TurnTable.user_id == user_id) & (TurnTable.request_id == request_id)
        )

    async def claim(self, turn_id: str, now: datetime, lease_until: datetime) -> bool:
        # One conditional UPDATE: the database decides which of two racing claims wins.
        claimable = (TurnTable.status == TurnStatus.FAILED.value) | (
            (TurnTable.status == TurnStatus.RUNNING.value)
            & (TurnTable.lease_expires_at < to_utc(now))
        )
        claimed = await run(
            TurnTable.update(
                {
                    TurnTable.status: TurnStatus.RUNNING.value,
                    TurnTable.lease_expires_at: to_utc(lease_until),
                    TurnTable.attempts: TurnTable.attempts + 1,
                    TurnTable.updated_at: to_utc(now),
                }
            )
            .where((TurnTable.id == turn_id) & claimable)
            .returning(TurnTable.id)
        )
        return bool(claimed)

    async def update(self, turn: Turn) -> None:
        await self._update(turn)
