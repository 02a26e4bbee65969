"""DevTokenVerifier, mint_dev_token and the on-disk dev secret."""

from __future__ import annotations

import base64
import json
import pathlib
import stat
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mwf_core.adapters.auth import (
    DEV_ISSUER,
    DevTokenVerifier,
    load_or_create_dev_secret,
    mint_dev_token,
)
from mwf_core.ports.auth import Identity

from .conftest import ExpectUnauthorized

SECRET = "dev-secret-0123456789abcdefghijklmnopqrstuv"
OTHER_SECRET = "another-secret-0123456789abcdefghijklmnopq"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def verifier() -> DevTokenVerifier:
    return DevTokenVerifier(SECRET, environment="development")


async def test_round_trip(verifier: DevTokenVerifier) -> None:
    token = mint_dev_token(SECRET, "user_42", email="dev@example.com", name="Dev Person")

    identity = await verifier.verify(bearer(token))

    assert identity == Identity(subject="user_42", email="dev@example.com", name="Dev Person")


async def test_round_trip_without_profile(verifier: DevTokenVerifier) -> None:
    assert await verifier.verify(bearer(mint_dev_token(SECRET, "u1"))) == Identity(subject="u1")


def test_minted_claims() -> None:
    before = int(time.time())
    claims = jwt.decode(mint_dev_token(SECRET, "u1", ttl_seconds=60), SECRET, ["HS256"])

    assert claims["iss"] == DEV_ISSUER
    assert claims["sub"] == "u1"
    assert before <= claims["iat"] <= claims["exp"] - 60 + 1


async def test_wrong_secret(
    verifier: DevTokenVerifier, expect_unauthorized: ExpectUnauthorized
) -> None:
    error = await expect_unauthorized(verifier, bearer(mint_dev_token(OTHER_SECRET, "user_42")))
    assert "signature" in error.message


async def test_expired(verifier: DevTokenVerifier, expect_unauthorized: ExpectUnauthorized) -> None:
    token = mint_dev_token(SECRET, "user_42", ttl_seconds=-60)
    error = await expect_unauthorized(verifier, bearer(token))
    assert "expired" in error.message


async def test_tampered_payload(
    verifier: DevTokenVerifier, expect_unauthorized: ExpectUnauthorized
) -> None:
    head, payload, signature = mint_dev_token(SECRET, "user_42").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "user_admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    await expect_unauthorized(verifier, bearer(f"{head}.{forged}.{signature}"))


async def test_rs256_token_refused(
    verifier: DevTokenVerifier, expect_unauthorized: ExpectUnauthorized
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    token = jwt.encode(
        {"iss": DEV_ISSUER, "sub": "user_42", "iat": now, "exp": now + 60}, key, "RS256"
    )
    error = await expect_unauthorized(verifier, bearer(token))
    assert "algorithm" in error.message


async def test_wrong_issuer_and_missing_exp(
    verifier: DevTokenVerifier, expect_unauthorized: ExpectUnauthorized
) -> None:
    now = int(time.time())
    foreign = jwt.encode({"iss": "someone-else", "sub": "u", "iat": now, "exp": now + 60}, SECRET)
    forever = jwt.encode({"iss": DEV_ISSUER, "sub": "u", "iat": now}, SECRET)

    await expect_unauthorized(verifier, bearer(foreign))
    error = await expect_unauthorized(verifier, bearer(forever))
    assert error.message


@pytest.mark.parametrize(
    "credentials",
    [{}, {"authorization": "Basic dXNlcjpwYXNz"}, {"authorization": "Bearer garbage"}],
)
async def test_missing_or_malformed_header(
    verifier: DevTokenVerifier,
    expect_unauthorized: ExpectUnauthorized,
    credentials: dict[str, str],
) -> None:
    await expect_unauthorized(verifier, credentials)


@pytest.mark.parametrize("environment", ["production", "Production", " production "])
def test_production_refused(environment: str) -> None:
    with pytest.raises(RuntimeError, match="production"):
        DevTokenVerifier(SECRET, environment=environment)


def test_short_secret_refused() -> None:
    with pytest.raises(ValueError):
        DevTokenVerifier("short", environment="development")
    with pytest.raises(ValueError):
        mint_dev_token("short", "u1")


def test_secret_file_created_private_then_reused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "state" / "dev-token-secret"

    first = load_or_create_dev_secret(path)
    second = load_or_create_dev_secret(path)

    assert first == second
    assert len(first) >= 43
    assert len(base64.urlsafe_b64decode(first + "=")) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["dev-token-secret"]


def test_existing_secret_file_is_read(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    assert load_or_create_dev_secret(path) == SECRET


async def test_serve_and_token_commands_agree(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "dev-secret"
    token = mint_dev_token(load_or_create_dev_secret(path), "user_cli")
    verifier = DevTokenVerifier(load_or_create_dev_secret(path), environment="development")

    assert (await verifier.verify(bearer(token))).subject == "user_cli"
