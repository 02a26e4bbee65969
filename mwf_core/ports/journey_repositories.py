"""Around the stages: exercise completions, and the shared vessel's consented content (whose
methods the ConsentRepository carries, so one repository owns a consent and what it shared)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from mwf_core.domain.consent import ConsentedContent, ExerciseCompletion


class ExerciseRepository(Protocol):
    async def add(self, completion: ExerciseCompletion) -> None: ...

    async def for_vessel(self, vessel_id: str, limit: int) -> list[ExerciseCompletion]:
        """Newest first."""


class ConsentedContentRepository(Protocol):
    async def shared_vessel_of(self, session_id: str) -> str | None:
        """Id of the session's shared vessel (None for a session without one)."""

    async def add_content(self, content: ConsentedContent) -> None:
        """Raises DuplicateKey when this consent record already shared content."""

    async def content_for_record(self, consent_record_id: str) -> ConsentedContent | None: ...

    async def deactivate_content(self, consent_record_id: str, at: datetime) -> bool:
        """Mark the record's content inactive; False (no write) when it is not active."""
