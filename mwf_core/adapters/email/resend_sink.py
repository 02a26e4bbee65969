"""Sends `email:` outbox rows through Resend, the outbox id as the Idempotency-Key.

A retried row (after a timeout, a crash, a lease expiry) reaches Resend with the same key, so
the invitee gets one email. Without RESEND_API_KEY, LogEmailSink logs that it would send (the
address masked, no link: whoever holds the link can accept the invitation).

Before sending, both sinks ask whether the invitation is still PENDING: a row retried after
the invitation was accepted, declined or expired (e.g. the inviter left) is reported delivered
with a "skipped" note rather than mailing a dead link.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import resend
from resend.exceptions import ResendError
from resend.http_client_httpx import HTTPXClient

from mwf_core.adapters.system import SystemClock
from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult
from mwf_core.ports.invitation_status import InvitationStatusReader
from mwf_core.ports.system import Clock

from .templates import RenderedEmail, invitation_email

log = logging.getLogger(__name__)

# Inside the dispatcher's 10 s per-row budget (the SDK's default is 30 s).
REQUEST_TIMEOUT_S = 8
SKIPPED_NOT_PENDING = "skipped: invitation no longer pending"


def render(event: OutboxEvent, now: datetime) -> RenderedEmail | None:
    if event.name == events.INVITATION_EMAIL:
        return invitation_email(event.payload, now)
    return None


def mask_address(address: object) -> str:
    """`bob@example.com` → `b***@example.com`: enough to tell addresses apart in a log."""
    local, at, domain = str(address or "").partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


async def skip_if_not_pending(
    invitations: InvitationStatusReader | None, event: OutboxEvent
) -> DeliveryResult | None:
    """None when the email should go out; otherwise the result to report instead."""
    if invitations is None or event.name != events.INVITATION_EMAIL:
        return None
    try:
        pending = await invitations.is_pending(str(event.payload.get("invitationId") or ""))
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001 - a sink reports, it never raises
        return DeliveryResult(
            ok=False, error=f"invitation status unavailable: {type(error).__name__}: {error}"
        )
    if pending:
        return None
    log.info(
        "email %s not sent: invitation %s is no longer pending",
        event.id,
        event.payload.get("invitationId"),
    )
    return DeliveryResult(ok=True, note=SKIPPED_NOT_PENDING)


def _retry_after(headers: Any) -> float | None:
    try:
        value = (headers or {}).get("retry-after") or (headers or {}).get("Retry-After")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def classify(error: BaseException) -> DeliveryResult:
    """422/400 (the message itself is refused) and other 4xx are permanent; 429, 5xx, a
    refused key (401/403: fixable by configuration) and transport failures are retried."""
    if isinstance(error, ResendError):
        code = str(getattr(error, "code", "") or "")
        kind = getattr(error, "error_type", "")
        text = f"resend {code} {kind}: {getattr(error, 'message', error)}"
        status = int(code) if code.isdigit() else 0
        if status == 429:
            return DeliveryResult(
                ok=False, error=text, retry_after=_retry_after(getattr(error, "headers", None))
            )
        if 400 <= status < 500 and status not in (401, 403, 408):
            return DeliveryResult(ok=False, error=text, permanent=True)
        return DeliveryResult(ok=False, error=text)
    return DeliveryResult(ok=False, error=f"resend unreachable: {type(error).__name__}: {error}")


class ResendEmailSink:
    """EventSink for `email:` rows; never raises."""

    name = "email"

    def __init__(
        self,
        api_key: str,
        api_url: str,
        from_email: str,
        invitations: InvitationStatusReader | None = None,
        clock: Clock | None = None,
    ) -> None:
        # The SDK keeps its key, base URL and HTTP client in module globals (and reads
        # RESEND_API_URL at import): set them explicitly, once, here.
        resend.api_key = api_key
        resend.api_url = api_url.rstrip("/")
        resend.default_async_http_client = HTTPXClient(timeout=REQUEST_TIMEOUT_S)
        self._from = from_email
        self._invitations = invitations
        self._clock = clock or SystemClock()

    def accepts(self, event: OutboxEvent) -> bool:
        return event.channel.startswith("email:")

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        email = render(event, self._clock.now())
        to = event.payload.get("to")
        if email is None or not to:
            why = "no recipient" if not to else "no template"
            return DeliveryResult(
                ok=False, permanent=True, error=f"cannot send {event.name!r}: {why}"
            )
        skipped = await skip_if_not_pending(self._invitations, event)
        if skipped is not None:
            return skipped
        params: dict[str, Any] = {
            "from": self._from,
            "to": [to],
            "subject": email.subject,
            "html": email.html,
            "text": email.text,
        }
        try:
            sent = await resend.Emails.send_async(
                params,
                {"idempotency_key": event.id},  # type: ignore[arg-type]
            )
        except Exception as error:  # noqa: BLE001 - a sink reports, it never raises
            result = classify(error)
            log.warning("email %s not sent: %s", event.id, result.error)
            return result
        return DeliveryResult(ok=True, external_id=str(sent.get("id") or "") or None)

    async def close(self) -> None:
        return None


class LogEmailSink:
    """Without RESEND_API_KEY: log the masked recipient and the invitation id, and count it
    delivered."""

    name = "email"

    def __init__(self, invitations: InvitationStatusReader | None = None) -> None:
        self._invitations = invitations

    def accepts(self, event: OutboxEvent) -> bool:
        return event.channel.startswith("email:")

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        skipped = await skip_if_not_pending(self._invitations, event)
        if skipped is not None:
            return skipped
        log.info(
            "email (not sent, RESEND_API_KEY unset): %s to=%s invitation=%s",
            event.name,
            mask_address(event.payload.get("to")),
            event.payload.get("invitationId"),
        )
        return DeliveryResult(ok=True, note="logged (RESEND_API_KEY unset)")

    async def close(self) -> None:
        return None
