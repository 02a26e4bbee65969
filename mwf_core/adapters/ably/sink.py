"""Publishes `session:`/`user:` outbox rows to Ably with the outbox id as the message id.

A row that is about a session and not transient also tells whoever's session list it changes
that the session changed (`session.updated` on their own user channel), as the original did:
every member for a shared (session-channel) row, the owner for a row on a user's own channel
(share suggestions, shared context, per-recipient stage copies...), never the one in
`excludeUserId`. Ably drops a message whose id it has accepted within its idempotency window
(2 minutes), so a row retried within it, or a row whose fan-out failed half-way, publishes
everything again with the same ids and nobody sees a duplicate; a retry after a longer backoff
may deliver a copy, which clients drop by message id.

A row's messages go out concurrently, one request per channel, so a slow Ably costs the row one
round trip of the dispatcher's per-row budget, not one per member. (The SDK pinned here has no
batch publish across channels; Ably's batch endpoint would also answer per-channel partial
failures that our one-result-per-row contract cannot express.)

Messages carry no clientId (the key publishes as nobody): clients trust only such messages on
the session channel, where they may publish themselves (typing).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from ably import AblyRest
from ably.types.message import Message
from ably.util.exceptions import AblyException

from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult

from .names import ably_channel

log = logging.getLogger(__name__)

# Statuses worth trying again: the vendor is down, throttling, or refusing us for now. A 401
# (e.g. 40101 invalid key, 40103 key auth over plain HTTP) is not among them: with key auth
# only a configuration change fixes it, and retrying would hold the session's stream for a day.
_RETRY_STATUSES = frozenset({403, 408, 429})

_USER_PREFIX = events.USER_CHANNEL.split("{", 1)[0]


def fan_out_id(row_id: str, user_id: str) -> str:
    """The stable id of the `session.updated` a row causes on one member's channel."""
    return f"{row_id}:su:{user_id}"


def session_list_audience(event: OutboxEvent, members: tuple[str, ...]) -> tuple[str, ...]:
    """Whose session list a row changes: every member for a shared row, the owner of the user
    channel for a private one; nobody for a transient row, one without a session, or a
    `session.updated` itself."""
    if (
        not event.session_id
        or event.name in events.TRANSIENT
        or event.name == events.SESSION_UPDATED
    ):
        return ()
    if event.channel.startswith(_USER_PREFIX):
        audience: tuple[str, ...] = (event.channel.removeprefix(_USER_PREFIX),)
    else:
        audience = members
    excluded = event.payload.get("excludeUserId")
    return tuple(user_id for user_id in audience if user_id and user_id != excluded)


def classify(error: BaseException) -> DeliveryResult:
    """Ably errors: 5xx, 429, 403, timeouts and connection failures are retried; other 4xx (a
    refused key, a malformed message, a bad channel name) will never succeed."""
    if isinstance(error, AblyException):
        status = error.status_code if isinstance(error.status_code, int) else 0
        text = f"ably {status} {error.code}: {error.message}"
        if 400 <= status < 500 and status not in _RETRY_STATUSES:
            return DeliveryResult(ok=False, error=text, permanent=True)
        return DeliveryResult(ok=False, error=text)
    if isinstance(error, (httpx.HTTPError, OSError, TimeoutError)):
        return DeliveryResult(ok=False, error=f"ably unreachable: {type(error).__name__}: {error}")
    return DeliveryResult(ok=False, error=f"ably publish failed: {type(error).__name__}: {error}")


def worst_of(failures: list[DeliveryResult]) -> DeliveryResult:
    """One result for a row some of whose publishes failed: retried if any failure may pass on
    a retry (the ones that got through are dropped by Ably as repeats), dead only if none can."""
    retryable = [f for f in failures if not f.permanent]
    return (retryable or failures)[0]


class AblySink:
    """EventSink for realtime rows; never raises."""

    name = "ably"

    def __init__(self, client: AblyRest) -> None:
        self._client = client

    def accepts(self, event: OutboxEvent) -> bool:
        return events.is_realtime_channel(event.channel)

    def _messages(self, event: OutboxEvent, ctx: DeliveryContext) -> list[tuple[str, Message]]:
        out = [(ably_channel(event.channel), Message(event.name, data=event.payload, id=event.id))]
        # Ids and a timestamp only: the user channel learns that the session changed, not how.
        notice: dict[str, Any] = {
            "sessionId": event.session_id,
            "timestamp": event.payload.get("timestamp"),
        }
        for user_id in session_list_audience(event, ctx.members):
            out.append(
                (
                    ably_channel(events.user_channel(user_id)),
                    Message(
                        events.SESSION_UPDATED,
                        data=dict(notice),
                        id=fan_out_id(event.id, user_id),
                    ),
                )
            )
        return out

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        messages = self._messages(event, ctx)
        outcomes = await asyncio.gather(
            *(self._publish(channel, message) for channel, message in messages),
            return_exceptions=True,
        )
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        if any(isinstance(error, asyncio.CancelledError) for error in errors):
            raise asyncio.CancelledError
        if not errors:
            return DeliveryResult(ok=True, external_id=event.id)
        result = worst_of([classify(error) for error in errors])
        log.warning(
            "ably: %s %s not delivered (%d of %d publishes failed): %s",
            event.name,
            event.id,
            len(errors),
            len(messages),
            result.error,
        )
        return result

    async def _publish(self, channel: str, message: Message) -> None:
        await self._client.channels.get(channel).publish_message(message)

    async def close(self) -> None:
        await self._client.close()
