"""The fakes keep the promises the real adapters make, or the use-case tests prove nothing."""

from __future__ import annotations

import inspect
import typing
from datetime import UTC, datetime, timedelta

import pytest

from mwf_core.domain.enums import MessageRole, SessionStatus, StageStatus
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey, NotFound
from mwf_core.domain.records import (
    IdempotencyRecord,
    Message,
    OutboxEvent,
    Relationship,
    Session,
    StageProgress,
    User,
)
from mwf_core.ports import repositories

from .fakes import FakeClock, InMemoryUnitOfWorkFactory, SequentialIds

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def user(uid: str, subject: str, email: str | None) -> User:
    return User(uid, subject, email, None, None, None, T0, T0)


def test_the_unit_of_work_implements_every_repository_protocol() -> None:
    uow = InMemoryUnitOfWorkFactory()()
    hints = typing.get_type_hints(repositories.UnitOfWork)
    assert set(hints) >= {"users", "relationships", "sessions", "invitations", "progress",
                          "vessels", "messages", "consents", "emotions", "outbox", "idempotency"}
    for name, protocol in hints.items():
        wanted = {m for m in vars(protocol) if not m.startswith("_")}
        missing = {m for m in wanted if not inspect.iscoroutinefunction(
            getattr(getattr(uow, name), m, None))}
        assert not missing, f"{name} lacks {missing}"


def test_clock_is_settable_and_advanceable_in_aware_utc() -> None:
    clock = FakeClock(T0)
    assert clock.now() == T0 and clock.now() == T0
    assert clock.advance(minutes=5) == T0 + timedelta(minutes=5)
    clock.advance(timedelta(days=1))
    assert clock.now() == T0 + timedelta(days=1, minutes=5)
    clock.set(T0)
    assert clock.now().tzinfo is not None
    with pytest.raises(ValueError):
        clock.set(datetime(2025, 1, 1))


def test_sequential_ids() -> None:
    ids = SequentialIds()
    assert [ids.new_id() for _ in range(3)] == ["id-0001", "id-0002", "id-0003"]


async def test_leaving_without_commit_rolls_back() -> None:
    db = InMemoryUnitOfWorkFactory()
    async with db() as uow:
        await uow.users.insert_if_absent(user("u1", "s1", None))
        assert await uow.users.get("u1") is not None
    async with db() as uow:
        assert await uow.users.get("u1") is None


async def test_an_exception_rolls_back_and_commit_makes_changes_visible() -> None:
    db = InMemoryUnitOfWorkFactory()
    with pytest.raises(RuntimeError):
        async with db() as uow:
            await uow.users.insert_if_absent(user("u1", "s1", None))
            raise RuntimeError("boom")
    async with db() as uow:
        await uow.users.insert_if_absent(user("u2", "s2", None))
        await uow.commit()
    assert set(db.store.users) == {"u2"}


async def test_rows_are_copies_so_unsaved_changes_are_lost() -> None:
    db = InMemoryUnitOfWorkFactory()
    async with db() as uow:
        await uow.users.insert_if_absent(user("u1", "s1", None))
        row = await uow.users.get("u1")
        assert row is not None
        row.name = "changed without update"
        assert (await uow.users.get("u1")).name is None  # type: ignore[union-attr]
        await uow.commit()


async def test_user_uniques() -> None:
    db = InMemoryUnitOfWorkFactory()
    async with db() as uow:
        await uow.users.insert_if_absent(user("u1", "s1", "a@example.com"))
        await uow.users.insert_if_absent(user("u2", "s1", "other@example.com"))  # same subject
        await uow.users.insert_if_absent(user("u3", "s3", "a@example.com"))  # same email
        assert set(uow.working.users) == {"u1"}
        with pytest.raises(DuplicateKey):
            await uow.users.add(user("u4", "s4", "a@example.com"))
        await uow.users.insert_if_absent(user("u5", "s5", None))
        u5 = await uow.users.get("u5")
        assert u5 is not None
        u5.email = "a@example.com"
        with pytest.raises(DuplicateKey):
            await uow.users.update(u5)
        with pytest.raises(NotFound):
            await uow.users.update(user("ghost", "g", None))


async def test_idempotency_and_progress_uniques() -> None:
    db = InMemoryUnitOfWorkFactory()
    async with db() as uow:
        record = IdempotencyRecord("u1", "r1", "Op", "f", "x", T0)
        await uow.idempotency.add(record)
        with pytest.raises(DuplicateKey):
            await uow.idempotency.add(record)
        await uow.idempotency.add(IdempotencyRecord("u2", "r1", "Op", "f", "x", T0))
        await uow.progress.add(StageProgress("p1", "s", "u1", 0, StageStatus.IN_PROGRESS, T0))
        with pytest.raises(DuplicateKey):
            await uow.progress.add(StageProgress("p2", "s", "u1", 0, StageStatus.IN_PROGRESS, T0))
        await uow.progress.add(StageProgress("p3", "s", "u1", 1, StageStatus.IN_PROGRESS, T0))


async def test_sessions_for_relationships_newest_first_by_created_at_then_id() -> None:
    db = InMemoryUnitOfWorkFactory()
    async with db() as uow:
        active, created = SessionStatus.ACTIVE, SessionStatus.CREATED
        for sid, minutes, status in [("b", 0, active), ("a", 0, created),
                                     ("c", 5, active), ("z", 9, active)]:
            at = T0 + timedelta(minutes=minutes)
            rel = "r2" if sid == "z" else "r1"
            await uow.sessions.add(Session(sid, rel, status, at, at))
        found = await uow.sessions.for_relationships(["r1"])
        assert [s.id for s in found] == ["c", "b", "a"]
        active = await uow.sessions.for_relationships(["r1"], frozenset({SessionStatus.ACTIVE}))
        assert [s.id for s in active] == ["c", "b"]


async def test_lane_is_mine_or_for_me_oldest_first_newest_limit() -> None:
    db = InMemoryUnitOfWorkFactory()

    def msg(mid: str, sender: str | None, for_user: str | None, minute: int) -> Message:
        return Message(mid, "s1", sender, for_user, MessageRole.USER, mid, 1,
                       T0 + timedelta(minutes=minute))

    async with db() as uow:
        for message in [msg("m1", "me", None, 1), msg("m2", None, "me", 2),
                        msg("m3", "other", None, 3), msg("m4", None, "other", 4),
                        msg("m5", "me", "other", 5), msg("m6", "other", "me", 6)]:
            await uow.messages.add(message)
        assert [m.id for m in await uow.messages.lane("s1", "me", 10)] == ["m1", "m2", "m6"]
        assert [m.id for m in await uow.messages.lane("s1", "me", 2)] == ["m2", "m6"]
        before = T0 + timedelta(minutes=6)
        assert [m.id for m in await uow.messages.lane("s1", "me", 10, before)] == ["m1", "m2"]
        assert await uow.messages.delete_lane("s1", "me") == 3
        assert sorted(uow.working.messages) == ["m3", "m4", "m5"]


async def test_events_are_published_after_commit_only() -> None:
    db = InMemoryUnitOfWorkFactory()
    event = OutboxEvent("e1", None, "user:u1", "x.happened", {}, T0)
    async with db() as uow:
        await uow.outbox.add(event)
    assert db.published == [] and db.store.outbox == {}
    async with db() as uow:
        await uow.outbox.add(event)
        await uow.commit()
        assert db.published == []  # still inside the block
    assert db.published_names() == ["x.happened"]


async def test_stale_writer_gets_a_concurrency_conflict() -> None:
    db = InMemoryUnitOfWorkFactory()
    first, second = db(), db()
    async with first, second:
        await first.relationships.add(Relationship("r1", T0))
        await second.relationships.add(Relationship("r2", T0))
        await first.commit()
        with pytest.raises(ConcurrencyConflict):
            await second.commit()
    assert set(db.store.relationships) == {"r1"}
