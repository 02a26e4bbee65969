"""Choosing the verifier for a request when the E2E bypass is switched on."""

from __future__ import annotations

from mwf_core.ports.auth import Identity, TokenVerifier


class BypassOrPrimaryVerifier:
    """Requests carrying `x-e2e-user-id` use the bypass; all others the primary verifier.

    The bypass verifier refuses to exist in production, so this never opens a hole there.
    """

    def __init__(self, bypass: TokenVerifier, primary: TokenVerifier) -> None:
        self._bypass = bypass
        self._primary = primary

    async def verify(self, credentials: dict[str, str]) -> Identity:
        if credentials.get("x-e2e-user-id"):
            return await self._bypass.verify(credentials)
        return await self._primary.verify(credentials)
