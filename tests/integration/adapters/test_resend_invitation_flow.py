"""CreateSession with inviteEmail over the real stack and its dispatcher, on SQLite and
PostgreSQL: the session is created (201) while Resend is down; once Resend is back the
dispatcher itself sends the row, once, with its id as the Idempotency-Key. A row whose
invitation died in the meantime (the inviter left) is not sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import resend

from mwf_core.adapters.email.resend_sink import SKIPPED_NOT_PENDING
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack
from tests.api.journey import outbox
from tests.fakes.resend import TEST_API_KEY, FakeResend, running_fake_resend

DEADLINE_S = 15.0


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeResend]:
    for name in ("api_key", "api_url", "default_async_http_client"):
        monkeypatch.setattr(resend, name, getattr(resend, name))
    async with running_fake_resend() as server:
        yield server


@pytest.fixture
async def mail_stack(db_url: str, tmp_path: Path, fake: FakeResend) -> AsyncIterator[Stack]:
    # Short backoff so a refused attempt is retried within the test's deadline.
    opened = await open_stack(
        db_url,
        tmp_path,
        resend_api_key=TEST_API_KEY,
        resend_api_url=fake.url,
        from_email="hello@example.test",
        mwf_outbox_backoff_base_ms=20,
        mwf_outbox_backoff_max_ms=100,
    )
    try:
        yield opened
    finally:
        await close_stack(opened)


async def email_row(session_id: str) -> OutboxEvent:
    [row] = [e for e in await outbox(session_id) if e.name == events.INVITATION_EMAIL]
    return row


async def wait_for_row(session_id: str, done: Callable[[OutboxEvent], bool]) -> OutboxEvent:
    """Polls the row until `done` holds or the deadline passes."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        row = await email_row(session_id)
        if done(row):
            return row
        assert time.monotonic() < deadline, f"row never got there: {row}"
        await asyncio.sleep(0.05)


async def test_email_row_is_sent_once_by_the_dispatcher_after_resend_recovers(
    mail_stack: Stack, fake: FakeResend
) -> None:
    await fake.refuse()

    data = await mail_stack.ok(
        "POST",
        "/api/sessions",
        "alice",
        {"inviteName": "Bob", "inviteEmail": "bob@example.test"},
        status=201,
    )

    invitation_id = data["invitationId"]
    session_id = data["session"]["id"]
    row = await email_row(session_id)
    assert row.channel == f"email:{invitation_id}"
    assert row.payload["to"] == "bob@example.test"
    assert row.payload["invitationUrl"] == f"https://app.example.test/invitation/{invitation_id}"
    assert row.payload["inviterName"] == "Alice"
    # The dispatcher tries while Resend is down, and fails without giving up.
    failed = await wait_for_row(session_id, lambda r: r.attempts >= 1)
    assert failed.status is OutboxStatus.PENDING and failed.last_error

    await fake.resume()

    delivered = await wait_for_row(session_id, lambda r: r.status is OutboxStatus.DELIVERED)
    assert delivered.attempts >= 2
    assert delivered.external_id == "email_1"
    # Nothing reached Resend while it was down; once back, one request and one email.
    assert len(fake.requests) == 1
    assert fake.requests[0].headers["Idempotency-Key"] == row.id
    [sent] = fake.sent
    assert sent["to"] == ["bob@example.test"]
    assert sent["from"] == "hello@example.test"
    assert f"/invitation/{invitation_id}" in sent["text"]


async def test_a_retried_email_of_a_dead_invitation_is_skipped(
    mail_stack: Stack, fake: FakeResend
) -> None:
    await fake.refuse()
    data = await mail_stack.ok(
        "POST",
        "/api/sessions",
        "alice",
        {"inviteName": "Bob", "inviteEmail": "bob@example.test"},
        status=201,
    )
    session_id = data["session"]["id"]
    await wait_for_row(session_id, lambda r: r.attempts >= 1)

    # The inviter leaves: the invitation stops working (EXPIRED) before Resend is back.
    await mail_stack.ok("DELETE", f"/api/sessions/{session_id}", "alice")
    public = await mail_stack.ok("GET", f"/api/invitations/{data['invitationId']}")
    assert public["invitation"]["status"] == "EXPIRED"
    await fake.resume()

    row = await wait_for_row(session_id, lambda r: r.status is OutboxStatus.DELIVERED)
    assert row.last_error == SKIPPED_NOT_PENDING
    assert fake.requests == [] and fake.sent == []


async def test_no_invite_email_writes_no_email_row(mail_stack: Stack) -> None:
    data = await mail_stack.ok("POST", "/api/sessions", "alice", {"inviteName": "Bob"}, status=201)
    assert not [e for e in await outbox(data["session"]["id"]) if e.channel.startswith("email:")]
