"""Stage 2 reconciler: analysis results, share offers and refinement counters."""

from __future__ import annotations

from typing import Protocol


class ReconcilerRepository(Protocol):
    """Placeholder: methods are added as the capability is built."""
