"""The outbox: one row per event to deliver, and one counter and lease row per stream.

`outbox` rows are written in the transaction that caused them and delivered after commit;
`outbox_streams` (created by m0014) holds each stream's counter and lease.

`outbox_streams.last_seq` is the last sequence number handed out on the stream; it never goes
back, even when retention deletes old outbox rows. `lease_owner`/`lease_until` say which
dispatcher instance works the stream right now.
"""

from __future__ import annotations

from piccolo.columns import JSONB, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from .tables import ID_LENGTH, _at, _id


class OutboxTable(Table, tablename="outbox"):
    id = _id()
    # No foreign key: an event announcing a session's deletion must outlive the session row.
    session_id = Varchar(length=ID_LENGTH, null=True, default=None)
    channel = Varchar(length=255, default=None)
    name = Varchar(length=255, default=None)
    payload = JSONB(default={})
    created_at = _at()
    status = Varchar(length=32, default=None)
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
    delivered_at = _at(null=True)
    # Delivery (m0014): rows are ordered per stream_key; seq is stamped by the sequencer.
    stream_key = Varchar(length=128, default="")
    seq = BigInt(null=True, default=None)
    next_attempt_at = _at(null=True)
    external_id = Varchar(length=255, null=True, default=None)
    parent_id = Varchar(length=ID_LENGTH, null=True, default=None)


class OutboxStreamTable(Table, tablename="outbox_streams"):
    key = Varchar(length=128, primary_key=True, default=None)
    last_seq = BigInt(default=0)
    lease_owner = Varchar(length=64, null=True, default=None)
    lease_until = Timestamptz(null=True, default=None)


TABLES: tuple[type[Table], ...] = (OutboxTable, OutboxStreamTable)
