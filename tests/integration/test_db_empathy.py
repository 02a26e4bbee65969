"""Empathy attempts and validations on a real database (both engines): round trips, the
compare-and-set on status_version, uniqueness, upserts and what deletes do."""

from __future__ import annotations

import dataclasses

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.empathy_tables import EmpathyAttemptTable, EmpathyValidationTable
from mwf_core.adapters.db.tables import UserTable
from mwf_core.domain.empathy import (
    DeliveryStatus,
    EmpathyAttempt,
    EmpathyEvent,
    EmpathyStatus,
    EmpathyValidation,
    move,
)
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey

from .test_repositories import PLUS_TWO, T0, Pair, at, new_id, seed_pair


def make_attempt(pair: Pair, user_id: str, minutes: float = 0, **overrides: object
                 ) -> EmpathyAttempt:
    values: dict[str, object] = dict(
        id=new_id("att"), session_id=pair.session.id, source_user_id=user_id,
        content="I imagine you felt alone.", shared_at=at(minutes),
        status=EmpathyStatus.HELD, created_at=at(minutes), updated_at=at(minutes))
    return EmpathyAttempt(**{**values, **overrides})  # type: ignore[arg-type]


def make_validation(pair: Pair, attempt: EmpathyAttempt, user_id: str, **overrides: object
                    ) -> EmpathyValidation:
    values: dict[str, object] = dict(id=new_id("val"), attempt_id=attempt.id,
                                     session_id=pair.session.id, user_id=user_id,
                                     validated=False, validated_at=T0)
    return EmpathyValidation(**{**values, **overrides})  # type: ignore[arg-type]


async def test_attempt_round_trip_and_compare_and_set(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    full = make_attempt(pair, pair.a.id, draft_id="emd_1", consent_record_id="con_1",
                        status=EmpathyStatus.REVEALED, status_version=4, revealed_at=at(2),
                        revision_count=2, delivery_status=DeliveryStatus.DELIVERED,
                        delivered_at=at(2).astimezone(PLUS_TWO), seen_at=at(3))
    other = make_attempt(pair, pair.b.id, minutes=1)
    async with factory() as uow:
        await uow.empathy_attempts.add(other)
        await uow.empathy_attempts.add(full)
        await uow.commit()
    async with factory() as uow:
        assert await uow.empathy_attempts.by_author(pair.session.id, pair.a.id) == full
        assert await uow.empathy_attempts.for_session(pair.session.id) == [full, other]
        assert await uow.empathy_attempts.by_author(pair.session.id, "usr_none") is None
        with pytest.raises(DuplicateKey):
            await uow.empathy_attempts.add(make_attempt(pair, pair.a.id))
    async with factory() as uow:
        changed = dataclasses.replace(full)
        move(changed, EmpathyEvent.VALIDATED, at(5))
        assert await uow.empathy_attempts.update(changed, expected_version=3) is False
        assert await uow.empathy_attempts.update(changed, expected_version=4) is True
        assert await uow.empathy_attempts.update(changed, expected_version=4) is False
        await uow.commit()
    async with factory() as uow:
        stored = await uow.empathy_attempts.by_author(pair.session.id, pair.a.id)
        assert stored == changed and stored is not None
        assert (stored.status, stored.status_version) == (EmpathyStatus.VALIDATED, 5)


async def test_validation_upsert_keeps_one_row_per_attempt_and_user(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    attempt = make_attempt(pair, pair.a.id)
    first = make_validation(pair, attempt, pair.b.id, feedback="Not quite.",
                            feedback_shared=True)
    async with factory() as uow:
        await uow.empathy_attempts.add(attempt)
        await uow.empathy_validations.upsert(first)
        await uow.commit()
    second = make_validation(pair, attempt, pair.b.id, validated=True, validated_at=at(4))
    async with factory() as uow:
        await uow.empathy_validations.upsert(second)
        await uow.commit()
    assert second.id == first.id  # the row kept its id
    async with factory() as uow:
        assert await uow.empathy_validations.for_attempt(attempt.id, pair.b.id) == second
        assert await uow.empathy_validations.for_session(pair.session.id) == [second]
        assert await uow.empathy_validations.for_attempt(attempt.id, pair.a.id) is None
    assert await EmpathyValidationTable.count() == 1


async def test_a_concurrent_first_validation_is_a_retryable_conflict(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    attempt = make_attempt(pair, pair.a.id)
    async with factory() as uow:
        await uow.empathy_attempts.add(attempt)
        await uow.commit()
    async with factory() as uow:
        repo = uow.empathy_validations
        await repo.upsert(make_validation(pair, attempt, pair.b.id))
        # Another writer's row appears between our read and insert: simulate by inserting
        # under a new id directly after the read would have found nothing.
        original = repo.for_attempt

        async def nothing(*_: object) -> None:
            return None

        repo.for_attempt = nothing  # type: ignore[method-assign]
        with pytest.raises(ConcurrencyConflict):
            await repo.upsert(make_validation(pair, attempt, pair.b.id))
        repo.for_attempt = original  # type: ignore[method-assign]


async def test_deletes(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    mine, theirs = make_attempt(pair, pair.a.id), make_attempt(pair, pair.b.id, minutes=1)
    async with factory() as uow:
        await uow.empathy_attempts.add(mine)
        await uow.empathy_attempts.add(theirs)
        await uow.empathy_validations.upsert(make_validation(pair, mine, pair.b.id))
        await uow.commit()
    # A deleted account leaves its shared statement to the partner, unattributed; its own
    # answers go with it.
    await UserTable.delete().where(UserTable.id == pair.b.id)
    async with factory() as uow:
        rows = await uow.empathy_attempts.for_session(pair.session.id)
        assert [a.source_user_id for a in rows] == [pair.a.id, None]
        assert await uow.empathy_validations.for_session(pair.session.id) == []
        await uow.sessions.delete(pair.session.id)
        await uow.commit()
    assert await EmpathyAttemptTable.count() == 0


async def test_rows_need_their_parents(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    for add in (lambda uow: uow.empathy_attempts.add(make_attempt(pair, "usr_missing")),
                lambda uow: uow.empathy_validations.upsert(
                    make_validation(pair, make_attempt(pair, pair.a.id), pair.b.id))):
        async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
            with pytest.raises(Exception, match="(?i)foreign key"):
                await add(uow)


async def test_attempts_awaiting_analysis_across_sessions(db_engine: Engine) -> None:
    """The recovery query: HELD and ANALYZING attempts of every session, oldest change first,
    optionally only those unchanged since a moment (compared at the stored precision)."""
    first, second = await seed_pair(db_engine), await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    analyzing = make_attempt(first, first.a.id, minutes=1, status=EmpathyStatus.ANALYZING,
                             updated_at=at(5).astimezone(PLUS_TWO))
    ready = make_attempt(first, first.b.id, status=EmpathyStatus.READY, updated_at=at(1))
    held = make_attempt(second, second.a.id, updated_at=at(3))
    revealed = make_attempt(second, second.b.id, status=EmpathyStatus.REVEALED,
                            revealed_at=at(2), updated_at=at(2))
    async with factory() as uow:
        for attempt in (analyzing, ready, held, revealed):
            await uow.empathy_attempts.add(attempt)
        await uow.commit()
    async with factory() as uow:
        waiting = await uow.empathy_attempts.awaiting_analysis()
        assert [a.id for a in waiting] == [held.id, analyzing.id]
        assert waiting[1] == analyzing
        earlier = await uow.empathy_attempts.awaiting_analysis(updated_before=at(4))
        assert [a.id for a in earlier] == [held.id]
        assert await uow.empathy_attempts.awaiting_analysis(updated_before=at(3)) == []
