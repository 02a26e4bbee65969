"""Consent decisions, consented content and exercise completions on both engines: the
conditional writes (decide, revoke, deactivate) land once, and rows round-trip."""

from __future__ import annotations

import asyncio

from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.domain.consent import ConsentedContent, ExerciseCompletion, ExerciseType
from mwf_core.domain.enums import ConsentContentType, ConsentDecision
from mwf_core.domain.errors import DuplicateKey
from mwf_core.domain.records import ConsentRecord, SharedVessel, UserVessel

from .test_repositories import T0, at, new_id, seed_pair


async def test_consent_decisions_are_conditional(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    record = ConsentRecord(new_id("con"), pair.a.id, pair.session.id,
                           ConsentContentType.IDENTIFIED_NEED, "need-1", T0,
                           metadata={"k": "v"})
    async with factory() as uow:
        await uow.consents.add(record)
        await uow.vessels.add_shared_vessel(SharedVessel(new_id("sv"), pair.session.id, T0))
        await uow.commit()

    async def decide(decision: ConsentDecision) -> bool:
        async with factory() as uow:
            landed = await uow.consents.decide(record.id, decision, at(1))
            await uow.commit()
            return landed

    results = await asyncio.gather(decide(ConsentDecision.GRANTED),
                                   decide(ConsentDecision.DENIED))
    assert sorted(results) == [False, True]
    async with factory() as uow:
        stored = await uow.consents.get(record.id)
        assert stored is not None and stored.decided_at == at(1)
        assert await uow.consents.for_session(pair.session.id, pair.a.id) == [stored]
        assert await uow.consents.for_session(pair.session.id, pair.b.id) == []
        if stored.decision is ConsentDecision.DENIED:
            assert await uow.consents.revoke(record.id, at(2)) is False
            return
        vessel_id = await uow.consents.shared_vessel_of(pair.session.id)
        assert vessel_id is not None
        content = ConsentedContent(new_id("cc"), pair.session.id, vessel_id, record.id,
                                   pair.a.id, "need-1", "safety", at(1))
        await uow.consents.add_content(content)
        try:
            await uow.consents.add_content(ConsentedContent(
                new_id("cc"), pair.session.id, vessel_id, record.id, pair.a.id, None, "x",
                at(1)))
            raise AssertionError("a second content row for one consent was accepted")
        except DuplicateKey:
            pass
        assert await uow.consents.revoke(record.id, at(2)) is True
        assert await uow.consents.revoke(record.id, at(3)) is False
        assert await uow.consents.deactivate_content(record.id, at(2)) is True
        assert await uow.consents.deactivate_content(record.id, at(3)) is False
        stored_content = await uow.consents.content_for_record(record.id)
        assert stored_content is not None
        assert (stored_content.consent_active, stored_content.revoked_at) == (False, at(2))
        revoked = await uow.consents.get(record.id)
        assert revoked is not None and revoked.decision is ConsentDecision.REVOKED
        await uow.commit()


async def test_exercises_round_trip_newest_first(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    vessel = UserVessel(new_id("ves"), pair.session.id, pair.a.id, T0,
                        last_viewed_share_tab_at=at(5))
    first = ExerciseCompletion(new_id("ex"), vessel.id, ExerciseType.BODY_SCAN, at(1), 7, 4)
    second = ExerciseCompletion(new_id("ex"), vessel.id, ExerciseType.GROUNDING, at(2))
    async with factory() as uow:
        await uow.vessels.add_user_vessel(vessel)
        await uow.exercises.add(first)
        await uow.exercises.add(second)
        await uow.commit()
    async with factory() as uow:
        assert await uow.exercises.for_vessel(vessel.id, 10) == [second, first]
        assert await uow.exercises.for_vessel(vessel.id, 1) == [second]
        stored = await uow.vessels.user_vessel(pair.session.id, pair.a.id)
        assert stored is not None and stored.last_viewed_share_tab_at == at(5)
