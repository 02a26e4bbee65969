"""Times inside JSON values (gates, event payloads) in the form the mobile app parses."""

from __future__ import annotations

from datetime import UTC, datetime


def js_iso(moment: datetime) -> str:
    """`2026-01-02T03:04:05.678Z`, like JavaScript's `Date.toISOString()`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
