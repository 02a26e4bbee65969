"""The delivery side of the outbox: one counter and lease row per stream (created by m0014).

`outbox_streams.last_seq` is the last sequence number handed out on the stream; it never goes
back, even when retention deletes old outbox rows. `lease_owner`/`lease_until` say which
dispatcher instance works the stream right now.
"""

from __future__ import annotations

from piccolo.columns import BigInt, Timestamptz, Varchar
from piccolo.table import Table


class OutboxStreamTable(Table, tablename="outbox_streams"):
    key = Varchar(length=128, primary_key=True, default=None)
    last_seq = BigInt(default=0)
    lease_owner = Varchar(length=64, null=True, default=None)
    lease_until = Timestamptz(null=True, default=None)


TABLES = (OutboxStreamTable,)
