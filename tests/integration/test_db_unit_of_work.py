"""The unit of work on both engines: commit/rollback, after-commit events, concurrency."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

import pytest
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from mwf_core.adapters.db import (
    PiccoloUnitOfWorkFactory,
    apply_migrations,
    bind_tables,
    engine_from_url,
)
from mwf_core.adapters.db.engine import is_postgres
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.db.repositories import PiccoloRelationshipRepository
from mwf_core.adapters.db.tables import UserTable
from mwf_core.domain.errors import ConcurrencyConflict
from mwf_core.domain.records import OutboxEvent, Relationship

from .test_repositories import T0, make_event, make_user, new_id, seed_pair


class Recorder:
    """An EventPublisher.publish stand-in that also notes what the database showed it."""

    def __init__(self) -> None:
        self.calls: list[list[OutboxEvent]] = []
        self.rows_visible_at_call: list[int] = []

    async def publish(self, events: Sequence[OutboxEvent]) -> None:
        # Read outside the unit of work: only committed rows are visible here.
        rows = await OutboxTable.select(OutboxTable.id).where(
            OutboxTable.id.is_in([e.id for e in events])
        )
        self.rows_visible_at_call.append(len(rows))
        self.calls.append(list(events))


async def test_leaving_without_commit_rolls_back(db_engine: Engine) -> None:
    user = make_user()
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        await uow.users.insert_if_absent(user)
        assert await uow.users.get(user.id) == user  # visible inside its own transaction
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        assert await uow.users.get(user.id) is None


async def test_an_exception_rolls_back_and_propagates(db_engine: Engine) -> None:
    user = make_user()
    with pytest.raises(LookupError):
        async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
            await uow.users.insert_if_absent(user)
            raise LookupError("use case failed")
    assert await UserTable.count().where(UserTable.id == user.id) == 0


async def test_events_published_once_after_commit(db_engine: Engine) -> None:
    recorder = Recorder()
    uow_factory = PiccoloUnitOfWorkFactory(db_engine, on_commit=recorder.publish)
    pair = await seed_pair(db_engine)
    first, second = make_event(pair.session.id), make_event(None, channel="user:u1")
    async with uow_factory() as uow:
        await uow.outbox.add(first)
        await uow.outbox.add(second)
        assert recorder.calls == []
        await uow.commit()
        # Not even at commit(): the connection is still held until the block ends.
        assert recorder.calls == []
    assert recorder.calls == [[first, second]]
    assert recorder.rows_visible_at_call == [2]


async def test_no_events_published_on_rollback(db_engine: Engine) -> None:
    recorder = Recorder()
    uow_factory = PiccoloUnitOfWorkFactory(db_engine, on_commit=recorder.publish)
    event = make_event(None)
    async with uow_factory() as uow:
        await uow.outbox.add(event)
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.outbox.add(event)
            raise RuntimeError("boom")
    async with uow_factory() as uow:
        await uow.users.insert_if_absent(make_user())  # committed, but no events
        await uow.commit()
    assert recorder.calls == []
    assert await OutboxTable.count() == 0


async def test_a_failing_publisher_does_not_undo_the_commit(db_engine: Engine) -> None:
    async def broken(events: Sequence[OutboxEvent]) -> None:
        raise ConnectionError("realtime service down")

    event = make_event(None)
    async with PiccoloUnitOfWorkFactory(db_engine, on_commit=broken)() as uow:
        await uow.outbox.add(event)
        await uow.commit()
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        assert await uow.outbox.pending(limit=10) == [event]


async def test_unit_of_work_is_single_use_and_commit_needs_the_block(db_engine: Engine) -> None:
    uow = PiccoloUnitOfWorkFactory(db_engine)()
    with pytest.raises(RuntimeError):
        await uow.commit()
    async with uow:
        await uow.commit()
        with pytest.raises(RuntimeError):
            await uow.commit()
    with pytest.raises(RuntimeError):
        async with uow:
            pass


async def test_tables_bound_elsewhere_are_refused(db_engine: Engine, tmp_path) -> None:
    other = SQLiteEngine(path=str(tmp_path / "other.sqlite3"))
    bind_tables(other)
    try:
        with pytest.raises(RuntimeError, match="bind_tables"):
            async with PiccoloUnitOfWorkFactory(db_engine)():
                pass
    finally:
        bind_tables(db_engine)


async def test_concurrent_first_requests_create_one_user(db_engine: Engine) -> None:
    uow_factory = PiccoloUnitOfWorkFactory(db_engine)
    subject = new_id("sub")
    candidates = [make_user(auth_subject=subject, name=f"try {i}") for i in range(20)]

    async def first_request(user):
        async with uow_factory() as uow:
            await uow.users.insert_if_absent(user)
            await uow.commit()
            return user.id

    await asyncio.gather(*(first_request(user) for user in candidates))
    rows = await UserTable.select().where(UserTable.auth_subject == subject)
    assert len(rows) == 1
    async with uow_factory() as uow:
        winner = await uow.users.get_by_auth_subject(subject)
    assert winner is not None and winner in candidates
    # A later call with different details leaves the existing account untouched.
    async with uow_factory() as uow:
        await uow.users.insert_if_absent(dataclasses.replace(candidates[0], id=new_id("usr")))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get_by_auth_subject(subject) == winner


async def test_relationship_lock_serialises_read_modify_write(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)  # the session's topic_frame starts at "0"
    uow_factory = PiccoloUnitOfWorkFactory(db_engine)

    async def increment() -> None:
        async with uow_factory() as uow:
            await uow.relationships.lock(pair.relationship.id)
            session = await uow.sessions.get(pair.session.id)
            assert session is not None
            # Give every other transaction the chance to read the same value: without the
            # lock they would, and increments would be lost.
            await asyncio.sleep(0.01)
            session.topic_frame = str(int(session.topic_frame or "0") + 1)
            await uow.sessions.update(session)
            await uow.commit()

    await asyncio.gather(*(increment() for _ in range(20)))
    async with uow_factory() as uow:
        session = await uow.sessions.get(pair.session.id)
    assert session is not None and session.topic_frame == "20"


async def test_lock_outside_a_unit_of_work_is_refused(db_engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="unit of work"):
        await PiccoloRelationshipRepository().lock("rel_x")


async def test_sqlite_writer_timeout_is_a_concurrency_conflict(tmp_path) -> None:
    path = tmp_path / "busy.sqlite3"
    holder = engine_from_url(f"sqlite:///{path}")
    impatient = SQLiteEngine(path=str(path), timeout=0.2)
    bind_tables(holder)
    await apply_migrations(holder)
    async with PiccoloUnitOfWorkFactory(holder)():
        bind_tables(impatient)
        with pytest.raises(ConcurrencyConflict):
            async with PiccoloUnitOfWorkFactory(impatient)():
                pass
        bind_tables(holder)


# PostgreSQL only: SQLite serialises whole write transactions, so it cannot deadlock.
@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_postgres_deadlock_is_a_concurrency_conflict(db_engine: Engine) -> None:
    assert is_postgres(db_engine)
    uow_factory = PiccoloUnitOfWorkFactory(db_engine)
    first, second = Relationship(new_id("rel"), T0), Relationship(new_id("rel"), T0)
    async with uow_factory() as uow:
        await uow.relationships.add(first)
        await uow.relationships.add(second)
        await uow.commit()
    both_hold_one = asyncio.Barrier(2)

    async def lock_in_order(a: str, b: str) -> None:
        async with uow_factory() as uow:
            await uow.relationships.lock(a)
            await both_hold_one.wait()
            await uow.relationships.lock(b)
            await uow.commit()

    results = await asyncio.gather(
        lock_in_order(first.id, second.id),
        lock_in_order(second.id, first.id),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, ConcurrencyConflict)]
    assert len(conflicts) == 1, results
    assert results.count(None) == 1, results
