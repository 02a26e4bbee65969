"""In-memory empathy attempts and validations (stage 2). Rows live in `self._s.tables[name]`."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from mwf_core.domain.empathy import (
    EmpathyAttempt,
    EmpathyStatus,
    EmpathyValidation,
    ValidationFeedbackDraft,
)
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey, NotFound

from .store import _copy, _Table


class InMemoryEmpathyAttemptRepository(_Table):
    @property
    def _t(self) -> dict[str, EmpathyAttempt]:
        return self._rows("empathy_attempts")

    async def add(self, attempt: EmpathyAttempt) -> None:
        if attempt.session_id not in self._s.sessions:
            raise NotFound(f"session {attempt.session_id} not found")
        self._unique(self._t.values(), attempt, "session_id", "source_user_id")
        self._insert(self._t, attempt.id, attempt)

    async def for_session(self, session_id: str) -> list[EmpathyAttempt]:
        rows = [a for a in self._t.values() if a.session_id == session_id]
        return _copy(sorted(rows, key=lambda a: (a.shared_at, a.id)))

    async def by_author(self, session_id: str, user_id: str) -> EmpathyAttempt | None:
        return _copy(next((a for a in self._t.values()
                           if a.session_id == session_id and a.source_user_id == user_id), None))

    async def update(self, attempt: EmpathyAttempt, expected_version: int) -> bool:
        stored = self._t.get(attempt.id)
        if stored is None or stored.status_version != expected_version:
            return False
        self._replace(self._t, attempt.id, attempt)
        return True

    async def awaiting_analysis(
        self, updated_before: datetime | None = None
    ) -> list[EmpathyAttempt]:
        waiting = (EmpathyStatus.HELD, EmpathyStatus.ANALYZING)
        rows = [a for a in self._t.values() if a.status in waiting
                and (updated_before is None or a.updated_at < updated_before)]
        return _copy(sorted(rows, key=lambda a: (a.updated_at, a.id)))


class InMemoryEmpathyValidationRepository(_Table):
    @property
    def _t(self) -> dict[str, EmpathyValidation]:
        return self._rows("empathy_validations")

    async def upsert(self, validation: EmpathyValidation) -> None:
        existing = next((v for v in self._t.values() if v.attempt_id == validation.attempt_id
                         and v.user_id == validation.user_id), None)
        if existing is not None:
            validation.id = existing.id
            self._replace(self._t, existing.id, dataclasses.replace(validation))
            return
        if validation.attempt_id not in self._rows("empathy_attempts"):
            raise NotFound(f"attempt {validation.attempt_id} not found")
        try:
            self._insert(self._t, validation.id, validation)
        except DuplicateKey as error:
            raise ConcurrencyConflict("empathy validation written concurrently") from error

    async def for_attempt(self, attempt_id: str, user_id: str) -> EmpathyValidation | None:
        return _copy(next((v for v in self._t.values()
                           if v.attempt_id == attempt_id and v.user_id == user_id), None))

    async def for_session(self, session_id: str) -> list[EmpathyValidation]:
        rows = [v for v in self._t.values() if v.session_id == session_id]
        return _copy(sorted(rows, key=lambda v: (v.validated_at, v.id)))

    async def feedback_draft(
        self, session_id: str, user_id: str
    ) -> ValidationFeedbackDraft | None:
        rows = self._rows("validation_feedback_drafts")
        return _copy(next((d for d in rows.values()
                           if d.session_id == session_id and d.user_id == user_id), None))

    async def save_feedback_draft(self, draft: ValidationFeedbackDraft) -> None:
        rows = self._rows("validation_feedback_drafts")
        existing = next((d for d in rows.values() if d.session_id == draft.session_id
                         and d.user_id == draft.user_id), None)
        if existing is not None:
            draft.id, draft.created_at = existing.id, existing.created_at
            self._replace(rows, existing.id, draft)
            return
        if draft.session_id not in self._s.sessions:
            raise NotFound(f"session {draft.session_id} not found")
        self._insert(rows, draft.id, draft)
