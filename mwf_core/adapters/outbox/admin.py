"""What `mwf outbox` shows and does for an operator: row counts, dead letters, retries.

Only bookkeeping columns are listed (never the payload), so a row whose payload cannot be
decrypted is listed like any other.

Retrying keeps a row's original `seq`. Clients that read the sequenced log (SSE, WatchSession)
already had the row in its place; a vendor (Ably, Expo, Resend) receives it only now, after
any later rows of its stream that were delivered meanwhile. `retry` therefore counts those
out-of-order rows and, unless forced, changes nothing when there are any.

A realtime row that could not be read when it was sequenced (its key was missing) derived no
push rows then. Once it can be read, `retry` derives them (for rows with no push row yet): the
pushes join the end of their recipient's push stream, as new pushes do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.db.mapping import run, to_utc
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWork
from mwf_core.domain import events
from mwf_core.ports.delivery import PushPlanner

from .store import DEAD, DELIVERED, PENDING, OutboxStore

ID_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class DeadRow:
    id: str
    stream_key: str
    seq: int | None
    channel: str
    name: str
    attempts: int
    created_at: datetime
    last_error: str | None


@dataclass(frozen=True, slots=True)
class RetryReport:
    """`matched` DEAD rows were selected; `out_of_order` of them have a later row of their
    stream already DELIVERED; `retried` went back to PENDING (0 when refused); `derived` push
    rows were created for retried rows that had derived none when they were sequenced."""

    matched: int
    out_of_order: int
    retried: int
    derived: int = 0

    @property
    def refused(self) -> bool:
        return self.out_of_order > 0 and self.retried == 0


class OutboxAdmin:
    def __init__(self, engine: Engine, planner: PushPlanner | None = None) -> None:
        self._engine = engine
        self._planner = planner  # None: retries derive no push rows

    async def _sql(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return await self._engine.run_querystring(QueryString(sql, *args)) or []

    async def counts(self) -> dict[str, int]:
        """Rows per status, and how many still wait for a seq."""
        found: dict[str, int] = defaultdict(int)
        for row in await self._sql(
            'SELECT "status", COUNT(*) AS "n" FROM "outbox" GROUP BY "status"'
        ):
            found[str(row["status"])] = int(row["n"])
        unsequenced = await self._sql('SELECT COUNT(*) AS "n" FROM "outbox" WHERE "seq" IS NULL')
        found["UNSEQUENCED"] = int(unsequenced[0]["n"]) if unsequenced else 0
        return dict(found)

    async def dead(self, limit: int = 100) -> list[DeadRow]:
        rows = await run(
            OutboxTable.select(
                OutboxTable.id,
                OutboxTable.stream_key,
                OutboxTable.seq,
                OutboxTable.channel,
                OutboxTable.name,
                OutboxTable.attempts,
                OutboxTable.created_at,
                OutboxTable.last_error,
            )
            .where(OutboxTable.status == DEAD)
            .order_by(OutboxTable.created_at, OutboxTable.id)
            .limit(limit)
        )
        return [
            DeadRow(
                id=str(row["id"]),
                stream_key=str(row["stream_key"]),
                seq=row["seq"],
                channel=str(row["channel"]),
                name=str(row["name"]),
                attempts=int(row["attempts"] or 0),
                created_at=to_utc(row["created_at"]),
                last_error=row["last_error"],
            )
            for row in rows
        ]

    async def retry(self, ids: Sequence[str] | None = None, *, force: bool = False) -> RetryReport:
        """DEAD rows (all of them when `ids` is None) back to PENDING, keeping their seq, with
        the backoff starting over. When some would reach their vendor after later rows of their
        stream and `force` is not set, nothing changes (see `RetryReport.refused`)."""
        if ids is not None and not ids:
            return RetryReport(0, 0, 0)
        only = "" if ids is None else f'AND "o"."id" IN ({", ".join("{}" for _ in ids)}) '
        async with PiccoloUnitOfWork(self._engine) as uow:
            counted = await self._sql(
                'SELECT COUNT(*) AS "matched", COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 '
                'FROM "outbox" AS "d" WHERE "d"."stream_key" = "o"."stream_key" '
                'AND "d"."status" = {} AND "d"."seq" > "o"."seq") THEN 1 ELSE 0 END), 0) '
                'AS "behind" FROM "outbox" AS "o" WHERE "o"."status" = {} ' + only,
                DELIVERED,
                DEAD,
                *(ids or ()),
            )
            matched, behind = int(counted[0]["matched"]), int(counted[0]["behind"])
            if behind and not force:
                return RetryReport(matched, behind, 0)
            where = OutboxTable.status == DEAD
            if ids is not None:
                where = where & OutboxTable.id.is_in(list(ids))
            rows = await run(
                OutboxTable.update(
                    {
                        OutboxTable.status: PENDING,
                        OutboxTable.attempts: 0,
                        OutboxTable.next_attempt_at: None,
                    }
                )
                .where(where)
                .returning(OutboxTable.id)
            )
            derived = await self._derive_missing([str(row["id"]) for row in rows])
            await uow.commit()
        return RetryReport(matched, behind, len(rows), derived)

    async def _derive_missing(self, ids: list[str]) -> int:
        """Derive the push rows of the realtime rows among `ids` that have none (they could not
        be read when sequenced). Rows still unreadable derive nothing (delivery makes them DEAD
        again). The sequencer orders the new rows by their source's created_at."""
        if self._planner is None:
            return 0
        orphans: list[str] = []
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            found = await self._sql(
                'SELECT "o"."id" AS "id", "o"."channel" AS "channel" FROM "outbox" AS "o" '
                f'WHERE "o"."id" IN ({", ".join("{}" for _ in chunk)}) '
                'AND NOT EXISTS (SELECT 1 FROM "outbox" AS "c" WHERE "c"."parent_id" = "o"."id")',
                *chunk,
            )
            orphans += [
                str(row["id"]) for row in found if events.is_realtime_channel(str(row["channel"]))
            ]
        if not orphans:
            return 0
        return await OutboxStore(self._engine).derive(self._planner, orphans)
