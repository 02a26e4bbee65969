"""The whole auth path through a real server configured for Clerk (a loopback JWKS fake), the
E2E bypass headers, and the production guards of `build_verifier`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as pb
from mwf_core.adapters.auth import ClerkTokenVerifier
from mwf_core.config import Settings
from mwf_core.wiring_adapters import build_verifier
from tests.fakes.clerk import KID, forge_token

from .conftest import close_stack, open_stack
from .grpc_helpers import (
    APP_ORIGIN,
    UNAUTHENTICATED,
    FakeClerk,
    fails,
    fake_clerk,
    user_count,
)
from .harness import Stack


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture
async def clerk() -> AsyncIterator[FakeClerk]:
    async with fake_clerk() as fake:
        yield fake


async def _open_clerk_stack(url: str, tmp_path: Path, clerk: FakeClerk) -> Stack:
    return await open_stack(url, tmp_path, clerk_issuer=clerk.issuer,
                            clerk_jwks_url=clerk.jwks_url,
                            clerk_authorized_parties=frozenset({APP_ORIGIN}))


@pytest.fixture
async def clerk_stack(sqlite_url: str, tmp_path: Path, clerk: FakeClerk) -> AsyncIterator[Stack]:
    opened = await _open_clerk_stack(sqlite_url, tmp_path, clerk)
    try:
        yield opened
    finally:
        await close_stack(opened)


@pytest.fixture
async def clerk_stack_any_db(db_url: str, tmp_path: Path,
                             clerk: FakeClerk) -> AsyncIterator[Stack]:
    opened = await _open_clerk_stack(db_url, tmp_path, clerk)
    try:
        yield opened
    finally:
        await close_stack(opened)


# --- valid Clerk tokens ------------------------------------------------------------------------


@pytest.mark.parametrize("azp", [APP_ORIGIN, None], ids=["browser", "native-without-azp"])
async def test_valid_token_signs_in_and_creates_the_user_once(
    clerk_stack: Stack, clerk: FakeClerk, azp: str | None,
) -> None:
    token = clerk.token("user_2valid", azp=azp)
    first = await clerk_stack.stub.GetMe(pb.GetMeRequest(), metadata=bearer(token))
    again = await clerk_stack.stub.GetMe(pb.GetMeRequest(), metadata=bearer(token))
    assert first.user.id == again.user.id
    assert (first.user.email, first.user.first_name, first.user.last_name, first.user.name) == (
        "user_2valid@example.test", "Clerk", "Person", "Clerk Person")
    assert await user_count("user_2valid") == 1 and await user_count() == 1
    via_rest = await clerk_stack.ok("GET", "/api/auth/me",
                                    headers={"Authorization": f"Bearer {token}"})
    assert via_rest["user"]["id"] == first.user.id
    assert clerk.requests == ["/.well-known/jwks.json"]


async def test_concurrent_first_requests_create_one_user(
    clerk_stack_any_db: Stack, clerk: FakeClerk,
) -> None:
    token = clerk.token("user_2race")
    answers = await asyncio.gather(*(
        clerk_stack_any_db.stub.GetMe(pb.GetMeRequest(), metadata=bearer(token))
        for _ in range(10)
    ))
    assert len({a.user.id for a in answers}) == 1
    assert await user_count("user_2race") == 1 and await user_count() == 1


async def test_taken_email_does_not_block_sign_in(clerk_stack_any_db: Stack,
                                                 clerk: FakeClerk) -> None:
    first = await clerk_stack_any_db.stub.GetMe(
        pb.GetMeRequest(), metadata=bearer(clerk.token("user_2one", email="shared@example.test")))
    second = await clerk_stack_any_db.stub.GetMe(
        pb.GetMeRequest(), metadata=bearer(clerk.token("user_2two", email="shared@example.test")))
    assert first.user.id != second.user.id
    assert (first.user.email, second.user.email) == ("shared@example.test", "")
    assert await user_count() == 2


# --- tokens that must be refused ----------------------------------------------------------------

Forger = Callable[[FakeClerk], str]


def _now() -> int:
    return int(time.time())


def _other_key_token(c: FakeClerk) -> str:
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return c.token("user_other_key", key=stranger_key)


BAD_TOKENS: dict[str, Forger] = {
    "expired": lambda c: c.token("user_expired", iat=_now() - 600, nbf=_now() - 600,
                                 exp=_now() - 60),
    "not-yet-valid": lambda c: c.token("user_early", nbf=_now() + 600),
    "wrong-issuer": lambda c: c.token("user_wrong_iss", iss="https://evil.example.test"),
    "wrong-azp": lambda c: c.token("user_wrong_azp", azp="https://evil.example.test"),
    "unknown-kid": lambda c: c.token("user_unknown_kid", kid="ins_not_published"),
    "signed-by-another-key": _other_key_token,
    "hs256-with-public-pem": lambda c: forge_token(
        {"alg": "HS256", "typ": "JWT", "kid": KID}, c.claims("user_hs256"), c.public_pem),
    "alg-none": lambda c: forge_token(
        {"alg": "none", "typ": "JWT", "kid": KID}, c.claims("user_none"), None),
    "no-exp": lambda c: c.token("user_no_exp", exp=None),
    "blank-subject": lambda c: c.token("   "),
    "garbage": lambda c: "garbage",
}


@pytest.mark.parametrize("name", BAD_TOKENS)
async def test_bad_token_over_grpc(clerk_stack: Stack, clerk: FakeClerk, name: str) -> None:
    token = BAD_TOKENS[name](clerk)
    failure = await fails(clerk_stack.stub.GetMe(pb.GetMeRequest(), metadata=bearer(token)),
                          *UNAUTHENTICATED)
    assert not any(part in failure.message for part in token.split(".") if len(part) >= 8)
    assert await user_count() == 0


@pytest.mark.parametrize("name", BAD_TOKENS)
async def test_bad_token_over_rest(clerk_stack: Stack, clerk: FakeClerk, name: str) -> None:
    status, body = await clerk_stack.call(
        "GET", "/api/auth/me", headers={"Authorization": f"Bearer {BAD_TOKENS[name](clerk)}"})
    assert (status, body["success"], body["error"]["code"]) == (401, False, "UNAUTHORIZED")
    assert await user_count() == 0


async def test_dev_tokens_are_not_accepted_when_clerk_is_configured(clerk_stack: Stack) -> None:
    dev = clerk_stack.token("alice")  # a valid HS256 dev token for this stack's dev secret
    await fails(clerk_stack.stub.GetMe(pb.GetMeRequest(), metadata=bearer(dev)),
                *UNAUTHENTICATED)
    assert await user_count() == 0


# A stale token must not hide a public page (the original's optionalAuth ignored it).
@pytest.mark.parametrize("name", ["expired", "garbage"])
async def test_public_invitation_ignores_a_bad_token(clerk_stack: Stack, clerk: FakeClerk,
                                                    name: str) -> None:
    inviter = bearer(clerk.token("user_2inviter"))
    made = await clerk_stack.stub.CreateSession(pb.CreateSessionRequest(invite_name="Bob"),
                                                metadata=inviter)
    request = inv_pb.GetInvitationRequest(invitation_id=made.invitation_id)
    assert (await clerk_stack.stub.GetInvitation(request)).invitation.id == made.invitation_id
    status, _ = await clerk_stack.call(
        "GET", f"/api/invitations/{made.invitation_id}",
        headers={"Authorization": f"Bearer {BAD_TOKENS[name](clerk)}"})
    answer = await clerk_stack.stub.GetInvitation(request,
                                                  metadata=bearer(BAD_TOKENS[name](clerk)))
    assert (status, answer.invitation.is_inviter) == (200, False)


# --- the E2E bypass ------------------------------------------------------------------------------

E2E_HEADERS = {"x-e2e-user-id": "tester-1", "x-e2e-user-email": "tester-1@example.test"}


@pytest.fixture
async def bypass_stack(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    opened = await open_stack(sqlite_url, tmp_path, e2e_auth_bypass=True)
    try:
        yield opened
    finally:
        await close_stack(opened)


async def test_e2e_headers_sign_in_when_the_bypass_is_on(bypass_stack: Stack) -> None:
    me = await bypass_stack.stub.GetMe(pb.GetMeRequest(), metadata=tuple(E2E_HEADERS.items()))
    assert me.user.email == "tester-1@example.test"
    assert await user_count("e2e_tester-1") == 1
    via_rest = await bypass_stack.ok("GET", "/api/auth/me", headers=E2E_HEADERS)
    assert via_rest["user"]["id"] == me.user.id
    # Bearer tokens keep working next to the bypass.
    alice = await bypass_stack.stub.GetMe(pb.GetMeRequest(),
                                          metadata=bypass_stack.metadata("alice"))
    assert alice.user.name == "Alice"


async def test_e2e_bypass_refuses_a_malformed_user_id(bypass_stack: Stack) -> None:
    await fails(bypass_stack.stub.GetMe(pb.GetMeRequest(),
                                        metadata=(("x-e2e-user-id", "not valid!"),)),
                *UNAUTHENTICATED)
    assert await user_count() == 0


async def test_e2e_headers_do_nothing_when_the_bypass_is_off(sqlite_stack: Stack) -> None:
    await fails(sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=tuple(E2E_HEADERS.items())),
                *UNAUTHENTICATED)
    status, body = await sqlite_stack.call("GET", "/api/auth/me", headers=E2E_HEADERS)
    assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED")
    assert await user_count() == 0


# --- production guards ---------------------------------------------------------------------------


def test_production_without_clerk_refuses_to_start() -> None:
    with pytest.raises(RuntimeError, match="Clerk"):
        build_verifier(Settings(environment="production", dev_secret="x" * 40))


def test_production_with_the_e2e_bypass_refuses_to_start() -> None:
    settings = Settings(environment="production", clerk_issuer="https://clerk.example.test",
                        e2e_auth_bypass=True)
    with pytest.raises(RuntimeError, match="E2E"):
        build_verifier(settings)


def test_production_with_clerk_uses_clerk() -> None:
    settings = Settings(environment="production", clerk_issuer="https://clerk.example.test")
    assert isinstance(build_verifier(settings), ClerkTokenVerifier)
