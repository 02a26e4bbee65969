"""In-memory repositories around the stages. Rows live in `self._rows(name)`."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from mwf_core.domain.consent import ConsentedContent, ExerciseCompletion

from .store import _copy, _Table


class InMemoryExerciseRepository(_Table):
    async def add(self, completion: ExerciseCompletion) -> None:
        self._insert(self._rows("exercise_completions"), completion.id, completion)

    async def for_vessel(self, vessel_id: str, limit: int) -> list[ExerciseCompletion]:
        rows = [r for r in self._rows("exercise_completions").values()
                if r.vessel_id == vessel_id]
        rows.sort(key=lambda r: (r.completed_at, r.id), reverse=True)
        return _copy(rows[:max(limit, 0)])


class InMemoryConsentedContent(_Table):
    """The ConsentedContentRepository half of the in-memory consent repository."""

    async def shared_vessel_of(self, session_id: str) -> str | None:
        return next((v.id for v in self._s.shared_vessels.values()
                     if v.session_id == session_id), None)

    async def add_content(self, content: ConsentedContent) -> None:
        table = self._rows("consented_content")
        self._unique(table.values(), content, "consent_record_id")
        self._insert(table, content.id, content)

    async def content_for_record(self, consent_record_id: str) -> ConsentedContent | None:
        return _copy(next((c for c in self._rows("consented_content").values()
                           if c.consent_record_id == consent_record_id), None))

    async def deactivate_content(self, consent_record_id: str, at: datetime) -> bool:
        table = self._rows("consented_content")
        row = next((c for c in table.values()
                    if c.consent_record_id == consent_record_id and c.consent_active), None)
        if row is None:
            return False
        table[row.id] = dataclasses.replace(row, consent_active=False, revoked_at=at)
        self._uow.dirty = True
        return True
