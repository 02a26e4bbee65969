"""E2EBypassVerifier: identities from x-e2e-* headers, never in production."""

from __future__ import annotations

import pytest

from mwf_core.adapters.auth import E2EBypassVerifier
from mwf_core.ports.auth import Identity

from .conftest import ExpectUnauthorized


@pytest.fixture
def verifier() -> E2EBypassVerifier:
    return E2EBypassVerifier(environment="test")


async def test_id_and_email(verifier: E2EBypassVerifier) -> None:
    identity = await verifier.verify(
        {"x-e2e-user-id": "alice-1", "x-e2e-user-email": "alice@e2e.test"}
    )
    assert identity == Identity(subject="e2e_alice-1", email="alice@e2e.test")


async def test_id_only(verifier: E2EBypassVerifier) -> None:
    identity = await verifier.verify({"x-e2e-user-id": "bob.smith@corp_2", "x-e2e-user-email": ""})
    assert identity == Identity(subject="e2e_bob.smith@corp_2")


async def test_authorization_header_is_ignored(verifier: E2EBypassVerifier) -> None:
    identity = await verifier.verify({"authorization": "Bearer x", "x-e2e-user-id": "carol"})
    assert identity.subject == "e2e_carol"


@pytest.mark.parametrize(
    "credentials",
    [{}, {"x-e2e-user-id": ""}, {"x-e2e-user-id": "   "}, {"x-e2e-user-email": "a@b.test"}],
)
async def test_missing_id(
    verifier: E2EBypassVerifier,
    expect_unauthorized: ExpectUnauthorized,
    credentials: dict[str, str],
) -> None:
    error = await expect_unauthorized(verifier, credentials)
    assert "x-e2e-user-id" in error.message


@pytest.mark.parametrize(
    "user_id", ["alice bob", "alice/../bob", "al!ce", "ünïcode", "a\nb", "a" * 129]
)
async def test_bad_id(
    verifier: E2EBypassVerifier, expect_unauthorized: ExpectUnauthorized, user_id: str
) -> None:
    await expect_unauthorized(verifier, {"x-e2e-user-id": user_id})


async def test_longest_id_accepted(verifier: E2EBypassVerifier) -> None:
    identity = await verifier.verify({"x-e2e-user-id": "a" * 128})
    assert identity.subject == "e2e_" + "a" * 128


@pytest.mark.parametrize("email", ["not-an-email", "a b@c.test", "a@b@c", "x" * 250 + "@e.test"])
async def test_bad_email(
    verifier: E2EBypassVerifier, expect_unauthorized: ExpectUnauthorized, email: str
) -> None:
    await expect_unauthorized(verifier, {"x-e2e-user-id": "alice", "x-e2e-user-email": email})


@pytest.mark.parametrize("environment", ["production", "PRODUCTION", "production\n"])
def test_production_refused(environment: str) -> None:
    with pytest.raises(RuntimeError, match="production"):
        E2EBypassVerifier(environment=environment)
