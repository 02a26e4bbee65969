"""The dispatcher's SQL: sequencing, push derivation, marking results, retention (stream
leases: leases.py).

Every write runs in a `PiccoloUnitOfWork` transaction, so on SQLite it queues on the same
per-engine writer lock (and `BEGIN IMMEDIATE`) as the requests; on PostgreSQL the stream
counters are taken with `FOR UPDATE SKIP LOCKED`, so several processes share the work without
waiting on each other. Outbox rows are read and written through `mapping.to_row/from_row` only
(which is where field encryption happens); the status updates below touch bookkeeping columns
only.

Sequencing stamps seqs from bookkeeping columns only (id, stream, channel, created_at), and
push derivation and delivery (`pending_rows`) decode row by row: a row whose payload cannot be
decrypted still gets its seq, derives nothing, and becomes DEAD on its own instead of stalling
sequencing for every stream. Its pushes are derived when an operator retries it once it can be
read (admin.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.db.encrypted_fields import FieldDecryptionError
from mwf_core.adapters.db.engine import is_postgres
from mwf_core.adapters.db.mapping import from_row, run, to_row, to_utc
from mwf_core.adapters.db.outbox_tables import OutboxStreamTable, OutboxTable
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWork
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import NOTIFY_CHANNEL, PushPlanner

PENDING = OutboxStatus.PENDING.value
DELIVERED = OutboxStatus.DELIVERED.value
DEAD = OutboxStatus.DEAD.value

# Bounds of one sequencing transaction (the rest waits for the next round, in order).
SEQUENCE_STREAMS = 100
SEQUENCE_ROWS = 1000
PRUNE_BATCH = 1000
ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Sequenced:
    """One sequencing round: the last seq stamped per stream, how many push rows it derived,
    whether unsequenced rows remain for another round now (`more`), and whether streams were
    skipped because another sequencer held them (`skipped`: worth a look again shortly)."""

    streams: dict[str, int]
    derived: int
    more: bool
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to write back for one delivered (or failed) row."""

    event_id: str
    status: str  # DELIVERED, PENDING (retry later) or DEAD
    attempts: int
    error: str | None = None
    external_id: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UnreadableRow:
    """A pending row that cannot be turned into an event (its payload cannot be decrypted, or
    a stored value is malformed): never sent, the dispatcher makes it DEAD with `error`."""

    id: str
    seq: int
    attempts: int
    error: str


def _truncate(text: str | None) -> str | None:
    return None if text is None else text[:ERROR_LENGTH]


def decode(row: dict[str, Any]) -> OutboxEvent | UnreadableRow:
    """The event of one stored row, or why it cannot be read (one bad row never hides the
    rest of a batch)."""
    try:
        return from_row(OutboxEvent, row)
    except FieldDecryptionError as exc:
        error = f"payload cannot be decrypted: {exc.reason}"
    except (ValueError, TypeError, KeyError) as exc:
        error = f"row cannot be read: {exc!r}"
    return UnreadableRow(str(row["id"]), int(row["seq"] or 0), int(row["attempts"] or 0), error)


class OutboxStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = is_postgres(engine)

    def _transaction(self) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self._engine)

    async def _sql(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return await self._engine.run_querystring(QueryString(sql, *args)) or []

    # ---- sequencing ----
    async def sequence(
        self,
        planner: PushPlanner | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> Sequenced:
        """Stamp the next gap-free seq on unsequenced rows of up to SEQUENCE_STREAMS streams,
        derive their push rows, and announce the streams (pg_notify at commit)."""
        async with self._transaction() as uow:
            # Sorted: two sequencers creating the same new counters insert them in one order
            # (PostgreSQL would otherwise deadlock them on each other's uncommitted inserts).
            keys = sorted(
                row["stream_key"]
                for row in await self._sql(
                    'SELECT DISTINCT "stream_key" FROM "outbox" WHERE "seq" IS NULL LIMIT {}',
                    SEQUENCE_STREAMS,
                )
            )
            if not keys:
                return Sequenced({}, 0, more=False)
            await run(
                OutboxStreamTable.insert(
                    *(OutboxStreamTable(key=key, last_seq=0) for key in keys)
                ).on_conflict(action="DO NOTHING")
            )
            counters = (
                OutboxStreamTable.select(OutboxStreamTable.key, OutboxStreamTable.last_seq)
                .where(OutboxStreamTable.key.is_in(keys))
                .order_by(OutboxStreamTable.key)
            )
            if self._postgres:
                # Streams another sequencer holds are its job; their counters stay consistent
                # because each counter row stays locked until its transaction commits.
                counters = counters.lock_rows(skip_locked=True)
            last_seq = {row["key"]: int(row["last_seq"]) for row in await run(counters)}
            if not last_seq:
                return Sequenced({}, 0, more=False, skipped=True)
            rows = await run(
                OutboxTable.select(OutboxTable.id, OutboxTable.stream_key, OutboxTable.channel)
                .where(OutboxTable.stream_key.is_in(list(last_seq)) & OutboxTable.seq.is_null())
                .order_by(OutboxTable.created_at, OutboxTable.id)
                .limit(SEQUENCE_ROWS)
            )
            for row in rows:
                last_seq[row["stream_key"]] += 1
                await run(
                    OutboxTable.update({OutboxTable.seq: last_seq[row["stream_key"]]}).where(
                        OutboxTable.id == row["id"]
                    )
                )
            advanced = {row["stream_key"]: last_seq[row["stream_key"]] for row in rows}
            for key, seq in advanced.items():
                await run(
                    OutboxStreamTable.update({OutboxStreamTable.last_seq: seq}).where(
                        OutboxStreamTable.key == key
                    )
                )
            derived = 0
            if planner is not None:
                realtime = [
                    str(row["id"]) for row in rows if events.is_realtime_channel(row["channel"])
                ]
                derived = await self.derive(planner, realtime)
            if self._postgres:
                for key, seq in advanced.items():
                    await self._sql("SELECT pg_notify({}, {})", NOTIFY_CHANNEL, f"{key}:{seq}")
            await uow.commit()
        more = len(rows) >= SEQUENCE_ROWS or len(keys) >= SEQUENCE_STREAMS or derived > 0
        return Sequenced(advanced, derived, more=more, skipped=len(last_seq) < len(keys))

    async def derive(self, planner: PushPlanner, ids: list[str]) -> int:
        """Insert the push rows the realtime rows `ids` cause (in `ids` order), inside the
        caller's transaction; returns how many are new (push ids are deterministic)."""
        if not ids:
            return 0
        found = await run(
            OutboxTable.select().where(OutboxTable.id.is_in(ids)).output(load_json=True)
        )
        by_id = {str(row["id"]): decode(row) for row in found}
        members: dict[str | None, tuple[str, ...]] = {}
        derived = 0
        for event_id in ids:
            event = by_id.get(event_id)
            if not isinstance(event, OutboxEvent):
                continue  # unreadable: delivery makes it DEAD; there is nothing to derive from
            if event.session_id not in members:
                members[event.session_id] = await self.members(event.session_id)
            for push in planner.derive(event, members[event.session_id]):
                if not push.stream_key:
                    push.stream_key = events.stream_key(push.channel, push.session_id)
                push.seq = None
                inserted = await run(
                    OutboxTable.insert(OutboxTable(**to_row(push)))
                    .on_conflict(action="DO NOTHING")
                    .returning(OutboxTable.id)
                )
                derived += len(inserted)
        return derived

    async def members(self, session_id: str | None) -> tuple[str, ...]:
        """The user ids of the session's relationship (empty without a session)."""
        if not session_id:
            return ()
        rows = await self._sql(
            'SELECT "m"."user_id" AS "user_id" FROM "relationship_members" AS "m" '
            'JOIN "sessions" AS "s" ON "s"."relationship_id" = "m"."relationship_id" '
            'WHERE "s"."id" = {} ORDER BY "m"."joined_at", "m"."user_id"',
            session_id,
        )
        return tuple(str(row["user_id"]) for row in rows)

    # ---- delivery ----
    async def pending_rows(self, key: str, limit: int) -> list[OutboxEvent | UnreadableRow]:
        """The stream's sequenced PENDING rows, in seq order, each decoded on its own."""
        rows = await run(
            OutboxTable.select()
            .where(OutboxTable.stream_key == key)
            .where(OutboxTable.status == PENDING)
            .where(OutboxTable.seq.is_not_null())
            .order_by(OutboxTable.seq)
            .limit(limit)
            .output(load_json=True)
        )
        return [decode(row) for row in rows]

    async def record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Write the results back; only rows still PENDING change (a row an operator or
        another instance settled meanwhile keeps its state)."""
        if not outcomes:
            return
        async with self._transaction() as uow:
            for outcome in outcomes:
                values: dict[Any, Any] = {
                    OutboxTable.status: outcome.status,
                    OutboxTable.attempts: outcome.attempts,
                    OutboxTable.last_error: _truncate(outcome.error),
                    OutboxTable.next_attempt_at: (
                        to_utc(outcome.next_attempt_at) if outcome.next_attempt_at else None
                    ),
                }
                if outcome.status == DELIVERED:
                    values[OutboxTable.delivered_at] = to_utc(now)
                    values[OutboxTable.external_id] = outcome.external_id
                await run(
                    OutboxTable.update(values)
                    .where(OutboxTable.id == outcome.event_id)
                    .where(OutboxTable.status == PENDING)
                )
            await uow.commit()

    # ---- retention ----
    async def prune(self, before: datetime) -> int:
        """Delete DELIVERED and DEAD rows created before `before` (stream counters stay, so a
        stream's seq never restarts)."""
        total = 0
        while True:
            async with self._transaction() as uow:
                rows = await self._sql(
                    'DELETE FROM "outbox" WHERE "id" IN (SELECT "id" FROM "outbox" '
                    """WHERE "status" IN ('DELIVERED', 'DEAD') AND "created_at" < {} """
                    'LIMIT {}) RETURNING "id"',
                    to_utc(before),
                    PRUNE_BATCH,
                )
                await uow.commit()
            total += len(rows)
            if len(rows) < PRUNE_BATCH:
                return total
