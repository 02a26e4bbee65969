"""Signing in with a bare Clerk token (only the user id): the new user's names and email come
from Clerk's Backend API, once; partners then see those names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.clerk import FakeClerkApi, serve_fake_clerk_api

from .conftest import close_stack, open_stack
from .grpc_helpers import FakeClerk, fake_clerk
from .harness import Stack

SECRET = "sk_test_api_profiles"


@pytest.fixture
async def clerk_setup(sqlite_url: str, tmp_path: Path
                      ) -> AsyncIterator[tuple[Stack, FakeClerk, FakeClerkApi]]:
    async with fake_clerk() as tokens, serve_fake_clerk_api() as api:
        stack = await open_stack(sqlite_url, tmp_path, clerk_issuer=tokens.issuer,
                                 clerk_jwks_url=tokens.jwks_url, clerk_secret_key=SECRET,
                                 clerk_api_url=api.url)
        try:
            yield stack, tokens, api
        finally:
            await close_stack(stack)


async def test_first_sight_fills_the_profile_once(clerk_setup) -> None:
    stack, tokens, api = clerk_setup
    api.users["user_robin"] = {
        "id": "user_robin", "first_name": "Robin", "last_name": "Reyes",
        "primary_email_address_id": "e1",
        "email_addresses": [{"id": "e1", "email_address": "robin@example.com"}],
    }
    # A bare session token, as Clerk issues by default: no email, no names.
    bare = tokens.token("user_robin", email=None, first_name=None, last_name=None)
    headers = {"Authorization": f"Bearer {bare}"}
    for _ in range(3):
        status, body = await stack.call("GET", "/api/auth/me", headers=headers)
        assert status == 200, body
    user = body["data"]["user"]
    assert (user["email"], user["firstName"], user["lastName"], user["name"]) == (
        "robin@example.com", "Robin", "Reyes", "Robin Reyes")
    assert api.requests == [("/v1/users/user_robin", f"Bearer {SECRET}")]


async def test_sign_in_works_when_the_directory_fails(clerk_setup) -> None:
    stack, tokens, api = clerk_setup
    api.status = 500
    bare = tokens.token("user_nobody", email=None, first_name=None, last_name=None)
    status, body = await stack.call("GET", "/api/auth/me",
                                    headers={"Authorization": f"Bearer {bare}"})
    assert status == 200 and body["data"]["user"]["firstName"] is None
