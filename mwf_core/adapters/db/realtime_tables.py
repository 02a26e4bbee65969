"""Piccolo table of stream presence: who is watching a session's live events right now.

One row per (session, user, process) with an expiry, renewed while the stream is open and
deleted when it closes; a crashed process's rows simply expire. The push sink reads it (as well
as Ably presence) so a person who has the session open is not also sent a push. Created by m0017
with the index on (session_id, user_id).
"""

from __future__ import annotations

from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table

from .tables import ID_LENGTH


class StreamPresenceTable(Table, tablename="stream_presence"):
    # f"{session_id}:{user_id}:{instance_id}"
    id = Varchar(length=255, primary_key=True, default=None)
    session_id = Varchar(length=ID_LENGTH, default=None)
    user_id = Varchar(length=ID_LENGTH, default=None)
    instance_id = Varchar(length=ID_LENGTH, default=None)
    expires_at = Timestamptz(default=None)


TABLES: tuple[type[Table], ...] = (StreamPresenceTable,)
