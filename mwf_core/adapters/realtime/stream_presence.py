"""Stream presence: a person with a session's live stream open (SSE or WatchSession) counts as
present, so the push sink does not also buzz their phone.

One row per (session, user, process) with an expiry: written when the first stream of that
person opens in this process, renewed while streams stay open, deleted when the last one
closes. A process that dies leaves rows that expire on their own (TTL 45 s, renewed every 20 s).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from mwf_core.adapters.db.mapping import run
from mwf_core.adapters.db.realtime_tables import StreamPresenceTable

log = logging.getLogger("mwf.realtime")

TTL_SECONDS = 45.0
RENEW_SECONDS = 20.0


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # stored at ms precision


class StreamPresence:
    def __init__(self, instance_id: str, ttl_seconds: float = TTL_SECONDS) -> None:
        self.instance_id = instance_id
        self._ttl = timedelta(seconds=ttl_seconds)
        self._open: dict[tuple[str, str], int] = {}

    def _id(self, session_id: str, user_id: str) -> str:
        return f"{session_id}:{user_id}:{self.instance_id}"

    async def enter(self, session_id: str, user_id: str) -> None:
        key = (session_id, user_id)
        self._open[key] = self._open.get(key, 0) + 1
        await self.renew(session_id, user_id)

    async def renew(self, session_id: str, user_id: str) -> None:
        row_id = self._id(session_id, user_id)
        expires = _now() + self._ttl
        updated = await run(
            StreamPresenceTable.update({StreamPresenceTable.expires_at: expires})
            .where(StreamPresenceTable.id == row_id)
            .returning(StreamPresenceTable.id)
        )
        if updated:
            return
        try:
            await run(StreamPresenceTable.insert(StreamPresenceTable(
                id=row_id, session_id=session_id, user_id=user_id,
                instance_id=self.instance_id, expires_at=expires,
            )))
        except Exception:
            # Another stream of the same person in this process inserted it first: renew it.
            await run(
                StreamPresenceTable.update({StreamPresenceTable.expires_at: expires})
                .where(StreamPresenceTable.id == row_id)
            )

    async def leave(self, session_id: str, user_id: str) -> None:
        key = (session_id, user_id)
        remaining = self._open.get(key, 0) - 1
        if remaining > 0:
            self._open[key] = remaining
            return
        self._open.pop(key, None)
        await run(StreamPresenceTable.delete().where(
            StreamPresenceTable.id == self._id(session_id, user_id)))

    async def is_present(self, session_id: str, user_id: str) -> bool:
        try:
            rows = await run(
                StreamPresenceTable.select(StreamPresenceTable.id)
                .where((StreamPresenceTable.session_id == session_id)
                       & (StreamPresenceTable.user_id == user_id)
                       & (StreamPresenceTable.expires_at > _now()))
                .limit(1)
            )
        except Exception:
            log.warning("stream presence check failed; counting as absent", exc_info=True)
            return False
        return bool(rows)

    async def forget_expired(self) -> int:
        rows = await run(
            StreamPresenceTable.delete()
            .where(StreamPresenceTable.expires_at < _now())
            .returning(StreamPresenceTable.id)
        )
        return len(rows or [])
