"""New users' profiles from a loopback fake of Clerk's Backend API (real HTTP, real client)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mwf_core.adapters.auth.clerk_profiles import ClerkProfileDirectory
from tests.fakes.clerk import FakeClerkApi, serve_fake_clerk_api

SECRET = "sk_test_profile_lookups"


@pytest.fixture
async def clerk_api() -> AsyncIterator[FakeClerkApi]:
    async with serve_fake_clerk_api() as fake:
        yield fake


CLERK_USER = {
    "id": "user_2abc", "first_name": "Robin", "last_name": "Reyes",
    "primary_email_address_id": "idn_2",
    "email_addresses": [{"id": "idn_1", "email_address": "old@example.com"},
                        {"id": "idn_2", "email_address": "robin@example.com"}],
}


async def test_lookup_reads_the_profile_with_the_secret_key(clerk_api: FakeClerkApi) -> None:
    clerk_api.users["user_2abc"] = CLERK_USER
    found = await ClerkProfileDirectory(SECRET, clerk_api.url).lookup("user_2abc")
    assert found is not None
    assert (found.email, found.first_name, found.last_name, found.name) == (
        "robin@example.com", "Robin", "Reyes", "Robin Reyes")
    assert clerk_api.requests == [("/v1/users/user_2abc", f"Bearer {SECRET}")]


@pytest.mark.parametrize("status", [404, 429, 500])
async def test_errors_leave_the_profile_empty(clerk_api: FakeClerkApi, status: int) -> None:
    clerk_api.status = status
    assert await ClerkProfileDirectory(SECRET, clerk_api.url).lookup("user_2abc") is None


async def test_a_slow_api_does_not_hold_sign_in(clerk_api: FakeClerkApi) -> None:
    clerk_api.users["user_2abc"] = CLERK_USER
    clerk_api.delay = 2.0
    directory = ClerkProfileDirectory(SECRET, clerk_api.url, timeout_seconds=0.2)
    assert await directory.lookup("user_2abc") is None


async def test_an_unreachable_api_leaves_the_profile_empty() -> None:
    directory = ClerkProfileDirectory(SECRET, "http://127.0.0.1:9", timeout_seconds=1)
    assert await directory.lookup("user_2abc") is None
