"""The telemetry port: where brain-activity rows go.

Telemetry must never slow down nor break the call it describes, so `record` is synchronous,
returns at once and never raises; writing happens elsewhere (see the database sink's queue).
"""

from __future__ import annotations

from typing import Protocol

from mwf_core.domain.telemetry import BrainActivity


class TelemetrySink(Protocol):
    def record(self, activity: BrainActivity) -> None:
        """Hand one row over. Never blocks and never raises (a full buffer drops, not waits)."""

    async def flush(self) -> None:
        """Return once every row recorded so far has been written (or given up on)."""
