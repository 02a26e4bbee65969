"""Stage 4: selections, need coverage, declinations, revisions and the closure."""

from __future__ import annotations

from typing import Protocol


class Stage4Repository(Protocol):
    """Placeholder: methods are added as the capability is built."""
