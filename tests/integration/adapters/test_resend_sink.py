"""The email sinks with the real `resend` SDK against tests/fakes/resend.py."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import resend

from mwf_core.adapters.email.factory import build_email_sink
from mwf_core.adapters.email.resend_sink import (
    SKIPPED_NOT_PENDING,
    LogEmailSink,
    ResendEmailSink,
    mask_address,
)
from mwf_core.config import Settings
from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext
from tests.fakes.resend import TEST_API_KEY, FakeResend, running_fake_resend

CTX = DeliveryContext(members=(), attempt=1)
URL = "https://app.example.test/invitation/inv_1"
SENT_AT = datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)  # the invitation expires 2026-01-08


class FixedClock:
    def __init__(self, now: datetime = SENT_AT) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def resend_sink(fake: FakeResend, now: datetime = SENT_AT) -> ResendEmailSink:
    built = build_email_sink(
        Settings(
            resend_api_key=TEST_API_KEY,
            resend_api_url=fake.url,
            from_email="Meet Without Fear <hello@example.test>",
        ),
        clock=FixedClock(now),
    )
    assert isinstance(built, ResendEmailSink)
    return built


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeResend]:
    # The SDK keeps its settings in module globals: restore them after each test.
    for name in ("api_key", "api_url", "default_async_http_client"):
        monkeypatch.setattr(resend, name, getattr(resend, name))
    async with running_fake_resend() as server:
        yield server


@pytest.fixture
def sink(fake: FakeResend) -> ResendEmailSink:
    return resend_sink(fake)


def invitation_row(row_id: str = "evt_mail_1", **overrides: object) -> OutboxEvent:
    payload = {
        "sessionId": "sess_1",
        "timestamp": 1767225600000,
        "to": "bob@example.test",
        "inviterName": "Alice <b>Archer</b>",
        "invitationId": "inv_1",
        "invitationUrl": URL,
        "expiresAt": "2026-01-08T00:00:00.000Z",
        **overrides,
    }
    return OutboxEvent(
        id=row_id,
        session_id="sess_1",
        channel=events.email_channel("inv_1"),
        name=events.INVITATION_EMAIL,
        payload=payload,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def test_invitation_email_goes_out_with_the_row_id_as_idempotency_key(
    fake: FakeResend, sink: ResendEmailSink
) -> None:
    result = await sink.deliver(invitation_row(), CTX)

    assert result.ok and result.external_id == "email_1"
    [request] = fake.requests
    assert (request.method, request.path) == ("POST", "/emails")
    assert request.headers["Authorization"] == f"Bearer {TEST_API_KEY}"
    assert request.headers["Idempotency-Key"] == "evt_mail_1"
    body = request.body
    assert body["from"] == "Meet Without Fear <hello@example.test>"
    assert body["to"] == ["bob@example.test"]
    assert body["subject"] == "Alice <b>Archer</b> invited you to Meet Without Fear"
    # The inviter's name is escaped in HTML, never markup.
    assert "Alice &lt;b&gt;Archer&lt;/b&gt;" in body["html"]
    assert "<b>Archer</b>" not in body["html"]
    for part in (body["html"], body["text"]):
        assert URL in part
        assert "expires in 7 days" in part
        assert "January 8, 2026" in part
    assert f'href="{URL}"' in body["html"]


@pytest.mark.parametrize(
    ("sent_at", "expires_at", "expiry_words"),
    [
        (
            datetime(2026, 1, 5, 9, tzinfo=UTC),
            "2026-01-08T00:00:00.000Z",
            "expires in 3 days (January 8, 2026)",
        ),
        (
            datetime(2026, 1, 7, 23, tzinfo=UTC),
            "2026-01-08T00:00:00.000Z",
            "expires tomorrow (January 8, 2026)",
        ),
        (
            datetime(2026, 1, 8, 9, tzinfo=UTC),
            "2026-01-08T18:00:00.000Z",
            "expires today (January 8, 2026)",
        ),
    ],
)
async def test_a_resent_email_counts_the_days_left_to_the_original_expiry(
    fake: FakeResend, sent_at: datetime, expires_at: str, expiry_words: str
) -> None:
    # A resend keeps the invitation's expiry, so its email must not promise seven more days.
    row = invitation_row("evt_resent", expiresAt=expires_at)
    result = await resend_sink(fake, sent_at).deliver(row, CTX)

    assert result.ok
    [request] = fake.requests
    for part in (request.body["html"], request.body["text"]):
        assert expiry_words in part
        assert "7 days" not in part


async def test_a_repeated_row_sends_one_email(fake: FakeResend, sink: ResendEmailSink) -> None:
    first = await sink.deliver(invitation_row(), CTX)
    again = await sink.deliver(invitation_row(), CTX)

    assert first.ok and again.ok and first.external_id == again.external_id
    assert len(fake.requests) == 2 and len(fake.sent) == 1


async def test_validation_error_is_permanent(fake: FakeResend, sink: ResendEmailSink) -> None:
    fake.validation_error()
    result = await sink.deliver(invitation_row(), CTX)
    assert not result.ok and result.permanent
    assert "422" in (result.error or "") and "validation_error" in (result.error or "")


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(
    fake: FakeResend, sink: ResendEmailSink, status: int
) -> None:
    fake.server_error(1, status)
    first = await sink.deliver(invitation_row(), CTX)
    assert not first.ok and not first.permanent

    assert (await sink.deliver(invitation_row(), CTX)).ok
    assert len(fake.sent) == 1


async def test_rate_limit_is_retried_after_the_hint(
    fake: FakeResend, sink: ResendEmailSink
) -> None:
    fake.fail_next(
        1,
        429,
        {"statusCode": 429, "name": "rate_limit_exceeded", "message": "slow"},
        headers={"Retry-After": "7"},
    )
    result = await sink.deliver(invitation_row(), CTX)
    assert not result.ok and not result.permanent
    assert result.retry_after == 7.0


async def test_unreachable_resend_is_retried(fake: FakeResend, sink: ResendEmailSink) -> None:
    await fake.refuse()
    result = await sink.deliver(invitation_row(), CTX)
    assert not result.ok and not result.permanent

    await fake.resume()
    assert (await sink.deliver(invitation_row(), CTX)).ok


async def test_a_row_without_recipient_is_dead(fake: FakeResend, sink: ResendEmailSink) -> None:
    result = await sink.deliver(invitation_row(to=None), CTX)
    assert not result.ok and result.permanent
    assert fake.requests == []


async def test_sink_takes_only_email_rows(sink: ResendEmailSink) -> None:
    assert sink.accepts(invitation_row())
    other = invitation_row()
    other.channel = "session:sess_1"
    assert not sink.accepts(other)


async def test_without_a_key_emails_are_logged_without_address_or_link(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = build_email_sink(Settings())
    assert isinstance(sink, LogEmailSink)

    with caplog.at_level(logging.INFO, logger="mwf_core.adapters.email"):
        result = await sink.deliver(invitation_row(), CTX)

    assert result.ok and result.note == "logged (RESEND_API_KEY unset)"
    # Whoever reads the log must not get the address or the link (holding it lets you accept).
    assert "b***@example.test" in caplog.text and "inv_1" in caplog.text
    assert "bob@example.test" not in caplog.text
    assert URL not in caplog.text and "/invitation/" not in caplog.text


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("bob@example.test", "b***@example.test"),
        ("x@y.z", "x***@y.z"),
        ("not-an-address", "***"),
        (None, "***"),
    ],
)
def test_addresses_are_masked(address: str | None, masked: str) -> None:
    assert mask_address(address) == masked


class Invitations:
    """An InvitationStatusReader with a fixed answer (or a failure)."""

    def __init__(self, pending: bool | Exception) -> None:
        self.pending = pending
        self.asked: list[str] = []

    async def is_pending(self, invitation_id: str) -> bool:
        self.asked.append(invitation_id)
        if isinstance(self.pending, Exception):
            raise self.pending
        return self.pending


async def test_email_of_an_invitation_no_longer_pending_is_skipped(fake: FakeResend) -> None:
    invitations = Invitations(pending=False)
    sink = build_email_sink(
        Settings(resend_api_key=TEST_API_KEY, resend_api_url=fake.url), invitations
    )

    result = await sink.deliver(invitation_row(), CTX)

    assert result.ok and result.note == SKIPPED_NOT_PENDING
    assert invitations.asked == ["inv_1"]
    assert fake.requests == []


async def test_email_of_a_pending_invitation_is_sent(fake: FakeResend) -> None:
    sink = build_email_sink(
        Settings(resend_api_key=TEST_API_KEY, resend_api_url=fake.url), Invitations(pending=True)
    )
    assert (await sink.deliver(invitation_row(), CTX)).ok
    assert len(fake.sent) == 1


async def test_unknown_invitation_status_is_retried(fake: FakeResend) -> None:
    sink = build_email_sink(
        Settings(resend_api_key=TEST_API_KEY, resend_api_url=fake.url),
        Invitations(pending=ConnectionError("database down")),
    )
    result = await sink.deliver(invitation_row(), CTX)
    assert not result.ok and not result.permanent
    assert fake.requests == []


async def test_logged_email_of_a_dead_invitation_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = build_email_sink(Settings(), Invitations(pending=False))
    with caplog.at_level(logging.INFO, logger="mwf_core.adapters.email"):
        result = await sink.deliver(invitation_row(), CTX)
    assert result.ok and result.note == SKIPPED_NOT_PENDING
    assert "RESEND_API_KEY unset" not in caplog.text
