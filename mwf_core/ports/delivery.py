"""Delivering outbox rows: the sinks, the event log the streams read, and their helpers.

The outbox is written in the request's transaction. A *sequencer* then stamps each row with a
gap-free `seq` per stream (events.stream_key) and announces it (`pg_notify` on PostgreSQL, an
in-process poke everywhere); a *dispatcher* hands sequenced rows to the sink that accepts their
channel (Ably for `session:`/`user:`, mail for `email:`, Expo for `push:`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mwf_core.domain.records import OutboxEvent

# PostgreSQL LISTEN/NOTIFY channel; the payload is f"{stream_key}:{seq}" (never event data).
NOTIFY_CHANNEL = "mwf_events"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What a sink made of one row.

    `permanent` marks the row DEAD at once; otherwise a failure is retried with backoff (after
    `retry_after` seconds when the vendor said so, e.g. a 429). `note` explains an ok that did
    nothing, e.g. "skipped: partner present".
    """

    ok: bool
    external_id: str | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    members: tuple[str, ...]  # the row's session members (empty when it has no session)
    attempt: int  # 1-based
    # When the dispatcher stops waiting for this row (a time.monotonic() value; it may be less
    # than the usual time limit near the end of a lease). A sink whose request cannot be called
    # back once sent (Expo) starts none it could not finish by then.
    deadline: float = math.inf


class EventSink(Protocol):
    name: str

    def accepts(self, event: OutboxEvent) -> bool: ...

    async def deliver(self, event: OutboxEvent, ctx: DeliveryContext) -> DeliveryResult:
        """Never raises: every failure is a DeliveryResult(ok=False, ...)."""
        ...

    async def close(self) -> None: ...


class PushPlanner(Protocol):
    """Pure; called inside the sequencing transaction."""

    def derive(self, event: OutboxEvent, members: Sequence[str]) -> list[OutboxEvent]:
        """The `push:` rows one sequenced row causes (deterministic ids)."""
        ...


class PresenceChecker(Protocol):
    async def is_present(self, session_id: str, user_id: str) -> bool:
        """Errors count as absent."""
        ...


class RealtimeTokenIssuer(Protocol):
    async def token_request(
        self, client_id: str, capability: dict[str, list[str]], ttl_ms: int
    ) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    seq: int
    id: str
    channel: str
    name: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LogPage:
    """One read of the event log. `scanned_to` is the highest seq the read went through,
    rows that could not be decoded included (they are left out of `events`): the next read
    starts after it, so unreadable rows never hold a stream back. `more` says the read hit its
    limit, so more rows may follow at once."""

    events: tuple[LoggedEvent, ...]
    scanned_to: int
    more: bool


class EventLog(Protocol):
    async def read(
        self, session_id: str, channels: Sequence[str], after_seq: int, limit: int
    ) -> LogPage: ...

    async def oldest_seq(self, session_id: str) -> int | None: ...


class Wakeups(Protocol):
    """Local fan-out of "stream X advanced"."""

    def poke(self, stream_key: str) -> None: ...

    def waiter(self, stream_key: str) -> AbstractAsyncContextManager[asyncio.Event]: ...
