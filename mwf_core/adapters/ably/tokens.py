"""Signed Ably token requests for the mobile app (HMAC with our key, no call to Ably)."""

from __future__ import annotations

from typing import Any

from ably import AblyRest


class AblyTokenIssuer:
    """RealtimeTokenIssuer: the client exchanges the signed request with Ably for a token whose
    capability is exactly the one given (Ably refuses a request whose mac does not verify)."""

    def __init__(self, client: AblyRest) -> None:
        self._client = client

    async def token_request(
        self, client_id: str, capability: dict[str, list[str]], ttl_ms: int
    ) -> dict[str, Any]:
        request = await self._client.auth.create_token_request(
            {"client_id": client_id, "capability": capability, "ttl": ttl_ms}
        )
        return dict(request.to_dict())
