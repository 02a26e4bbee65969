"""Clerk session tokens (RS256 JWTs) checked against Clerk's published JWKS."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWKClient

from mwf_core.domain.errors import Unauthorized
from mwf_core.ports.auth import Identity

# Clerk signs with RS256 only. Pinning it is what stops algorithm confusion (an HS256 token
# "signed" with the public key, or alg "none").
_ALGORITHMS = ["RS256"]
# Real session tokens are around 1 KB; refusing huge headers keeps garbage cheap to reject.
_MAX_TOKEN_CHARS = 16_384


def bearer_token(credentials: Mapping[str, str]) -> str:
    """The token from `authorization: Bearer <token>`, or `Unauthorized`."""
    header = credentials.get("authorization")
    if not header or not header.strip():
        raise Unauthorized("Authentication required")
    scheme, _, token = header.strip().partition(" ")
    # RFC 7235: the scheme name is case-insensitive.
    if scheme.lower() != "bearer":
        raise Unauthorized("Authorization header must use the Bearer scheme")
    token = token.strip()
    if not token:
        raise Unauthorized("Bearer token is empty")
    if len(token) > _MAX_TOKEN_CHARS:
        raise Unauthorized("Bearer token is too long")
    return token


def _optional_str(claims: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class ClerkTokenVerifier:
    """Verifies Clerk session tokens; implements the `TokenVerifier` port."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None = None,
        authorized_parties: frozenset[str] = frozenset(),
        leeway_seconds: int = 5,
        jwks_cache_seconds: int = 300,
        jwks_timeout_seconds: float = 5.0,
    ) -> None:
        if not issuer:
            raise ValueError("ClerkTokenVerifier needs the Clerk issuer (Frontend API URL)")
        self._issuer = issuer.rstrip("/")
        self._authorized_parties = frozenset(authorized_parties)
        self._leeway = leeway_seconds
        self._jwks_timeout = jwks_timeout_seconds
        # cache_jwk_set keeps one fetch per `lifespan`; the client's cooldown limits refetches
        # caused by unknown kids (rotation) to one per 30 s, so random kids cannot hammer Clerk.
        self._jwks = PyJWKClient(
            jwks_url or f"{self._issuer}/.well-known/jwks.json",
            cache_jwk_set=True,
            lifespan=jwks_cache_seconds,
            timeout=jwks_timeout_seconds,
        )

    async def verify(self, credentials: dict[str, str]) -> Identity:
        token = bearer_token(credentials)
        kid = self._checked_header(token)
        key = await self._signing_key(kid)
        claims = self._decode(token, key)

        azp = claims.get("azp")
        # Clerk's CSRF guard: azp is the browser Origin that asked for the token. Native
        # clients send no azp, so its absence is accepted.
        if self._authorized_parties and azp is not None and azp not in self._authorized_parties:
            raise Unauthorized("Token was issued for an unauthorized party")

        subject = claims["sub"]
        if not subject.strip():
            raise Unauthorized("Token has an empty subject")
        return Identity(
            subject=subject,
            email=_optional_str(claims, "email"),
            first_name=_optional_str(claims, "first_name", "given_name"),
            last_name=_optional_str(claims, "last_name", "family_name"),
            name=_optional_str(claims, "name"),
        )

    @staticmethod
    def _checked_header(token: str) -> str:
        # Checked before any JWKS lookup so junk never costs a network round trip.
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("Malformed token") from None
        if header.get("alg") not in _ALGORITHMS:
            raise Unauthorized("Token algorithm is not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("Token has no key id")
        return kid

    async def _signing_key(self, kid: str) -> RSAPublicKey:
        # PyJWKClient fetches with blocking urllib, so it runs in a worker thread. Its own timeout
        # bounds each socket operation; wait_for bounds the whole call (a slow-dripping server,
        # or queueing behind another request's fetch on the client's lock).
        try:
            jwk = await asyncio.wait_for(
                asyncio.to_thread(self._jwks.get_signing_key, kid),
                timeout=self._jwks_timeout + 1.0,
            )
        except jwt.PyJWKClientConnectionError:
            raise Unauthorized("Signing keys are unavailable") from None
        except jwt.PyJWKClientError:
            raise Unauthorized("Token signing key is unknown") from None
        except (jwt.PyJWTError, TimeoutError, OSError, ValueError):
            # A JWKS without usable keys, a body that is not JSON, or no answer in time.
            raise Unauthorized("Signing keys are unavailable") from None
        if not isinstance(jwk.key, RSAPublicKey):
            raise Unauthorized("Token signing key is not an RSA key")
        return jwk.key

    def _decode(self, token: str, key: RSAPublicKey) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=_ALGORITHMS,
                issuer=self._issuer,
                leeway=self._leeway,
                # nbf is still checked whenever present; Clerk has no aud claim.
                options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Token has expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("Token is not yet valid") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("Token issuer is not trusted") from None
        except jwt.InvalidAlgorithmError:
            raise Unauthorized("Token algorithm is not allowed") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("Token signature is invalid") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"Token is missing the {exc.claim!r} claim") from None
        except jwt.PyJWTError:
            raise Unauthorized("Invalid token") from None
