"""CreateSession with inviteEmail over the real stack, on SQLite and PostgreSQL: the session is
created (201) while Resend is down, and the email row it wrote is later sent with its own id
as the Idempotency-Key, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import resend

from mwf_core.adapters.email.factory import build_email_sink
from mwf_core.adapters.email.resend_sink import ResendEmailSink
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.ports.delivery import DeliveryContext
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack
from tests.api.journey import outbox
from tests.fakes.resend import TEST_API_KEY, FakeResend, running_fake_resend


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeResend]:
    for name in ("api_key", "api_url", "default_async_http_client"):
        monkeypatch.setattr(resend, name, getattr(resend, name))
    async with running_fake_resend() as server:
        yield server


@pytest.fixture
async def mail_stack(db_url: str, tmp_path: Path, fake: FakeResend) -> AsyncIterator[Stack]:
    opened = await open_stack(db_url, tmp_path, resend_api_key=TEST_API_KEY,
                              resend_api_url=fake.url, from_email="hello@example.test")
    try:
        yield opened
    finally:
        await close_stack(opened)


async def test_session_is_created_while_resend_is_down(
    mail_stack: Stack, fake: FakeResend
) -> None:
    await fake.refuse()

    data = await mail_stack.ok("POST", "/api/sessions", "alice",
                               {"inviteName": "Bob", "inviteEmail": "bob@example.test"},
                               status=201)

    invitation_id = data["invitationId"]
    session_id = data["session"]["id"]
    rows = [e for e in await outbox(session_id) if e.name == events.INVITATION_EMAIL]
    assert len(rows) == 1
    row = rows[0]
    assert row.channel == f"email:{invitation_id}"
    assert row.payload["to"] == "bob@example.test"
    assert row.payload["invitationUrl"] == f"https://app.example.test/invitation/{invitation_id}"
    assert row.payload["inviterName"] == "Alice"
    assert row.status in (OutboxStatus.PENDING, OutboxStatus.DELIVERED)

    # Resend comes back: the row goes out with its id as the Idempotency-Key, exactly once
    # however often it is retried.
    await fake.resume()
    sink = build_email_sink(mail_stack.container.settings)
    assert isinstance(sink, ResendEmailSink)
    for _ in range(2):
        result = await sink.deliver(row, DeliveryContext(members=(), attempt=1))
        assert result.ok, result.error
    sent = [s for s in fake.sent if s["idempotency_key"] == row.id]
    assert len(sent) == 1
    assert sent[0]["to"] == ["bob@example.test"]
    assert sent[0]["from"] == "hello@example.test"
    assert f"/invitation/{invitation_id}" in sent[0]["text"]


async def test_no_invite_email_writes_no_email_row(mail_stack: Stack) -> None:
    data = await mail_stack.ok("POST", "/api/sessions", "alice", {"inviteName": "Bob"},
                               status=201)
    assert not [e for e in await outbox(data["session"]["id"])
                if e.channel.startswith("email:")]
