"""What the email sink may ask about an invitation before sending its email."""

from __future__ import annotations

from typing import Protocol


class InvitationStatusReader(Protocol):
    async def is_pending(self, invitation_id: str) -> bool:
        """True while the invitation can still be accepted (PENDING and unexpired); False
        when it was accepted, declined, expired or deleted. Errors propagate."""
        ...
