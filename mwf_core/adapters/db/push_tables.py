"""Piccolo tables of push delivery: Expo tickets whose receipts are still to be checked.
The index on check_after (and user_id, for the cascade) is created by m0016."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from .tables import ID_LENGTH, UserTable


def _at(null: bool = False) -> Timestamptz:
    return Timestamptz(null=null, default=None)


class PushReceiptTable(Table, tablename="push_receipts"):
    # The Expo ticket id.
    id = Varchar(length=255, primary_key=True, default=None)
    # No foreign key: outbox rows are pruned after a few days, receipts after one.
    outbox_id = Varchar(length=ID_LENGTH, default=None)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    # The token the push went to: a DeviceNotRegistered receipt clears it only if unchanged.
    token = Text(default=None)
    check_after = _at()
    created_at = _at()


TABLES: tuple[type[Table], ...] = (PushReceiptTable,)
