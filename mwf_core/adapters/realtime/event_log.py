"""The event log the live streams read: sequenced outbox rows of one session's stream.

Rows are read by `seq` (gap-free per stream, stamped by the sequencer), never by time, so a
client resuming after seq N gets exactly the rows after N, whichever process wrote them. Only
the channels asked for are read: a viewer asks for the session channel and their own user
channel, so the partner's private rows never leave the database. Payloads are decoded row by
row (decrypted when field encryption is on); a row that cannot be read is left out with a
warning, so one bad row never stops a session's stream (the dispatcher makes it DEAD). Each read
says how far it scanned, bad rows included: a stream moves past them (and logs each once)
however many come in a row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from piccolo.query.functions.aggregate import Max, Min

from mwf_core.adapters.db.mapping import run
from mwf_core.adapters.db.outbox_tables import OutboxStreamTable, OutboxTable
from mwf_core.adapters.outbox.store import UnreadableRow, decode
from mwf_core.ports.delivery import LoggedEvent, LogPage

log = logging.getLogger("mwf.realtime")


class PiccoloEventLog:
    async def read(
        self, session_id: str, channels: Sequence[str], after_seq: int, limit: int
    ) -> LogPage:
        if not channels:
            return LogPage(events=(), scanned_to=after_seq, more=False)
        query = (
            OutboxTable.select()
            .where(
                (OutboxTable.stream_key == session_id)
                & OutboxTable.seq.is_not_null()
                & (OutboxTable.seq > after_seq)
                & OutboxTable.channel.is_in(list(channels))
            )
            .order_by(OutboxTable.seq)
            .limit(limit)
            .output(load_json=True)
        )
        rows = await run(query)
        events = []
        for row in rows:
            event = decode(row)
            if isinstance(event, UnreadableRow):
                log.warning("event log: row %s left out of the stream: %s", event.id, event.error)
                continue
            events.append(
                LoggedEvent(
                    seq=int(event.seq or 0),
                    id=event.id,
                    channel=event.channel,
                    name=event.name,
                    payload=dict(event.payload or {}),
                    created_at=event.created_at,
                )
            )
        scanned_to = int(rows[-1]["seq"]) if rows else after_seq
        return LogPage(events=tuple(events), scanned_to=scanned_to, more=len(rows) >= limit)

    async def oldest_seq(self, session_id: str) -> int | None:
        """The oldest seq still kept; when retention removed every row, the next one to come
        (so a client behind it knows it missed events). None for a stream never written."""
        rows = await run(
            OutboxTable.select(Min(OutboxTable.seq, alias="oldest")).where(
                (OutboxTable.stream_key == session_id) & OutboxTable.seq.is_not_null()
            )
        )
        if rows and rows[0]["oldest"] is not None:
            return int(rows[0]["oldest"])
        last = await self._last_seq(session_id)
        return last + 1 if last else None

    async def latest_seq(self, session_id: str) -> int:
        """The highest seq written on the stream so far (0 when none): a live-only watcher
        starts after it."""
        rows = await run(
            OutboxTable.select(Max(OutboxTable.seq, alias="latest")).where(
                (OutboxTable.stream_key == session_id) & OutboxTable.seq.is_not_null()
            )
        )
        latest = int(rows[0]["latest"]) if rows and rows[0]["latest"] is not None else 0
        return max(latest, await self._last_seq(session_id))

    async def _last_seq(self, session_id: str) -> int:
        rows = await run(
            OutboxStreamTable.select(OutboxStreamTable.last_seq).where(
                OutboxStreamTable.key == session_id
            )
        )
        return int(rows[0]["last_seq"] or 0) if rows else 0
