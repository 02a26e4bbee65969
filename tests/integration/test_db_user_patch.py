"""Two requests changing different fields of one user at once both land (no lost update)."""

from __future__ import annotations

import asyncio

from piccolo.engine.base import Engine

from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory

from .test_repositories import at, seed_pair


async def test_concurrent_patches_of_different_fields_both_stick(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    both_read = asyncio.Barrier(2)

    async def patch(**changes: object) -> None:
        async with factory() as uow:
            await uow.users.get(pair.a.id)  # each reads the row first, as a use case would
            await both_read.wait() if not _serialised(db_engine) else None
            await uow.users.patch(pair.a.id, at(5), **changes)
            await uow.commit()

    await asyncio.gather(patch(push_token="ExponentPushToken[abc]"),
                         patch(last_mood_intensity=7))
    async with factory() as uow:
        user = await uow.users.get(pair.a.id)
    assert (user.push_token, user.last_mood_intensity) == ("ExponentPushToken[abc]", 7)
    assert user.updated_at == at(5)
    assert user.name == pair.a.name  # fields nobody patched are untouched


def _serialised(engine: Engine) -> bool:
    # SQLite runs one transaction at a time: waiting for the other reader would deadlock.
    return engine.engine_type == "sqlite"
