"""The field-encryption key canary (created by m0018).

One row, written with the current FIELD_ENCRYPTION_KEY the first time the service starts with a
key (and re-written by `mwf reencrypt`): decrypting it at startup proves the configured keys open
the stored data before anything is served.
"""

from __future__ import annotations

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table

from .tables import ID_LENGTH


class FieldKeyCanaryTable(Table, tablename="field_key_canary"):
    id = Varchar(length=ID_LENGTH, primary_key=True, default=None)
    value = Text(default=None)
    created_at = Timestamptz(default=None)


TABLES = (FieldKeyCanaryTable,)
