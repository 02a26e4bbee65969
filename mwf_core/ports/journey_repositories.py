"""Around the stages: exercise completions."""

from __future__ import annotations

from typing import Protocol


class ExerciseRepository(Protocol):
    """Placeholder: methods are added as the capability is built."""
