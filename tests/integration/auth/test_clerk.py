"""ClerkTokenVerifier with the real PyJWKClient against a loopback JWKS endpoint."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mwf_core.adapters.auth import ClerkTokenVerifier
from mwf_core.ports.auth import Identity
from tests.fakes.clerk import KID, forge_token

from .conftest import ExpectUnauthorized, FakeJwks


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def verifier(jwks_server: FakeJwks) -> ClerkTokenVerifier:
    # jwks_url left to its default, which must derive from the issuer.
    return ClerkTokenVerifier(issuer=jwks_server.issuer)


async def test_valid_token_gives_subject_and_profile(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks
) -> None:
    token = jwks_server.token(
        email="ada@example.com", first_name="Ada", last_name="Lovelace", name="Ada Lovelace"
    )

    identity = await verifier.verify(bearer(token))

    assert identity == Identity(
        subject="user_2abc",
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        name="Ada Lovelace",
    )
    assert jwks_server.requests == ["/.well-known/jwks.json"]


async def test_oidc_style_name_claims_and_bare_token(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks
) -> None:
    identity = await verifier.verify(
        bearer(jwks_server.token(given_name="Grace", family_name="Hopper"))
    )
    assert (identity.first_name, identity.last_name) == ("Grace", "Hopper")

    bare = await verifier.verify(bearer(jwks_server.token()))
    assert bare == Identity(subject="user_2abc")


async def test_bearer_scheme_is_case_insensitive(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks
) -> None:
    identity = await verifier.verify({"authorization": f"bearer  {jwks_server.token()}"})
    assert identity.subject == "user_2abc"


async def test_jwks_is_cached(verifier: ClerkTokenVerifier, jwks_server: FakeJwks) -> None:
    await verifier.verify(bearer(jwks_server.token()))
    await verifier.verify(bearer(jwks_server.token(sub="user_other")))

    assert len(jwks_server.requests) == 1


async def test_expired(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    now = int(time.time())
    token = jwks_server.token(iat=now - 120, nbf=now - 120, exp=now - 60)
    error = await expect_unauthorized(verifier, bearer(token))
    assert "expired" in error.message


async def test_small_clock_skew_is_tolerated(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks
) -> None:
    now = int(time.time())
    token = jwks_server.token(iat=now - 62, nbf=now - 62, exp=now - 2)
    assert (await verifier.verify(bearer(token))).subject == "user_2abc"


async def test_not_yet_valid(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    now = int(time.time())
    token = jwks_server.token(nbf=now + 60, exp=now + 120)
    error = await expect_unauthorized(verifier, bearer(token))
    assert "not yet valid" in error.message


async def test_wrong_issuer(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    token = jwks_server.token(iss="https://evil.clerk.accounts.dev")
    error = await expect_unauthorized(verifier, bearer(token))
    assert "issuer" in error.message


@pytest.mark.parametrize("missing", ["sub", "exp", "iat", "iss"])
async def test_required_claims(
    verifier: ClerkTokenVerifier,
    jwks_server: FakeJwks,
    expect_unauthorized: ExpectUnauthorized,
    missing: str,
) -> None:
    await expect_unauthorized(verifier, bearer(jwks_server.token(**{missing: None})))


async def test_azp_not_authorized(
    jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    verifier = ClerkTokenVerifier(
        issuer=jwks_server.issuer, authorized_parties=frozenset({"https://app.example.com"})
    )
    error = await expect_unauthorized(
        verifier, bearer(jwks_server.token(azp="https://evil.example.com"))
    )
    assert "party" in error.message


async def test_azp_listed_and_azp_absent_are_accepted(jwks_server: FakeJwks) -> None:
    verifier = ClerkTokenVerifier(
        issuer=jwks_server.issuer,
        jwks_url=jwks_server.jwks_url,
        authorized_parties=frozenset({"https://app.example.com", "http://localhost:8081"}),
    )
    listed = await verifier.verify(bearer(jwks_server.token(azp="http://localhost:8081")))
    absent = await verifier.verify(bearer(jwks_server.token()))

    assert listed.subject == absent.subject == "user_2abc"


async def test_any_azp_accepted_without_authorized_parties(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks
) -> None:
    identity = await verifier.verify(bearer(jwks_server.token(azp="https://anywhere.example")))
    assert identity.subject == "user_2abc"


async def test_unknown_kid_refetches_at_most_once(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    error = await expect_unauthorized(verifier, bearer(jwks_server.token(kid="ins_rotated_away")))
    assert "unknown" in error.message
    await expect_unauthorized(verifier, bearer(jwks_server.token(kid="ins_rotated_again")))

    assert 1 <= len(jwks_server.requests) <= 2


async def test_missing_kid(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    await expect_unauthorized(verifier, bearer(jwks_server.token(kid=None)))
    assert jwks_server.requests == []


async def test_signed_by_another_key_with_same_kid(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    error = await expect_unauthorized(verifier, bearer(jwks_server.token(key=other_key)))
    assert "signature" in error.message


async def test_hs256_signed_with_public_key_pem(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    # The classic algorithm-confusion attack: the public key is public, so an HMAC "signed"
    # with it verifies if the server lets the token pick the algorithm.
    token = forge_token(
        {"alg": "HS256", "typ": "JWT", "kid": KID}, jwks_server.claims(), jwks_server.public_pem
    )
    error = await expect_unauthorized(verifier, bearer(token))
    assert "algorithm" in error.message


async def test_alg_none(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    token = forge_token({"alg": "none", "typ": "JWT", "kid": KID}, jwks_server.claims(), None)
    error = await expect_unauthorized(verifier, bearer(token))
    assert "algorithm" in error.message


async def test_rs256_header_with_stripped_signature(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    head, payload, _ = jwks_server.token().split(".")
    await expect_unauthorized(verifier, bearer(f"{head}.{payload}."))


@pytest.mark.parametrize(
    "token", ["garbage", "not.a.jwt", "eyJhbGciOiJSUzI1NiJ9.%%%.%%%", "a" * 20_000]
)
async def test_garbage(
    verifier: ClerkTokenVerifier,
    jwks_server: FakeJwks,
    expect_unauthorized: ExpectUnauthorized,
    token: str,
) -> None:
    await expect_unauthorized(verifier, bearer(token))
    assert jwks_server.requests == []


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"authorization": ""},
        {"authorization": "Bearer"},
        {"authorization": "Bearer   "},
        {"x-e2e-user-id": "someone"},
    ],
)
async def test_missing_header(
    verifier: ClerkTokenVerifier,
    expect_unauthorized: ExpectUnauthorized,
    credentials: dict[str, str],
) -> None:
    await expect_unauthorized(verifier, credentials)


async def test_basic_scheme(
    verifier: ClerkTokenVerifier, jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    error = await expect_unauthorized(verifier, {"authorization": "Basic dXNlcjpwYXNzd29yZA=="})
    assert "Bearer" in error.message
    # Even a valid JWT is refused under another scheme.
    await expect_unauthorized(verifier, {"authorization": f"Token {jwks_server.token()}"})


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


async def test_jwks_server_down(
    jwks_server: FakeJwks, closed_port: int, expect_unauthorized: ExpectUnauthorized
) -> None:
    verifier = ClerkTokenVerifier(
        issuer=jwks_server.issuer,
        jwks_url=f"http://127.0.0.1:{closed_port}/.well-known/jwks.json",
    )
    started = time.monotonic()
    error = await expect_unauthorized(verifier, bearer(jwks_server.token()))

    assert time.monotonic() - started < 2
    assert "unavailable" in error.message


async def test_jwks_server_hanging_times_out(
    jwks_server: FakeJwks, silent_port: int, expect_unauthorized: ExpectUnauthorized
) -> None:
    verifier = ClerkTokenVerifier(
        issuer=jwks_server.issuer,
        jwks_url=f"http://127.0.0.1:{silent_port}/.well-known/jwks.json",
        jwks_timeout_seconds=0.3,
    )
    started = time.monotonic()
    error = await expect_unauthorized(verifier, bearer(jwks_server.token()))

    assert time.monotonic() - started < 3
    assert "unavailable" in error.message


async def test_jwks_without_matching_route(
    jwks_server: FakeJwks, expect_unauthorized: ExpectUnauthorized
) -> None:
    verifier = ClerkTokenVerifier(
        issuer=jwks_server.issuer, jwks_url=f"{jwks_server.issuer}/v1/jwks"
    )
    await expect_unauthorized(verifier, bearer(jwks_server.token()))


def test_default_jwks_url_follows_issuer() -> None:
    verifier = ClerkTokenVerifier(issuer="https://clerk.example.com/")
    assert verifier._jwks.uri == "https://clerk.example.com/.well-known/jwks.json"


async def test_fixture_tokens_verify_with_plain_pyjwt(
    jwks_server: FakeJwks,
) -> None:
    # Sanity check of the fixture itself: the fake issuer's tokens verify with plain PyJWT.
    claims = jwt.decode(
        jwks_server.token(),
        jwks_server.private_key.public_key(),
        algorithms=["RS256"],
        issuer=jwks_server.issuer,
    )
    assert claims["sub"] == "user_2abc"
