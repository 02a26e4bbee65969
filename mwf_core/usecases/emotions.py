"""Emotional intensity readings: private to their author, always."""

from __future__ import annotations

from dataclasses import dataclass

from mwf_core.domain.errors import DuplicateKey, ValidationFailed, field_error
from mwf_core.domain.records import EmotionalReading, IdempotencyRecord, User
from mwf_core.ports.repositories import UnitOfWork

from .pagination import check_page_size, decode_offset, page
from .runtime import Dependencies, check_request_id, fingerprint, in_transaction
from .session_view import load_context

CONTEXT_MAX = 500
EXERCISE_THRESHOLD = 8
LIST_MAX = 50


@dataclass(frozen=True, slots=True)
class RecordedReading:
    reading: EmotionalReading
    suggest_exercise: bool


class EmotionUseCases:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def record(
        self, actor: User, session_id: str, intensity: int, context: str = "",
        request_id: str = "",
    ) -> RecordedReading:
        """Stores a reading at the caller's current stage and their latest mood.

        - Intensity is an integer 1-10; context at most 500 characters.
        - 8 or more suggests a calming exercise.
        - A repeated `request_id` returns the first reading.
        """
        if isinstance(intensity, bool) or not 1 <= intensity <= 10:
            raise field_error("intensity", "intensity must be an integer from 1 to 10")
        if len(context) > CONTEXT_MAX:
            raise field_error("context", f"context must be at most {CONTEXT_MAX} characters")
        check_request_id(request_id)
        body_hash = fingerprint({"session_id": session_id, "intensity": intensity,
                                 "context": context})

        async def work(uow: UnitOfWork) -> RecordedReading:
            if request_id:
                previous = await uow.idempotency.get(actor.id, request_id)
                if previous is not None:
                    if previous.operation != "RecordEmotion" or previous.fingerprint != body_hash:
                        raise field_error("request_id", "This request id was already used "
                                          "for a different request")
                    return await self._replayed(uow, actor, session_id, previous.resource_id)
            ctx = await load_context(uow, session_id, actor)
            if ctx.my_vessel is None:
                raise ValidationFailed("You have not joined this session")
            now = self._deps.clock.now()
            current = ctx.current(actor.id)
            reading = EmotionalReading(
                id=self._deps.ids.new_id(),
                vessel_id=ctx.my_vessel.id,
                intensity=intensity,
                stage=current.stage if current else 0,
                timestamp=now,
                context=context.strip() or None,
            )
            await uow.emotions.add(reading)
            await uow.users.patch(actor.id, now, last_mood_intensity=intensity)
            if request_id:
                await uow.idempotency.add(
                    IdempotencyRecord(actor.id, request_id, "RecordEmotion", body_hash,
                                      reading.id, now)
                )
            return RecordedReading(reading, intensity >= EXERCISE_THRESHOLD)

        try:
            return await in_transaction(self._deps.uow, work)
        except DuplicateKey:
            if not request_id:
                raise
            return await in_transaction(self._deps.uow, work)

    async def _replayed(
        self, uow: UnitOfWork, actor: User, session_id: str, reading_id: str
    ) -> RecordedReading:
        ctx = await load_context(uow, session_id, actor)
        reading = await uow.emotions.get(reading_id)
        if reading is None or ctx.my_vessel is None or reading.vessel_id != ctx.my_vessel.id:
            raise field_error("request_id", "This request id was already used")
        return RecordedReading(reading, reading.intensity >= EXERCISE_THRESHOLD)

    async def list(
        self, actor: User, session_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[EmotionalReading], str]:
        """The caller's own readings in the session, newest first, 50 a page at most, and
        the token of the next (older) page."""
        size = check_page_size(page_size, LIST_MAX)
        offset = decode_offset(page_token)

        async def work(uow: UnitOfWork) -> tuple[list[EmotionalReading], str]:
            ctx = await load_context(uow, session_id, actor)
            if ctx.my_vessel is None:
                return [], ""
            readings = await uow.emotions.for_vessel(ctx.my_vessel.id, offset + size + 1)
            return page(readings, offset, size)

        return await in_transaction(self._deps.uow, work)
