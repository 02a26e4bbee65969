"""A loopback stand-in for Clerk's JWKS endpoint, and token minting for tests.

The real PyJWKClient fetches the key set from it over HTTP, so tests exercise the same path as
production; `forge_token` builds the malformed tokens PyJWT refuses to produce.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KID = "ins_test_key_1"


@dataclass
class FakeClerk:
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

    def claims(self, sub: str = "user_2abc", **overrides: Any) -> dict[str, Any]:
        """Claims shaped like a Clerk v2 session token; `None` overrides drop a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "sid": "sess_2xyz",
            "iat": now,
            "nbf": now - 2,
            "exp": now + 60,
            "v": 2,
            **overrides,
        }
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self, sub: str = "user_2abc", *, kid: str | None = KID, key: Any = None, **overrides: Any
    ) -> str:
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(
            self.claims(sub, **overrides), key or self.private_key, "RS256", headers=headers
        )


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@asynccontextmanager
async def serve_fake_clerk(
    private_key: rsa.RSAPrivateKey, clerk_class: type[FakeClerk] = FakeClerk
) -> AsyncIterator[FakeClerk]:
    """Serve `/.well-known/jwks.json` on 127.0.0.1 (a free port) until the block ends."""
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    jwk.update(kid=KID, use="sig", alg="RS256")
    state: list[FakeClerk] = []

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
    state.append(clerk_class(issuer=f"http://127.0.0.1:{port}", private_key=private_key))
    try:
        yield state[0]
    finally:
        await runner.cleanup()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def forge_token(header: dict[str, Any], claims: dict[str, Any], hmac_key: bytes | None) -> str:
    """A JWT built by hand, for headers PyJWT refuses to produce (alg none, HS256 with a PEM)."""
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = b""
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


@dataclass
class FakeClerkApi:
    """Clerk's Backend API, `GET /v1/users/{id}` only: scripted users, status and delay."""

    url: str
    users: dict[str, Any] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization)
    status: int = 200
    delay: float = 0.0


@asynccontextmanager
async def serve_fake_clerk_api() -> AsyncIterator[FakeClerkApi]:
    state: list[FakeClerkApi] = []

    async def user(request: web.Request) -> web.Response:
        fake = state[0]
        fake.requests.append((request.path, request.headers.get("Authorization", "")))
        await asyncio.sleep(fake.delay)
        if fake.status != 200:
            return web.json_response({"errors": [{"code": "boom"}]}, status=fake.status)
        found = fake.users.get(request.match_info["user_id"])
        if found is None:
            return web.json_response({"errors": [{"code": "resource_not_found"}]}, status=404)
        return web.json_response(found)

    app = web.Application()
    app.router.add_get("/v1/users/{user_id}", user)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.append(FakeClerkApi(url=f"http://127.0.0.1:{runner.addresses[0][1]}"))
    try:
        yield state[0]
    finally:
        await runner.cleanup()
