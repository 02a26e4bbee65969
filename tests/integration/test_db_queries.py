"""Keys, uniqueness and the listing queries of the repositories, on both engines."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.domain.enums import InvitationStatus, OutboxStatus, SessionStatus, StageStatus
from mwf_core.domain.errors import DuplicateKey, NotFound
from mwf_core.domain.records import (
    EmotionalReading,
    Invitation,
    RelationshipMember,
    SharedVessel,
    StageProgress,
    User,
    UserVessel,
)

from .test_repositories import T0, at, make_event, make_session, make_user, new_id, seed_pair


async def test_updating_a_missing_row_is_not_found(db_engine: Engine) -> None:
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        with pytest.raises(NotFound):
            await uow.users.update(make_user())
        with pytest.raises(NotFound):
            await uow.relationships.update_member(RelationshipMember("rel_x", "usr_x", T0))


@pytest.mark.parametrize(
    "case",
    ["same id", "same email", "member pair", "progress stage", "user vessel", "shared vessel"],
)
async def test_unique_violations_raise_duplicate_key_and_transaction_goes_on(
    db_engine: Engine, case: str
) -> None:
    pair = await seed_pair(db_engine)
    sid, uid = pair.session.id, pair.a.id
    # (what is already there, the insert that collides with it)
    first, second = {
        "same id": (None, dataclasses.replace(make_user(), id=uid)),
        "same email": (make_user(email="same@example.com"), make_user(email="same@example.com")),
        "member pair": (None, RelationshipMember(pair.relationship.id, uid, at(1))),
        "progress stage": (
            StageProgress(new_id("stp"), sid, uid, 1, StageStatus.IN_PROGRESS, T0),
            StageProgress(new_id("stp"), sid, uid, 1, StageStatus.COMPLETED, T0),
        ),
        "user vessel": (
            UserVessel(new_id("ves"), sid, uid, T0),
            UserVessel(new_id("ves"), sid, uid, T0),
        ),
        "shared vessel": (
            SharedVessel(new_id("shv"), sid, T0),
            SharedVessel(new_id("shv"), sid, T0),
        ),
    }[case]

    async def write(uow: Any, record: Any) -> None:
        if isinstance(record, User):
            await uow.users.insert_if_absent(record)
        elif isinstance(record, RelationshipMember):
            await uow.relationships.add_member(record)
        elif isinstance(record, StageProgress):
            await uow.progress.add(record)
        elif isinstance(record, UserVessel):
            await uow.vessels.add_user_vessel(record)
        else:
            await uow.vessels.add_shared_vessel(record)

    uow_factory = PiccoloUnitOfWorkFactory(db_engine)
    if first is not None:
        async with uow_factory() as uow:
            await write(uow, first)
            await uow.commit()
    later = make_session(pair.relationship.id, status=SessionStatus.CREATED)
    async with uow_factory() as uow:
        with pytest.raises(DuplicateKey):
            await write(uow, second)
        # The refused insert must not poison the transaction (PostgreSQL would, had the driver
        # raised): later writes in it still commit.
        await uow.sessions.add(later)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.get(later.id) == later


async def test_unique_violation_on_update_is_duplicate_key(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    uow_factory = PiccoloUnitOfWorkFactory(db_engine)
    async with uow_factory() as uow:
        await uow.users.update(dataclasses.replace(pair.a, email="taken@example.com"))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateKey):
            await uow.users.update(dataclasses.replace(pair.b, email="taken@example.com"))
    async with uow_factory() as uow:
        assert (await uow.users.get(pair.b.id)) == pair.b


async def test_get_many_returns_only_existing_users(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        found = await uow.users.get_many([pair.a.id, "usr_missing", pair.b.id, pair.a.id])
        assert found == {pair.a.id: pair.a, pair.b.id: pair.b}
        assert await uow.users.get_many([]) == {}


async def test_sessions_for_relationships_newest_first_with_status_filter(
    db_engine: Engine,
) -> None:
    pair = await seed_pair(db_engine)
    other = await seed_pair(db_engine)
    rel = pair.relationship.id
    older = make_session(rel, created_at=at(-10), status=SessionStatus.RESOLVED)
    # Same created_at: the id breaks the tie, descending.
    tie_low = make_session(rel, id="ses_tie_a", created_at=at(5), status=SessionStatus.WAITING)
    tie_high = make_session(rel, id="ses_tie_b", created_at=at(5), status=SessionStatus.PAUSED)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        for session in (older, tie_low, tie_high):
            await uow.sessions.add(session)
        await uow.commit()
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        everything = await uow.sessions.for_relationships([rel])
        assert [s.id for s in everything] == [tie_high.id, tie_low.id, pair.session.id, older.id]
        live = await uow.sessions.for_relationships(
            [rel, other.relationship.id], frozenset({SessionStatus.ACTIVE, SessionStatus.PAUSED})
        )
        assert {s.id for s in live} == {tie_high.id, pair.session.id, other.session.id}
        assert await uow.sessions.for_relationships([]) == []
        assert await uow.sessions.for_relationships([rel], frozenset()) == []


async def test_listing_queries_order_and_limits(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    vessel = UserVessel(new_id("ves"), sid, pair.a.id, T0)
    readings = [
        EmotionalReading(new_id("emo"), vessel.id, intensity=i, stage=1, timestamp=at(i))
        for i in range(5)
    ]
    events = [make_event(sid, created_at=at(i)) for i in range(3)]
    events.append(make_event(sid, created_at=at(-1), status=OutboxStatus.DELIVERED))
    invitations = [
        Invitation(new_id("inv"), sid, pair.a.id, None, InvitationStatus.EXPIRED, at(i), at(9))
        for i in range(2)
    ]
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        await uow.vessels.add_user_vessel(vessel)
        for reading in readings:
            await uow.emotions.add(reading)
        for event in events:
            await uow.outbox.add(event)
        for invitation in invitations:
            await uow.invitations.add(invitation)
        await uow.commit()
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        newest = await uow.emotions.for_vessel(vessel.id, limit=3)
        assert [r.intensity for r in newest] == [4, 3, 2]
        assert await uow.outbox.pending(limit=2) == events[:2]
        assert await uow.outbox.for_session(sid) == [events[3], *events[:3]]
        assert await uow.invitations.for_session(sid) == invitations[1]
        assert await uow.invitations.for_session("ses_none") is None
        assert await uow.users.get("usr_none") is None
