"""Expo push through the real `exponent-server-sdk` (on its own threads: transport.py).

A row has DELIVERY_BUDGET_S from the moment the sink gets it, the database reads and the send
included, so the sink answers before the dispatcher's 10 s cut - or less: never beyond the
deadline the dispatcher gives the row (`DeliveryContext.deadline`, earlier near the end of its
lease), so no request is started that the dispatcher would give up on while it is on the wire
(and send again on the retry). Outcomes, per the row's push:
- ticket ok → delivered, the ticket id kept in `push_receipts` for the receipt check;
- DeviceNotRegistered → the token is cleared (only if it is still the one we sent to), ok;
- MessageRateExceeded, 429, 5xx, timeouts, connection errors → retried by the dispatcher;
- InvalidCredentials → dead letter, logged loudly. The token is NOT cleared: the credential at
  fault is our FCM/APNs one, not the person's device (the original cleared it, losing tokens).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from exponent_server_sdk import PushMessage, PushServerError, PushTicket

from mwf_core.domain import push_rules, push_text
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult, PresenceChecker

from .directory import PushDirectory
from .transport import ExpoTransport

log = logging.getLogger("mwf.push")

PUSH_PREFIX = "push:"
DEVICE_NOT_REGISTERED = "DeviceNotRegistered"
INVALID_CREDENTIALS = "InvalidCredentials"
MESSAGE_RATE_EXCEEDED = "MessageRateExceeded"
RECEIPT_DELAY = timedelta(minutes=15)
# Below the dispatcher's usual 10 s cut (DispatcherConfig.deliver_timeout), so the sink answers,
# and keeps the ticket, before it is cancelled; a row's own deadline may leave less.
DELIVERY_BUDGET_S = 8.0
# HTTP answers that a retry cannot fix.
_PERMANENT_STATUSES = frozenset({400, 404, 405, 413, 422})


EXPO_TOKEN_PREFIXES = ("ExponentPushToken[", "ExpoPushToken[")


def is_expo_token(token: str) -> bool:
    """Both spellings Expo hands out (the SDK's own check knows only the older one)."""
    return token.startswith(EXPO_TOKEN_PREFIXES) and token.endswith("]")


class ExpoMessage(PushMessage):
    """A PushMessage that also accepts `ExpoPushToken[...]` tokens."""

    def get_payload(self) -> dict[str, Any]:
        if not is_expo_token(self.to):
            raise ValueError("Invalid push token")
        # The SDK validates only the prefix it knows; build its payload under that spelling.
        payload = PushMessage.get_payload(self._replace(to="ExponentPushToken[x]"))
        payload["to"] = self.to
        return dict(payload)


def recipient_of(event: OutboxEvent) -> str:
    return event.channel[len(PUSH_PREFIX) :]


def actor_for(event: OutboxEvent, recipient: str, members: Sequence[str]) -> str | None:
    """The same actor the planner saw: the payload's, else the recipient's partner."""
    actor = push_rules.actor_of(event.payload)
    if actor is None:
        others = [m for m in members if m != recipient]
        actor = others[0] if len(others) == 1 else None
    return actor


def _status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def failure_result(exc: BaseException) -> DeliveryResult:
    """An exception from the SDK call as a DeliveryResult (retry unless hopeless)."""
    if isinstance(exc, ValueError) and not isinstance(exc, requests.RequestException):
        return DeliveryResult(False, error=f"expo: {exc}", permanent=True)
    status = _status_of(exc)
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if isinstance(exc, PushServerError) and exc.errors:
        text = f"{text}: {exc.errors}"
    error = f"expo {status or type(exc).__name__}: {text}"[:500]
    if status in _PERMANENT_STATUSES:
        return DeliveryResult(False, error=error, permanent=True)
    return DeliveryResult(False, error=error, retry_after=_retry_after(exc))


class ExpoPushSink:
    """`EventSink` for `push:{user_id}` rows."""

    name = "expo"

    def __init__(
        self,
        transport: ExpoTransport,
        directory: PushDirectory,
        presence: PresenceChecker | None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        budget: float = DELIVERY_BUDGET_S,
    ) -> None:
        self._transport = transport
        self._directory = directory
        self._presence = presence
        self._now = now
        self._budget = budget

    def accepts(self, event: OutboxEvent) -> bool:
        return event.channel.startswith(PUSH_PREFIX)

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        try:
            return await self._deliver(event, ctx)
        except Exception as exc:  # the contract: never raise
            log.warning("push %s: %s", event.id, exc)
            return failure_result(exc)

    async def _deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        deadline = min(time.monotonic() + self._budget, ctx.deadline)
        recipient = recipient_of(event)
        actor = actor_for(event, recipient, ctx.members)
        person = await self._directory.recipient(recipient, event.session_id, actor)
        if person is None:
            return DeliveryResult(True, note="skipped: recipient gone")
        blocked = push_rules.preference_blocks(event.name, person.preferences)
        if blocked is not None:
            return DeliveryResult(True, note=f"skipped: {blocked} off")
        token = person.push_token
        if not token:
            return DeliveryResult(True, note="skipped: no push token")
        if not is_expo_token(token):
            return DeliveryResult(True, note="skipped: not an Expo push token")
        if event.session_id and await self._present(event.session_id, recipient):
            return DeliveryResult(True, note="partner present")
        text = push_text.render(event.name, event.payload, person.actor_name, person.context)
        message = ExpoMessage(
            to=token,
            title=text.title,
            body=text.body,
            sound="default",
            data=push_text.push_data(event.name, event.id, event.session_id, event.payload),
        )
        try:
            ticket = await self._transport.publish(message, deadline)
        except Exception as exc:
            log.warning("push %s to %s failed: %s", event.id, recipient, exc)
            return failure_result(exc)
        return await self._ticket_result(event, recipient, token, ticket)

    async def _present(self, session_id: str, user_id: str) -> bool:
        if self._presence is None:
            return False
        try:
            return await self._presence.is_present(session_id, user_id)
        except Exception:
            return False  # unknown presence: better a push than silence

    async def _ticket_result(
        self, event: OutboxEvent, recipient: str, token: str, ticket: PushTicket
    ) -> DeliveryResult:
        if ticket.is_success():
            now = self._now()
            try:
                await self._directory.add_receipt(
                    ticket.id, event.id, recipient, token, now + RECEIPT_DELAY, now
                )
            except Exception:
                # The push went out; resending it would only duplicate it.
                log.exception(
                    "push %s: keeping ticket %s for its receipt failed", event.id, ticket.id
                )
            return DeliveryResult(True, external_id=ticket.id or None)
        error = (ticket.details or {}).get("error")
        detail = f"expo ticket {error or 'error'}: {ticket.message}"[:500]
        if error == DEVICE_NOT_REGISTERED:
            cleared = await self._directory.clear_token(recipient, token)
            return DeliveryResult(
                True,
                note="token cleared: DeviceNotRegistered"
                if cleared
                else "DeviceNotRegistered (token already changed)",
            )
        if error == MESSAGE_RATE_EXCEEDED:
            return DeliveryResult(False, error=detail)
        if error == INVALID_CREDENTIALS:
            log.error(
                "push: Expo rejected our push credentials (InvalidCredentials) - check "
                "the app's FCM/APNs credentials in Expo; tokens are kept"
            )
        return DeliveryResult(False, error=detail, permanent=True)

    async def close(self) -> None:
        await self._transport.close()


class LogPushSink:
    """Without EXPO_ACCESS_TOKEN or EXPO_PUSH_HOST: pushes are only logged."""

    name = "push-log"

    def accepts(self, event: OutboxEvent) -> bool:
        return event.channel.startswith(PUSH_PREFIX)

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        log.info(
            "push (not sent, Expo not configured): %s to %s (session %s)",
            event.name,
            recipient_of(event),
            event.session_id,
        )
        return DeliveryResult(True, note="logged (EXPO_ACCESS_TOKEN/EXPO_PUSH_HOST unset)")

    async def close(self) -> None:
        return None
