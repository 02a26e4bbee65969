"""Who has the session open, as far as Ably presence knows (read-only for the server)."""

from __future__ import annotations

import asyncio
import logging

from ably import AblyRest

from .names import presence_channel

log = logging.getLogger(__name__)


class AblyPresence:
    """PresenceChecker: a member is present iff an Ably presence entry has their client id.

    Any error or a slow answer (over `timeout` seconds) counts as absent: a missed suppression
    sends one push too many, which is better than one too few.
    """

    def __init__(self, client: AblyRest, timeout: float = 2.0) -> None:
        self._client = client
        self._timeout = timeout

    async def is_present(self, session_id: str, user_id: str) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                page = await self._client.channels.get(presence_channel(session_id)).presence.get()
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # noqa: BLE001 - absent on any failure
            log.info("ably presence for %s unavailable: %s", session_id, error)
            return False
        return any(getattr(member, "client_id", None) == user_id for member in page.items)
