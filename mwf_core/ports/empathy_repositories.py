"""Stage 2 repositories: empathy attempts and the subjects' validations of them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyValidation, ValidationFeedbackDraft


class EmpathyAttemptRepository(Protocol):
    async def add(self, attempt: EmpathyAttempt) -> None:
        """Raises DuplicateKey when this (session, source user) already shared an attempt."""

    async def for_session(self, session_id: str) -> list[EmpathyAttempt]:
        """Oldest first (shared_at, then id)."""

    async def by_author(self, session_id: str, user_id: str) -> EmpathyAttempt | None: ...

    async def update(self, attempt: EmpathyAttempt, expected_version: int) -> bool:
        """Compare-and-set on `status_version`: False (nothing written) when another writer
        changed the attempt since it was read."""

    async def awaiting_analysis(
        self, updated_before: datetime | None = None
    ) -> list[EmpathyAttempt]:
        """Attempts of every session that wait for the reconciler (HELD or ANALYZING), when
        given only those last changed before `updated_before`; oldest change first. Used to
        recover analyses a restart or a failure left unfinished."""


class EmpathyValidationRepository(Protocol):
    async def upsert(self, validation: EmpathyValidation) -> None:
        """One row per (attempt, user): a second answer replaces the first (keeping its id)."""

    async def for_attempt(self, attempt_id: str, user_id: str) -> EmpathyValidation | None: ...

    async def for_session(self, session_id: str) -> list[EmpathyValidation]:
        """Oldest first (validated_at, then id)."""

    async def feedback_draft(
        self, session_id: str, user_id: str
    ) -> ValidationFeedbackDraft | None: ...

    async def save_feedback_draft(self, draft: ValidationFeedbackDraft) -> None:
        """Insert or replace the one draft of (session, user), keeping the stored id (written
        back into `draft`); a concurrent first insert raises ConcurrencyConflict."""
