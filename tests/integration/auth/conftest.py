"""A loopback Clerk JWKS endpoint and token minting helpers for the auth adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mwf_core.domain.errors import Unauthorized
from mwf_core.ports.auth import TokenVerifier
from tests.fakes.clerk import FakeClerk, new_rsa_key, serve_fake_clerk

# The auth adapter tests call it FakeJwks: what they exercise is the key set.
FakeJwks = FakeClerk


@pytest.fixture(scope="session")
def rsa_private_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
async def jwks_server(rsa_private_key: rsa.RSAPrivateKey) -> AsyncIterator[FakeJwks]:
    async with serve_fake_clerk(rsa_private_key) as fake:
        yield fake


ExpectUnauthorized = Callable[[TokenVerifier, dict[str, str]], Awaitable[Unauthorized]]


@pytest.fixture
def expect_unauthorized() -> ExpectUnauthorized:
    """Asserts the verifier raises `Unauthorized` with a message that does not echo the token."""

    async def check(verifier: TokenVerifier, credentials: dict[str, str]) -> Unauthorized:
        with pytest.raises(Unauthorized) as info:
            await verifier.verify(credentials)
        error = info.value
        assert type(error) is Unauthorized
        assert error.message.strip()
        token = credentials.get("authorization", "").partition(" ")[2].strip()
        for part in token.split("."):
            if len(part) >= 8:
                assert part not in error.message
        return error

    return check
