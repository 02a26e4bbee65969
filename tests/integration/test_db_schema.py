"""What the schema itself guarantees: cascades, SET NULL, foreign keys (both engines)."""

from __future__ import annotations

import dataclasses

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.tables import (
    ConsentRecordTable,
    EmotionalReadingTable,
    InvitationTable,
    MessageTable,
    SharedVesselTable,
    StageProgressTable,
    UserTable,
    UserVesselTable,
)
from mwf_core.domain.enums import ConsentContentType, InvitationStatus, StageStatus
from mwf_core.domain.records import (
    ConsentRecord,
    EmotionalReading,
    Invitation,
    RelationshipMember,
    SharedVessel,
    StageProgress,
    UserVessel,
)

from .test_repositories import T0, make_event, make_message, make_session, new_id, seed_pair


async def test_session_delete_cascades_to_its_children(db_engine: Engine) -> None:

    pair = await seed_pair(db_engine)
    sid, uid = pair.session.id, pair.a.id
    vessel = UserVessel(new_id("ves"), sid, uid, T0)
    consent = ConsentRecord(new_id("con"), uid, sid, ConsentContentType.BOUNDARY, None, T0)
    event = make_event(sid)
    uow_factory = PiccoloUnitOfWorkFactory(db_engine)
    async with uow_factory() as uow:
        await uow.invitations.add(
            Invitation(new_id("inv"), sid, uid, None, InvitationStatus.PENDING, T0, T0)
        )
        await uow.progress.add(
            StageProgress(new_id("stp"), sid, uid, 0, StageStatus.IN_PROGRESS, T0)
        )
        await uow.vessels.add_user_vessel(vessel)
        await uow.vessels.add_shared_vessel(SharedVessel(new_id("shv"), sid, T0))
        await uow.messages.add(make_message(sid, uid, None, 1))
        await uow.emotions.add(EmotionalReading(new_id("emo"), vessel.id, 5, 0, T0))
        await uow.consents.add(consent)
        await uow.outbox.add(event)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.sessions.delete(sid)
        await uow.commit()

    for table in (
        InvitationTable,
        StageProgressTable,
        UserVesselTable,
        SharedVesselTable,
        MessageTable,
        EmotionalReadingTable,
    ):
        assert await table.count() == 0, table._meta.tablename
    async with uow_factory() as uow:
        # The consent audit trail and the outbox outlive the session.
        assert await uow.consents.for_user(uid) == [dataclasses.replace(consent, session_id=None)]
        assert await uow.outbox.for_session(sid) == [event]
    assert await ConsentRecordTable.count() == 1


async def test_deleted_sender_leaves_message_unattributed(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    shared = make_message(sid, pair.a.id, pair.b.id, 1)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        await uow.messages.add(shared)
        await uow.commit()
    await UserTable.delete().where(UserTable.id == pair.a.id)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        assert await uow.messages.lane(sid, pair.b.id, limit=5) == [
            dataclasses.replace(shared, sender_id=None)
        ]
        assert [m.user_id for m in await uow.relationships.members(pair.relationship.id)] == [
            pair.b.id
        ]


async def test_unknown_session_is_refused_by_foreign_key(db_engine: Engine) -> None:
    # One attempt per transaction: on PostgreSQL a failed statement aborts the transaction.
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        with pytest.raises(Exception, match="(?i)foreign key"):
            await uow.sessions.add(make_session("rel_missing"))
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        with pytest.raises(Exception, match="(?i)foreign key"):
            await uow.relationships.add_member(RelationshipMember("rel_x", "usr_x", T0))
