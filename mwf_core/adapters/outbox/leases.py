"""Stream leases: which process delivers a stream, and for how long.

A stream is delivered only under its lease (`outbox_streams.lease_owner/lease_until`).
`LeaseStore` is the SQL: `claim` takes due streams whose lease is free or ran out, `renew`
extends the leases still ours, `release` hands a stream back. `LeaseKeeper` is one dispatcher's
side of it: the leases its workers hold, the loop renewing them every quarter lease, and how
long a worker's next row may still take.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.db.engine import is_postgres
from mwf_core.adapters.db.mapping import run, to_utc
from mwf_core.adapters.db.outbox_tables import OutboxStreamTable
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWork
from mwf_core.ports.system import Clock

from .config import DispatcherConfig

log = logging.getLogger("mwf.outbox")

# A row's delivery must end this long (at most a tenth of the lease) before the lease does, so
# its result is usually written back while the stream is still ours (the write-back itself is
# not bound to the lease: see the dispatcher's docstring).
WRITE_BACK_SECONDS = 1.0


class LeaseStore:
    """The lease columns of `outbox_streams`. On PostgreSQL the stream rows are taken with
    `FOR UPDATE SKIP LOCKED`, so several processes claim without waiting on each other."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = is_postgres(engine)

    async def claim(
        self,
        owner: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        exclude: Sequence[str] = (),
    ) -> list[str]:
        """Lease up to `limit` streams whose head row is due and whose lease is free or ran
        out, except `exclude` (streams this process still works on, whatever their lease says).
        Atomic per stream: two dispatchers never hold the same stream."""
        if limit <= 0:
            return []
        now, lease_until = to_utc(now), to_utc(lease_until)
        lock = " FOR UPDATE SKIP LOCKED" if self._postgres else ""
        skip = ""
        if exclude:
            skip = f'AND "s"."key" NOT IN ({", ".join("{}" for _ in exclude)}) '
        async with PiccoloUnitOfWork(self._engine) as uow:
            rows: list[dict[str, Any]] = (
                await self._engine.run_querystring(
                    QueryString(
                        'UPDATE "outbox_streams" SET "lease_owner" = {}, "lease_until" = {} '
                        'WHERE "key" IN (SELECT "s"."key" FROM "outbox_streams" AS "s" '
                        'WHERE ("s"."lease_until" IS NULL OR "s"."lease_until" < {}) '
                        f"{skip}"
                        'AND "s"."key" IN (SELECT "o"."stream_key" FROM "outbox" AS "o" '
                        """WHERE "o"."status" = 'PENDING' AND "o"."seq" IS NOT NULL """
                        'GROUP BY "o"."stream_key" HAVING MAX("o"."next_attempt_at") IS NULL '
                        'OR MAX("o"."next_attempt_at") <= {}) '
                        f'ORDER BY "s"."key" LIMIT {{}}{lock}) RETURNING "key"',
                        owner,
                        lease_until,
                        now,
                        *exclude,
                        now,
                        limit,
                    )
                )
                or []
            )
            await uow.commit()
        return sorted(str(row["key"]) for row in rows)

    async def renew(self, owner: str, keys: Sequence[str], lease_until: datetime) -> set[str]:
        """Extend the leases still ours; returns the keys renewed."""
        if not keys:
            return set()
        async with PiccoloUnitOfWork(self._engine) as uow:
            rows = await run(
                OutboxStreamTable.update({OutboxStreamTable.lease_until: to_utc(lease_until)})
                .where(OutboxStreamTable.key.is_in(list(keys)))
                .where(OutboxStreamTable.lease_owner == owner)
                .returning(OutboxStreamTable.key)
            )
            await uow.commit()
        return {str(row["key"]) for row in rows}

    async def release(self, owner: str, key: str) -> None:
        async with PiccoloUnitOfWork(self._engine) as uow:
            await run(
                OutboxStreamTable.update(
                    {OutboxStreamTable.lease_owner: None, OutboxStreamTable.lease_until: None}
                )
                .where(OutboxStreamTable.key == key)
                .where(OutboxStreamTable.lease_owner == owner)
            )
            await uow.commit()


@dataclass(slots=True)
class StreamLease:
    """This process's hold on one stream: `until` is never later than the lease end stored in
    the database (it is set from the same value, and only after a renewal committed); `lost`
    once a renewal did not keep it."""

    key: str
    until: datetime
    lost: bool = False


class LeaseKeeper:
    """The leases one dispatcher's workers hold (stream key -> lease)."""

    def __init__(
        self, store: LeaseStore, clock: Clock, owner: str, config: DispatcherConfig
    ) -> None:
        self.store = store
        self.clock = clock
        self.owner = owner
        self.config = config
        self.held: dict[str, StreamLease] = {}

    def _until(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.config.lease_seconds)

    async def claim(self, limit: int, exclude: Sequence[str] = ()) -> list[StreamLease]:
        """Lease up to `limit` due streams (not `exclude`) and hold them."""
        until = self._until()
        keys = await self.store.claim(self.owner, self.clock.now(), until, limit, exclude)
        leases = [StreamLease(key, until) for key in keys]
        for lease in leases:
            self.held[lease.key] = lease
        return leases

    async def release(self, lease: StreamLease) -> None:
        """Hand the stream back (finishes even when the caller is cancelled); a failed release
        only means the lease runs out on its own."""
        self.held.pop(lease.key, None)
        with contextlib.suppress(Exception):
            await asyncio.shield(self.store.release(self.owner, lease.key))

    def clear(self) -> None:
        self.held = {}

    def row_time(self, lease: StreamLease) -> float | None:
        """How long the next row may take so that it ends WRITE_BACK_SECONDS (at most a tenth
        of the lease) before the lease does; None: stop before it (lease lost or ending)."""
        if lease.lost:
            return None
        margin = min(WRITE_BACK_SECONDS, self.config.lease_seconds / 10)
        left = (lease.until - self.clock.now()).total_seconds() - margin
        return min(self.config.deliver_timeout, left) if left > 0 else None

    async def renew_once(self) -> None:
        """Extend every held lease; a lease not kept (taken over, or the renewal failed) is
        marked lost, and its worker stops before its next row."""
        held = list(self.held.values())
        if not held:
            return
        until = self._until()
        try:
            kept = await self.store.renew(self.owner, [h.key for h in held], until)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox: renewing leases failed; their workers stop at the next row")
            kept = set()
        for lease in held:
            if lease.key in kept:
                lease.until = until
            else:
                lease.lost = True

    async def renew_until(self, stopping: asyncio.Event) -> None:
        """Renew every quarter lease until `stopping` is set: a renewed lease has at least 3/4
        of its time left, so a row's time limit is rarely cut below `deliver_timeout`."""
        period = max(self.config.lease_seconds / 4, 0.05)
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(period):
                    await stopping.wait()
            if stopping.is_set():
                return
            await self.renew_once()
