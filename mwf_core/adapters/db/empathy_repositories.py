"""Piccolo repositories of stage 2's empathy exchange.

Status changes are compare-and-set on `status_version` (one conditional UPDATE), so two writers
that read the same attempt cannot both move it: the loser matches nothing and its use case
retries the whole transaction.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from mwf_core.domain.empathy import (
    EmpathyAttempt,
    EmpathyStatus,
    EmpathyValidation,
    ValidationFeedbackDraft,
)
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey

from .empathy_tables import (
    EmpathyAttemptTable,
    EmpathyValidationTable,
    ValidationFeedbackDraftTable,
)
from .mapping import TableRepository, run, to_row, to_utc


class PiccoloEmpathyAttemptRepository(TableRepository):
    table = EmpathyAttemptTable
    record = EmpathyAttempt

    async def add(self, attempt: EmpathyAttempt) -> None:
        # The unique (session_id, source_user_id) index turns a second attempt into DuplicateKey.
        await self._insert(attempt)

    async def for_session(self, session_id: str) -> list[EmpathyAttempt]:
        t = EmpathyAttemptTable
        return await self._select(t.session_id == session_id, order_by=(t.shared_at, t.id))

    async def by_author(self, session_id: str, user_id: str) -> EmpathyAttempt | None:
        t = EmpathyAttemptTable
        return await self._first((t.session_id == session_id) & (t.source_user_id == user_id))

    async def update(self, attempt: EmpathyAttempt, expected_version: int) -> bool:
        t = EmpathyAttemptTable
        keep = ("id", "session_id", "source_user_id", "created_at")
        values = {t._meta.get_column_by_name(name): value
                  for name, value in to_row(attempt).items() if name not in keep}
        updated = await run(
            t.update(values)
            .where((t.id == attempt.id) & (t.status_version == expected_version))
            .returning(t.id)
        )
        return bool(updated)

    async def awaiting_analysis(
        self, updated_before: datetime | None = None
    ) -> list[EmpathyAttempt]:
        t = EmpathyAttemptTable
        where = t.status.is_in([EmpathyStatus.HELD.value, EmpathyStatus.ANALYZING.value])
        if updated_before is not None:
            where = where & (t.updated_at < to_utc(updated_before))
        return await self._select(where, order_by=(t.updated_at, t.id))


class PiccoloEmpathyValidationRepository(TableRepository):
    table = EmpathyValidationTable
    record = EmpathyValidation

    async def upsert(self, validation: EmpathyValidation) -> None:
        existing = await self.for_attempt(validation.attempt_id, validation.user_id)
        if existing is not None:
            await self._update(dataclasses.replace(validation, id=existing.id))
            validation.id = existing.id
            return
        try:
            await self._insert(validation)
        except DuplicateKey as error:
            # Another transaction answered the same attempt between our read and insert.
            raise ConcurrencyConflict("empathy validation written concurrently") from error

    async def for_attempt(self, attempt_id: str, user_id: str) -> EmpathyValidation | None:
        t = EmpathyValidationTable
        return await self._first((t.attempt_id == attempt_id) & (t.user_id == user_id))

    async def for_session(self, session_id: str) -> list[EmpathyValidation]:
        t = EmpathyValidationTable
        return await self._select(t.session_id == session_id, order_by=(t.validated_at, t.id))

    async def feedback_draft(
        self, session_id: str, user_id: str
    ) -> ValidationFeedbackDraft | None:
        return await _FeedbackDrafts().get(session_id, user_id)

    async def save_feedback_draft(self, draft: ValidationFeedbackDraft) -> None:
        await _FeedbackDrafts().save(draft)


class _FeedbackDrafts(TableRepository):
    table = ValidationFeedbackDraftTable
    record = ValidationFeedbackDraft

    async def get(self, session_id: str, user_id: str) -> ValidationFeedbackDraft | None:
        t = ValidationFeedbackDraftTable
        return await self._first((t.session_id == session_id) & (t.user_id == user_id))

    async def save(self, draft: ValidationFeedbackDraft) -> None:
        existing = await self.get(draft.session_id, draft.user_id)
        if existing is not None:
            draft.id, draft.created_at = existing.id, existing.created_at
            await self._update(draft)
            return
        try:
            await self._insert(draft)
        except DuplicateKey as error:
            raise ConcurrencyConflict("feedback draft written concurrently") from error
