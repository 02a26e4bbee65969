"""The invitation's status, read from the database for the email sink (one query per email)."""

from __future__ import annotations

from mwf_core.adapters.db.repositories import PiccoloInvitationRepository
from mwf_core.domain.enums import InvitationStatus
from mwf_core.domain.stage0 import invitation_status_as_seen
from mwf_core.ports.system import Clock


class DatabaseInvitationStatus:
    """InvitationStatusReader over the engine the tables are bound to."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._invitations = PiccoloInvitationRepository()

    async def is_pending(self, invitation_id: str) -> bool:
        invitation = await self._invitations.get(invitation_id)
        if invitation is None:
            return False
        # The same rule the use cases apply: PENDING past its expiry reads as EXPIRED.
        seen = invitation_status_as_seen(invitation, self._clock.now())
        return seen is InvitationStatus.PENDING
