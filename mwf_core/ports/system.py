"""Time, identifiers and event delivery, so the core stays deterministic under test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from mwf_core.domain.records import OutboxEvent


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""


class IdGenerator(Protocol):
    def new_id(self) -> str: ...


class EventPublisher(Protocol):
    """Told about outbox events once their transaction has committed (never before)."""

    async def publish(self, events: Sequence[OutboxEvent]) -> None: ...
