"""The real clock and id generator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidIds:
    """Random, unguessable ids (32 hex characters): ids appear in invitation links."""

    def new_id(self) -> str:
        return uuid.uuid4().hex
