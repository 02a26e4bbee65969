"""Piccolo repositories around the stages: exercise completions, and the consented-content
half of the consent repository (mixed into PiccoloConsentRepository)."""

from __future__ import annotations

from datetime import datetime

from mwf_core.domain.consent import ConsentedContent, ExerciseCompletion

from .journey_tables import ConsentedContentTable, ExerciseCompletionTable
from .mapping import TableRepository, run, to_utc
from .tables import SharedVesselTable


class PiccoloExerciseRepository(TableRepository):
    table = ExerciseCompletionTable
    record = ExerciseCompletion

    async def add(self, completion: ExerciseCompletion) -> None:
        await self._insert(completion)

    async def for_vessel(self, vessel_id: str, limit: int) -> list[ExerciseCompletion]:
        return await self._select(
            ExerciseCompletionTable.vessel_id == vessel_id,
            order_by=(ExerciseCompletionTable.completed_at, ExerciseCompletionTable.id),
            ascending=False,
            limit=max(limit, 0),
        )


class _Content(TableRepository):
    table = ConsentedContentTable
    record = ConsentedContent


class PiccoloConsentedContent:
    """The ConsentedContentRepository methods (journey_repositories port)."""

    async def shared_vessel_of(self, session_id: str) -> str | None:
        rows = await run(SharedVesselTable.select(SharedVesselTable.id)
                         .where(SharedVesselTable.session_id == session_id).limit(1))
        return str(rows[0]["id"]) if rows else None

    async def add_content(self, content: ConsentedContent) -> None:
        await _Content()._insert(content)

    async def content_for_record(self, consent_record_id: str) -> ConsentedContent | None:
        found: ConsentedContent | None = await _Content()._first(
            ConsentedContentTable.consent_record_id == consent_record_id)
        return found

    async def deactivate_content(self, consent_record_id: str, at: datetime) -> bool:
        updated = await run(
            ConsentedContentTable.update({
                ConsentedContentTable.consent_active: False,
                ConsentedContentTable.revoked_at: to_utc(at),
            }).where(
                (ConsentedContentTable.consent_record_id == consent_record_id)
                & (ConsentedContentTable.consent_active == True)  # noqa: E712
            ).returning(ConsentedContentTable.id)
        )
        return bool(updated)
