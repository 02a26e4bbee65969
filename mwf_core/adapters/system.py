"""The real clock and id generator."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime


class SystemClock:
    """UTC, at millisecond precision: every time the API shows has milliseconds, so a time a
    client sends back as a cursor (`before`, `after`) matches the stored one exactly."""

    def now(self) -> datetime:
        moment = datetime.now(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class UuidIds:
    """32 hex characters: 48 bits of Unix milliseconds, a 16-bit counter within that
    millisecond, then 64 random bits.

    Ids sort in creation order within this process (so rows stored in the same millisecond
    keep their order when sorted by time, then id), and stay unguessable: ids appear in
    invitation links.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def new_id(self) -> str:
        with self._lock:
            now_ms = max(time.time_ns() // 1_000_000, self._last_ms)
            if now_ms == self._last_ms:
                self._counter += 1
                if self._counter > 0xFFFF:  # 65,536 ids in one millisecond: borrow the next
                    now_ms, self._counter = now_ms + 1, 0
            else:
                self._counter = 0
            self._last_ms = now_ms
            counter = self._counter
        return f"{now_ms:012x}{counter:04x}{secrets.randbits(64):016x}"
