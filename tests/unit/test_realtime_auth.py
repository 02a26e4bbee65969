"""Ably token requests: the capability names only the caller's own channel and live sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from ably import AblyRest

from mwf_core.adapters.ably.tokens import AblyTokenIssuer
from mwf_core.domain.enums import SessionStatus
from mwf_core.domain.errors import DomainError, ErrorCode
from mwf_core.domain.records import User
from mwf_core.usecases.realtime_auth import (
    TOKEN_TTL_MS,
    RealtimeAuthUseCases,
    RealtimeNotConfigured,
)

from .conftest import App

KEY = "unitapp.unitkey:unit-secret"


class RecordingIssuer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, list[str]], int]] = []

    async def token_request(
        self, client_id: str, capability: dict[str, list[str]], ttl_ms: int
    ) -> dict[str, Any]:
        self.calls.append((client_id, capability, ttl_ms))
        return {"keyName": "k", "clientId": client_id, "capability": json.dumps(capability)}


def channels_of(user: User, *session_ids: str) -> dict[str, list[str]]:
    expected = {f"meetwithoutfear:user:{user.id}": ["subscribe"]}
    for sid in session_ids:
        expected[f"meetwithoutfear:session:{sid}"] = ["subscribe", "publish"]
        expected[f"meetwithoutfear:presence:{sid}"] = ["subscribe", "presence"]
    return expected


@pytest.fixture
def issuer() -> RecordingIssuer:
    return RecordingIssuer()


@pytest.fixture
def auth(app: App, issuer: RecordingIssuer) -> RealtimeAuthUseCases:
    return RealtimeAuthUseCases(app.deps, issuer)


async def test_members_get_their_live_session_channels(
    app: App,
    auth: RealtimeAuthUseCases,
    issuer: RecordingIssuer,
    alice: User,
    bob: User,
    carol: User,
    active: tuple[str, str],
) -> None:
    session_id = active[0]

    answer = await auth.ably_token(alice)

    assert answer == {
        "tokenRequest": {
            "keyName": "k",
            "clientId": alice.id,
            "capability": json.dumps(channels_of(alice, session_id)),
        }
    }
    assert issuer.calls == [(alice.id, channels_of(alice, session_id), TOKEN_TTL_MS)]
    assert await auth.capability(bob) == channels_of(bob, session_id)
    # A stranger hears only their own channel; no wildcard anywhere.
    assert await auth.capability(carol) == channels_of(carol)


async def test_an_invitee_who_has_not_joined_gets_no_session(
    app: App, auth: RealtimeAuthUseCases, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    assert await auth.capability(alice) == channels_of(alice, invited[0])
    assert await auth.capability(bob) == channels_of(bob)


@pytest.mark.parametrize(
    "status", [SessionStatus.RESOLVED, SessionStatus.ABANDONED, SessionStatus.ARCHIVED]
)
async def test_finished_sessions_are_not_listed(
    app: App,
    auth: RealtimeAuthUseCases,
    alice: User,
    bob: User,
    active: tuple[str, str],
    status: SessionStatus,
) -> None:
    await app.set_status(active[0], status)
    assert await auth.capability(alice) == channels_of(alice)


@pytest.mark.parametrize("status", [SessionStatus.PAUSED, SessionStatus.WAITING])
async def test_paused_and_waiting_sessions_are_listed(
    app: App,
    auth: RealtimeAuthUseCases,
    alice: User,
    bob: User,
    active: tuple[str, str],
    status: SessionStatus,
) -> None:
    await app.set_status(active[0], status)
    assert await auth.capability(alice) == channels_of(alice, active[0])


async def test_a_session_I_archived_is_not_listed_for_me(
    app: App, auth: RealtimeAuthUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    async with app.db() as uow:
        vessel = await uow.vessels.user_vessel(active[0], alice.id)
        assert vessel is not None
        vessel.archived_at = app.clock.now()
        await uow.vessels.update_user_vessel(vessel)
        await uow.commit()

    assert await auth.capability(alice) == channels_of(alice)
    assert await auth.capability(bob) == channels_of(bob, active[0])


async def test_a_session_I_left_is_not_listed_for_me(
    app: App, auth: RealtimeAuthUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    async with app.db() as uow:
        vessel = await uow.vessels.user_vessel(active[0], bob.id)
        assert vessel is not None
        await uow.vessels.delete_user_vessel(vessel.id)
        await uow.commit()

    assert await auth.capability(bob) == channels_of(bob)


async def test_real_issuer_signs_the_capability_with_the_key(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    client = AblyRest(key=KEY)
    try:
        answer = await RealtimeAuthUseCases(app.deps, AblyTokenIssuer(client)).ably_token(alice)
    finally:
        await client.close()

    request = answer["tokenRequest"]
    assert set(request) == {"keyName", "clientId", "ttl", "nonce", "capability", "timestamp", "mac"}
    assert request["keyName"] == "unitapp.unitkey" and request["clientId"] == alice.id
    assert request["ttl"] == TOKEN_TTL_MS
    assert set(json.loads(request["capability"])) == set(channels_of(alice, active[0]))
    text = (
        "\n".join(
            str(request[k])
            for k in ("keyName", "ttl", "capability", "clientId", "timestamp", "nonce")
        )
        + "\n"
    )
    digest = hmac.new(b"unit-secret", text.encode(), hashlib.sha256).digest()
    assert request["mac"] == base64.b64encode(digest).decode()


async def test_development_without_a_key_answers_a_mock_request(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    answer = await RealtimeAuthUseCases(app.deps, None, production=False).ably_token(alice)

    request = answer["tokenRequest"]
    assert request["keyName"] == "mock-key-name" and request["mac"] == "mock-mac-signature"
    assert request["clientId"] == alice.id and request["ttl"] == TOKEN_TTL_MS
    assert json.loads(request["capability"]) == channels_of(alice, active[0])
    assert isinstance(request["timestamp"], int) and request["nonce"]


async def test_production_without_a_key_refuses(app: App, alice: User) -> None:
    with pytest.raises(RealtimeNotConfigured) as caught:
        await RealtimeAuthUseCases(app.deps, None, production=True).ably_token(alice)
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == ErrorCode.NOT_CONFIGURED
