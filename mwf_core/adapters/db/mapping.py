"""Rows <-> domain records, and the query helpers every repository shares.

Column names equal record field names (see tables.py), so one generic mapping covers every
record: enums travel as their string values, datetimes as aware UTC, JSON columns as dicts.
The private fields of encrypted_fields.ENCRYPTED_FIELDS are encrypted here on the way in and
decrypted on the way out (when FIELD_ENCRYPTION_KEY is set), so repositories never see
ciphertext: every read and write of those columns must go through to_row/from_row.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar, get_args, get_type_hints

from piccolo.custom_types import Combinable
from piccolo.query.base import Query
from piccolo.table import Table

from mwf_core.domain.errors import DuplicateKey, NotFound

from .encrypted_fields import decrypt_row, encrypt_row
from .errors import mapped_errors

R = TypeVar("R")


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        # A naive time is a bug upstream (the Clock hands out aware UTC); storing it would
        # silently shift it by the server's offset on PostgreSQL.
        raise ValueError(f"naive datetime {value!r}: the database stores aware UTC only")
    return value.astimezone(UTC)


def _to_db(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return to_utc(value)
    return value


@functools.cache
def _enum_fields(record_type: type) -> dict[str, type[Enum]]:
    """Which fields hold an enum (possibly optional), read from the dataclass annotations."""
    found: dict[str, type[Enum]] = {}
    for name, hint in get_type_hints(record_type).items():
        for candidate in get_args(hint) or (hint,):
            if isinstance(candidate, type) and issubclass(candidate, Enum):
                found[name] = candidate
    return found


def to_row(record: Any) -> dict[str, Any]:
    row = {f.name: _to_db(getattr(record, f.name)) for f in dataclasses.fields(record)}
    encrypt_row(type(record), row)
    return row


def from_row(record_type: type[R], row: dict[str, Any]) -> R:
    row = decrypt_row(record_type, row)
    enums = _enum_fields(record_type)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record_type):  # type: ignore[arg-type]
        value = row[f.name]
        if value is not None:
            if f.name in enums:
                value = enums[f.name](value)
            elif isinstance(value, datetime):
                # SQLite hands back UTC already; PostgreSQL may use the session time zone.
                value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        values[f.name] = value
    return record_type(**values)


async def run(query: Query) -> Any:
    """Run a Piccolo query with driver errors mapped to domain errors."""
    with mapped_errors():
        return await query.run()


class TableRepository:
    """Shared plumbing: a table, the record it stores, and the common statements."""

    table: ClassVar[type[Table]]
    record: ClassVar[type]

    async def _insert_row(self, row: dict[str, Any]) -> None:
        # ON CONFLICT DO NOTHING + RETURNING instead of letting the driver raise: on PostgreSQL a
        # raised unique violation poisons the whole transaction, so a caller that catches
        # DuplicateKey could not carry on; this way both engines behave the same.
        query = (
            self.table.insert(self.table(**row))
            .on_conflict(action="DO NOTHING")
            .returning(self.table._meta.primary_key)
        )
        if not await run(query):
            raise DuplicateKey(f"{self.table._meta.tablename}: a row with this key already exists")

    async def _insert(self, record: Any) -> None:
        await self._insert_row(to_row(record))

    async def _select(
        self,
        where: Combinable | None,
        order_by: tuple[Any, ...] = (),
        ascending: bool = True,
        limit: int | None = None,
    ) -> list[Any]:
        query = self.table.select().output(load_json=True)
        if where is not None:
            query = query.where(where)
        if order_by:
            query = query.order_by(*order_by, ascending=ascending)
        if limit is not None:
            query = query.limit(limit)
        rows = await run(query)
        return [from_row(self.record, row) for row in rows]

    async def _first(self, where: Combinable) -> Any | None:
        found = await self._select(where, limit=1)
        return found[0] if found else None

    async def _update_row(self, where: Combinable, row: dict[str, Any], what: str) -> None:
        pk_name = self.table._meta.primary_key._meta.name
        values = {
            self.table._meta.get_column_by_name(name): value
            for name, value in row.items()
            if name != pk_name
        }
        updated = await run(
            self.table.update(values).where(where).returning(self.table._meta.primary_key)
        )
        if not updated:
            raise NotFound(f"{what} not found")

    async def _update(self, record: Any) -> None:
        row = to_row(record)
        pk = self.table._meta.primary_key
        await self._update_row(pk == row[pk._meta.name], row, self.table._meta.tablename)

    async def _delete(self, where: Combinable) -> int:
        deleted = await run(
            self.table.delete().where(where).returning(self.table._meta.primary_key)
        )
        return len(deleted)
