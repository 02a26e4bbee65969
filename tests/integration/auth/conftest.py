"""A loopback Clerk JWKS endpoint and token minting helpers for the auth adapter tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from mwf_core.domain.errors import Unauthorized
from mwf_core.ports.auth import TokenVerifier

KID = "ins_test_key_1"


@dataclass
class FakeJwks:
    """The running fake: its issuer URL, the key it publishes and how often it was asked."""

    issuer: str
    private_key: rsa.RSAPrivateKey
    requests: list[str] = field(default_factory=list)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """Claims shaped like a Clerk v2 session token; `None` overrides drop a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "user_2abc",
            "sid": "sess_2xyz",
            "iat": now,
            "nbf": now - 2,
            "exp": now + 60,
            "v": 2,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, *, kid: str | None = KID, key: Any = None, **overrides: Any) -> str:
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(
            self.claims(**overrides), key or self.private_key, "RS256", headers=headers
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def forge_token(header: dict[str, Any], claims: dict[str, Any], hmac_key: bytes | None) -> str:
    """A JWT built by hand, for headers PyJWT refuses to produce (alg none, HS256 with a PEM)."""
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = b""
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


@pytest.fixture(scope="session")
def rsa_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def jwks_server(rsa_private_key: rsa.RSAPrivateKey) -> AsyncIterator[FakeJwks]:
    jwk = json.loads(RSAAlgorithm.to_jwk(rsa_private_key.public_key()))
    jwk.update(kid=KID, use="sig", alg="RS256")
    state: list[FakeJwks] = []

    async def jwks(request: web.Request) -> web.Response:
        state[0].requests.append(request.path)
        return web.json_response({"keys": [jwk]})

    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.append(FakeJwks(issuer=f"http://127.0.0.1:{port}", private_key=rsa_private_key))
    try:
        yield state[0]
    finally:
        await runner.cleanup()


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
