"""Conversation memories on both engines: round trip, replace, and gone with the vessel."""

from __future__ import annotations

from piccolo.engine.base import Engine

from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.domain.records import ConversationMemory, UserVessel

from .test_repositories import T0, at, new_id, seed_pair


async def test_memory_round_trips_is_replaced_and_goes_with_its_vessel(
    db_engine: Engine,
) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    vessel = UserVessel(id=new_id("ves"), session_id=pair.session.id, user_id=pair.a.id,
                        created_at=T0)
    first = ConversationMemory(
        vessel_id=vessel.id, summary="Alex feels unheard.", updated_at=at(1),
        key_themes=["dinner", "phones"],
        notable_facts=[{"category": "events", "fact": "Dinner on Friday went badly."}],
        summarized_messages=20,
    )
    async with factory() as uow:
        await uow.vessels.add_user_vessel(vessel)
        await uow.memories.save(first)
        await uow.commit()
    async with factory() as uow:
        assert await uow.memories.get(vessel.id) == first
    second = ConversationMemory(vessel_id=vessel.id, summary="Later.", updated_at=at(2),
                                summarized_messages=40)
    async with factory() as uow:
        await uow.memories.save(second)
        await uow.commit()
    async with factory() as uow:
        assert await uow.memories.get(vessel.id) == second
        assert await uow.vessels.delete_user_vessel(vessel.id) == 1
        await uow.commit()
    async with factory() as uow:
        assert await uow.memories.get(vessel.id) is None
