"""NeedRepository.lock on a real database (both engines): one conditional write."""

from __future__ import annotations

from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory

from .test_db_captured_state import make_need, seed
from .test_repositories import at


async def test_lock_confirms_only_live_unlocked_needs(db_engine: Engine) -> None:
    _, va, _ = await seed(db_engine)
    open_need = make_need(va.id, "Rest")
    locked = make_need(va.id, "Quiet", 1, confirmed=True, locked_at=at(1))
    deleted = make_need(va.id, "Gone", 2, deleted_at=at(2))
    replaced = make_need(va.id, "Old", 3, superseded_by_need_id=open_need.id)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    async with factory() as uow:
        for need in (open_need, locked, deleted, replaced):
            await uow.needs.add(need)
        await uow.commit()
    async with factory() as uow:
        assert await uow.needs.lock(open_need.id, at(5)) is True
        assert await uow.needs.lock(open_need.id, at(6)) is False  # already locked
        for need in (locked, deleted, replaced):
            assert await uow.needs.lock(need.id, at(6)) is False
        assert await uow.needs.lock("ned_missing", at(6)) is False
        await uow.commit()
    async with factory() as uow:
        stored = await uow.needs.get(open_need.id)
        assert stored is not None and stored.confirmed and stored.locked_at == at(5)
        assert await uow.needs.get(locked.id) == locked
        assert await uow.needs.get(deleted.id) == deleted
        assert await uow.needs.soft_delete(open_need.id, at(7)) is False  # locked now
