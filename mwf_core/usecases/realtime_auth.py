"""Ably token requests for the mobile app, limited to what the caller may hear.

The capability is fixed when the token is issued: the caller's own user channel (subscribe),
and for each live session they belong to (with their own vessel, not archived or left) its
session channel (subscribe, publish) and presence channel (subscribe, presence). No wildcard
and no other channel, so a token can never be used to listen to someone else's session. A
session created later needs a fresh token (the app asks again).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from mwf_core.domain.enums import LIVE_SESSION_STATUSES
from mwf_core.domain.errors import DomainError, ErrorCode
from mwf_core.domain.records import User
from mwf_core.ports.delivery import RealtimeTokenIssuer
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction

NAMESPACE = "meetwithoutfear"
TOKEN_TTL_MS = 60 * 60 * 1000


class RealtimeNotConfigured(DomainError):
    """Production without ABLY_API_KEY: clients cannot get a token (no mock in production:
    the app would take it for a working realtime setup)."""

    code = ErrorCode.NOT_CONFIGURED


def user_channel(user_id: str) -> str:
    return f"{NAMESPACE}:user:{user_id}"


def session_channel(session_id: str) -> str:
    return f"{NAMESPACE}:session:{session_id}"


def presence_channel(session_id: str) -> str:
    return f"{NAMESPACE}:presence:{session_id}"


async def live_session_ids(uow: UnitOfWork, user_id: str) -> list[str]:
    """Live sessions the user is a member of with a vessel of their own, not archived by them."""
    memberships = await uow.relationships.memberships_of(user_id)
    if not memberships:
        return []
    sessions = await uow.sessions.for_relationships(
        [m.relationship_id for m in memberships], LIVE_SESSION_STATUSES
    )
    live: list[str] = []
    for session in sessions:
        vessel = await uow.vessels.user_vessel(session.id, user_id)
        if vessel is not None and vessel.archived_at is None:
            live.append(session.id)
    return live


def capability_for(user_id: str, session_ids: list[str]) -> dict[str, list[str]]:
    capability: dict[str, list[str]] = {user_channel(user_id): ["subscribe"]}
    for session_id in sorted(session_ids):
        capability[session_channel(session_id)] = ["subscribe", "publish"]
        capability[presence_channel(session_id)] = ["subscribe", "presence"]
    return capability


def mock_token_request(user_id: str, capability: dict[str, list[str]]) -> dict[str, Any]:
    """Development without a key: a token request shaped like Ably's, which Ably would refuse
    (the app then runs without realtime), as the original answered. Unlike the original it
    carries the caller's real capability, not a wildcard."""

    return {
        "keyName": "mock-key-name",
        "clientId": user_id,
        "ttl": TOKEN_TTL_MS,
        "nonce": secrets.token_hex(16),
        "capability": json.dumps(capability, separators=(",", ":"), sort_keys=True),
        "timestamp": int(time.time() * 1000),
        "mac": "mock-mac-signature",
    }


class RealtimeAuthUseCases:
    def __init__(
        self, deps: Dependencies, tokens: RealtimeTokenIssuer | None, production: bool = False
    ) -> None:
        self._deps = deps
        self._tokens = tokens
        self._production = production

    async def capability(self, actor: User) -> dict[str, list[str]]:
        async def work(uow: UnitOfWork) -> list[str]:
            return await live_session_ids(uow, actor.id)

        return capability_for(actor.id, await in_transaction(self._deps.uow, work))

    async def ably_token(self, actor: User) -> dict[str, Any]:
        """`{"tokenRequest": {keyName, clientId, ttl, nonce, capability, timestamp, mac}}`;
        `capability` is a JSON string, as Ably's token request carries it."""
        if self._tokens is None and self._production:
            raise RealtimeNotConfigured("Realtime is not configured on this server")
        capability = await self.capability(actor)
        if self._tokens is None:
            return {"tokenRequest": mock_token_request(actor.id, capability)}
        request = await self._tokens.token_request(actor.id, capability, TOKEN_TTL_MS)
        return {"tokenRequest": request}
