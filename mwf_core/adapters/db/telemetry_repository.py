"""Brain-activity rows in the `brain_activity` table (both engines).

Not part of the unit of work: telemetry is written by `DatabaseTelemetrySink` in transactions of
its own, never in the caller's. Outside a transaction each statement autocommits.

The cost travels as `cost_usd_e8`, an integer count of 1e-8 USD (see tables.py for why), and
comes back as a Decimal with exactly 8 decimal places.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from piccolo.custom_types import Combinable

from mwf_core.domain.telemetry import (
    COST_QUANTUM,
    ActivityStatus,
    ActivityType,
    BrainActivity,
)

from .encrypted_fields import decrypt_row, encrypt_row
from .mapping import run, to_utc
from .tables import BrainActivityTable

_COST_DIGITS = 8  # COST_QUANTUM = 10 ** -_COST_DIGITS


def cost_to_units(cost: Decimal | None) -> int | None:
    """USD -> integer count of 1e-8 USD (rounded half up to the quantum first)."""
    if cost is None:
        return None
    return int(cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP).scaleb(_COST_DIGITS))


def units_to_cost(units: int | None) -> Decimal | None:
    return None if units is None else Decimal(int(units)).scaleb(-_COST_DIGITS)


def activity_to_row(activity: BrainActivity) -> dict[str, Any]:
    row = {f.name: getattr(activity, f.name) for f in dataclasses.fields(activity)}
    row["created_at"] = to_utc(activity.created_at)
    row["activity_type"] = activity.activity_type.value
    row["status"] = activity.status.value
    row["cost_usd_e8"] = cost_to_units(row.pop("cost_usd"))
    # The logged prompt and response (MWF_LOG_PROMPTS) are a person's words: encrypted at rest.
    encrypt_row(BrainActivity, row)
    return row


def activity_from_row(row: dict[str, Any]) -> BrainActivity:
    row = decrypt_row(BrainActivity, row)
    created_at: datetime = row["created_at"]
    # SQLite hands back UTC already; PostgreSQL may use the session time zone.
    created_at = (
        created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at.astimezone(UTC)
    )
    values = {
        f.name: row[f.name] for f in dataclasses.fields(BrainActivity) if f.name != "cost_usd"
    }
    values.update(
        created_at=created_at,
        activity_type=ActivityType(row["activity_type"]),
        status=ActivityStatus(row["status"]),
        price_known=bool(row["price_known"]),
        cost_usd=units_to_cost(row["cost_usd_e8"]),
    )
    return BrainActivity(**values)


class PiccoloTelemetryRepository:
    async def insert_many(self, activities: Sequence[BrainActivity]) -> None:
        """Insert the rows; one already stored (same id, e.g. a retried batch) is left as is."""
        if not activities:
            return
        rows = [BrainActivityTable(**activity_to_row(a)) for a in activities]
        await run(BrainActivityTable.insert(*rows).on_conflict(action="DO NOTHING"))

    async def for_turn(self, turn_id: str) -> list[BrainActivity]:
        return await self._select(BrainActivityTable.turn_id == turn_id)

    async def for_session(self, session_id: str) -> list[BrainActivity]:
        return await self._select(BrainActivityTable.session_id == session_id)

    async def _select(self, where: Combinable) -> list[BrainActivity]:
        query = (
            BrainActivityTable.select()
            .where(where)
            .order_by(BrainActivityTable.created_at, BrainActivityTable.id)
        )
        return [activity_from_row(row) for row in await run(query)]
