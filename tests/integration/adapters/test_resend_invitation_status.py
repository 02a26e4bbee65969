"""DatabaseInvitationStatus, what the email sink asks before sending, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mwf_core.adapters.email.invitation_status import DatabaseInvitationStatus
from mwf_core.adapters.system import SystemClock
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, stage0_to_invited
from tests.api.rest_helpers import expire_invitation


@pytest.fixture
async def stack(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    opened = await open_stack(db_url, tmp_path)
    try:
        yield opened
    finally:
        await close_stack(opened)


async def test_pending_until_expired(stack: Stack) -> None:
    status = DatabaseInvitationStatus(SystemClock())
    ids = await stage0_to_invited(stack)
    assert await status.is_pending(ids["invitation_id"]) is True
    # Past its expiry it is no longer pending, though the stored status still says PENDING.
    await expire_invitation(ids["invitation_id"])
    assert await status.is_pending(ids["invitation_id"]) is False


@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_answered_invitations_are_not_pending(stack: Stack, answer: str) -> None:
    status = DatabaseInvitationStatus(SystemClock())
    ids = await stage0_to_invited(stack)
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/{answer}", "bob")
    assert await status.is_pending(ids["invitation_id"]) is False


async def test_unknown_invitation_is_not_pending(stack: Stack) -> None:
    assert await DatabaseInvitationStatus(SystemClock()).is_pending("no-such-id") is False
