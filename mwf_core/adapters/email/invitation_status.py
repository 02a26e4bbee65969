"""The invitation's status, read from the database for the email sink (one query per email)."""

from __future__ import annotations

from datetime import UTC

from mwf_core.adapters.db.mapping import run
from mwf_core.adapters.db.tables import InvitationTable
from mwf_core.domain.enums import InvitationStatus
from mwf_core.ports.system import Clock


class DatabaseInvitationStatus:
    """InvitationStatusReader over the engine the tables are bound to."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def is_pending(self, invitation_id: str) -> bool:
        rows = await run(
            InvitationTable.select(InvitationTable.status, InvitationTable.expires_at)
            .where(InvitationTable.id == invitation_id)
            .limit(1)
        )
        if not rows or rows[0]["status"] != InvitationStatus.PENDING.value:
            return False
        expires_at = rows[0]["expires_at"]
        # SQLite hands back naive UTC; PostgreSQL an aware time (as in db.mapping.from_row).
        expires_at = expires_at.replace(tzinfo=UTC) if expires_at.tzinfo is None else expires_at
        return self._clock.now() < expires_at
