"""Repositories against a real database, on SQLite and PostgreSQL (the `db_engine` fixture).

The record builders here are shared with the other test_db_*.py modules.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.mapping import from_row
from mwf_core.adapters.db.tables import SharedVesselTable
from mwf_core.domain.enums import (
    ConsentContentType,
    ConsentDecision,
    InvitationStatus,
    MessageRole,
    OutboxStatus,
    SessionStatus,
    SessionType,
    StageStatus,
)
from mwf_core.domain.records import (
    ConsentRecord,
    EmotionalReading,
    Invitation,
    Message,
    OutboxEvent,
    Relationship,
    RelationshipMember,
    Session,
    SharedVessel,
    StageProgress,
    User,
    UserVessel,
)

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def make_user(**overrides: Any) -> User:
    user_id = new_id("usr")
    values: dict[str, Any] = dict(
        id=user_id,
        auth_subject=f"sub_{user_id}",
        email=None,
        name=None,
        first_name=None,
        last_name=None,
        created_at=T0,
        updated_at=T0,
    )
    return User(**{**values, **overrides})


def make_session(relationship_id: str, **overrides: Any) -> Session:
    values: dict[str, Any] = dict(
        id=new_id("ses"),
        relationship_id=relationship_id,
        status=SessionStatus.ACTIVE,
        created_at=T0,
        updated_at=T0,
    )
    return Session(**{**values, **overrides})


def make_message(
    session_id: str,
    sender_id: str | None,
    for_user_id: str | None,
    minutes: float,
    **overrides: Any,
) -> Message:
    values: dict[str, Any] = dict(
        id=new_id("msg"),
        session_id=session_id,
        sender_id=sender_id,
        for_user_id=for_user_id,
        role=MessageRole.USER if for_user_id is None else MessageRole.AI,
        content=f"said at {minutes}",
        stage=1,
        timestamp=at(minutes),
    )
    return Message(**{**values, **overrides})


def make_event(session_id: str | None, **overrides: Any) -> OutboxEvent:
    values: dict[str, Any] = dict(
        id=new_id("evt"),
        session_id=session_id,
        channel=f"session:{session_id}",
        name="session.updated",
        payload={"sessionId": session_id},
        created_at=T0,
    )
    return OutboxEvent(**{**values, **overrides})


@dataclass
class Pair:
    """Two partners in one relationship with one live session."""

    a: User
    b: User
    relationship: Relationship
    session: Session


async def seed_pair(engine: Engine) -> Pair:
    a, b = make_user(name="Alex"), make_user(name="Blake")
    relationship = Relationship(id=new_id("rel"), created_at=T0)
    session = make_session(relationship.id, topic_frame="0")
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        for user in (a, b):
            await uow.users.insert_if_absent(user)
        await uow.relationships.add(relationship)
        for user in (a, b):
            await uow.relationships.add_member(RelationshipMember(relationship.id, user.id, T0))
        await uow.sessions.add(session)
        await uow.commit()
    return Pair(a, b, relationship, session)


def assert_all_utc(record: Any) -> None:
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            assert value.utcoffset() == timedelta(0), (f.name, value)


async def test_every_record_round_trips_with_all_fields(db_engine: Engine) -> None:
    uow_factory = PiccoloUnitOfWorkFactory(db_engine)
    full_user = make_user(
        email="zoe@example.com",
        name="Zoë 💬",
        first_name="Zoë",
        last_name="O'Brien",
        created_at=at(1).astimezone(PLUS_TWO),
        updated_at=at(2),
        push_token="ExponentPushToken[x]",
        biometric_enabled=True,
        last_mood_intensity=7,
        privacy_preferences={"showActivityStatus": False, "extra": {"list": [1, "x", None]}},
    )
    bare_user = make_user()
    relationship = Relationship(id=new_id("rel"), created_at=T0)
    member = RelationshipMember(relationship.id, full_user.id, at(1), nickname="Bee", role="owner")
    bare_member = RelationshipMember(relationship.id, bare_user.id, at(2))
    session = make_session(
        relationship.id,
        status=SessionStatus.RESOLVED,
        type=SessionType.INNER_WORK,
        resolved_at=at(50),
        topic_frame="the dishes",
        topic_frame_confirmed_at=at(5),
    )
    bare_session = make_session(relationship.id, created_at=at(1))
    invitation = Invitation(
        id=new_id("inv"),
        session_id=session.id,
        invited_by_id=full_user.id,
        name="Blake",
        status=InvitationStatus.DECLINED,
        created_at=T0,
        expires_at=at(60 * 24 * 7),
        invite_email="blake@example.com",
        message_confirmed=True,
        message_confirmed_at=at(1),
        accepted_at=None,
        declined_at=at(3),
        decline_reason="not now",
    )
    progress = StageProgress(
        id=new_id("stp"),
        session_id=session.id,
        user_id=full_user.id,
        stage=2,
        status=StageStatus.GATE_PENDING,
        started_at=at(1),
        completed_at=None,
        gates_satisfied={"feelHeardConfirmed": True, "empathy": {"attempts": 2}},
    )
    vessel = UserVessel(
        id=new_id("ves"),
        session_id=session.id,
        user_id=full_user.id,
        created_at=T0,
        creation_context="we argue about chores",
        last_viewed_at=at(4),
        last_seen_chat_item_id="msg_x",
        archived_at=at(9),
    )
    shared = SharedVessel(id=new_id("shv"), session_id=session.id, created_at=T0)
    message = make_message(session.id, full_user.id, None, 1, role=MessageRole.EMPATHY_STATEMENT)
    consent = ConsentRecord(
        id=new_id("con"),
        user_id=full_user.id,
        session_id=session.id,
        target_type=ConsentContentType.EMPATHY_ATTEMPT,
        target_id="att_1",
        created_at=T0,
        requested_by_user_id=bare_user.id,
        decision=ConsentDecision.GRANTED,
        decided_at=at(2),
        revoked_at=None,
        metadata={"reason": "ok", "n": 1},
    )
    bare_consent = ConsentRecord(
        id=new_id("con"),
        user_id=full_user.id,
        session_id=None,
        target_type=ConsentContentType.BOUNDARY,
        target_id=None,
        created_at=at(1),
    )
    reading = EmotionalReading(
        id=new_id("emo"),
        vessel_id=vessel.id,
        intensity=8,
        stage=1,
        timestamp=at(3),
        context="after the call",
    )
    delivered = make_event(
        session.id,
        status=OutboxStatus.DELIVERED,
        attempts=2,
        last_error="timeout",
        delivered_at=at(1),
        payload={"nested": {"a": [1, 2]}, "flag": True},
    )

    async with uow_factory() as uow:
        for user in (full_user, bare_user):
            await uow.users.insert_if_absent(user)
        await uow.relationships.add(relationship)
        await uow.relationships.add_member(member)
        await uow.relationships.add_member(bare_member)
        await uow.sessions.add(session)
        await uow.sessions.add(bare_session)
        await uow.invitations.add(invitation)
        await uow.progress.add(progress)
        await uow.vessels.add_user_vessel(vessel)
        await uow.vessels.add_shared_vessel(shared)
        await uow.messages.add(message)
        await uow.consents.add(consent)
        await uow.consents.add(bare_consent)
        await uow.emotions.add(reading)
        await uow.outbox.add(delivered)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(full_user.id) == full_user
        assert await uow.users.get(bare_user.id) == bare_user
        assert await uow.users.get_by_auth_subject(full_user.auth_subject) == full_user
        assert await uow.relationships.members(relationship.id) == [member, bare_member]
        assert await uow.sessions.get(session.id) == session
        assert await uow.sessions.get(bare_session.id) == bare_session
        assert await uow.invitations.get(invitation.id) == invitation
        assert await uow.progress.for_session(session.id) == [progress]
        assert await uow.vessels.user_vessel(session.id, full_user.id) == vessel
        assert await uow.messages.lane(session.id, full_user.id, limit=10) == [message]
        assert await uow.consents.for_user(full_user.id) == [consent, bare_consent]
        assert await uow.emotions.for_vessel(vessel.id, limit=10) == [reading]
        assert await uow.outbox.for_session(session.id) == [delivered]
        loaded_user = await uow.users.get(full_user.id)
    shared_rows = await SharedVesselTable.select().run()
    assert [from_row(SharedVessel, row) for row in shared_rows] == [shared]
    assert loaded_user is not None
    assert_all_utc(loaded_user)
    assert isinstance(loaded_user.privacy_preferences, dict)


async def test_updates_are_persisted_field_by_field(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    uow_factory = PiccoloUnitOfWorkFactory(db_engine)
    invitation = Invitation(
        id=new_id("inv"),
        session_id=pair.session.id,
        invited_by_id=pair.a.id,
        name=None,
        status=InvitationStatus.PENDING,
        created_at=T0,
        expires_at=at(60),
    )
    progress = StageProgress(
        id=new_id("stp"),
        session_id=pair.session.id,
        user_id=pair.a.id,
        stage=0,
        status=StageStatus.IN_PROGRESS,
        started_at=T0,
    )
    vessel = UserVessel(
        id=new_id("ves"), session_id=pair.session.id, user_id=pair.a.id, created_at=T0
    )
    async with uow_factory() as uow:
        await uow.invitations.add(invitation)
        await uow.progress.add(progress)
        await uow.vessels.add_user_vessel(vessel)
        await uow.commit()

    user = dataclasses.replace(
        pair.a,
        email="new@example.com",
        push_token="tok",
        biometric_enabled=True,
        last_mood_intensity=3,
        privacy_preferences={"allowSessionInvites": False},
        updated_at=at(9),
    )
    session = dataclasses.replace(
        pair.session,
        status=SessionStatus.PAUSED,
        topic_frame="money",
        topic_frame_confirmed_at=at(3),
        updated_at=at(3),
    )
    invitation = dataclasses.replace(
        invitation, status=InvitationStatus.ACCEPTED, accepted_at=at(2), message_confirmed=True
    )
    progress = dataclasses.replace(
        progress,
        status=StageStatus.COMPLETED,
        completed_at=at(4),
        gates_satisfied={"compactSigned": True},
    )
    vessel = dataclasses.replace(vessel, last_viewed_at=at(5), last_seen_chat_item_id="msg_9")
    member = RelationshipMember(pair.relationship.id, pair.a.id, T0, nickname="love")
    async with uow_factory() as uow:
        await uow.users.update(user)
        await uow.sessions.update(session)
        await uow.invitations.update(invitation)
        await uow.progress.update(progress)
        await uow.vessels.update_user_vessel(vessel)
        await uow.relationships.update_member(member)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(pair.a.id) == user
        assert not (await uow.users.get(pair.a.id)).allows_session_invites()  # type: ignore[union-attr]
        assert await uow.sessions.get(session.id) == session
        assert await uow.invitations.for_session(session.id) == invitation
        assert await uow.progress.for_session(session.id) == [progress]
        assert await uow.vessels.user_vessels_of(pair.a.id) == [vessel]
        assert member in await uow.relationships.memberships_of(pair.a.id)


async def test_message_lane_shows_only_my_rows_oldest_first(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid, a, b = pair.session.id, pair.a.id, pair.b.id
    a_said = make_message(sid, a, None, 1)
    ai_to_a = make_message(sid, None, a, 2)
    b_said = make_message(sid, b, None, 3)
    ai_to_b = make_message(sid, None, b, 4)
    # A's words delivered into B's lane (e.g. a shared empathy statement) belong to B's lane.
    a_to_b = make_message(sid, a, b, 5, role=MessageRole.SHARED_CONTEXT)
    a_later = make_message(sid, a, None, 6)
    elsewhere = make_message((await seed_pair(db_engine)).session.id, a, None, 7)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        for message in (a_later, ai_to_b, a_said, a_to_b, elsewhere, b_said, ai_to_a):
            await uow.messages.add(message)
        await uow.commit()

    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        assert await uow.messages.lane(sid, a, limit=50) == [a_said, ai_to_a, a_later]
        assert await uow.messages.lane(sid, b, limit=50) == [b_said, ai_to_b, a_to_b]
        # The newest `limit`, still oldest first; `before` pages back in time.
        assert await uow.messages.lane(sid, a, limit=2) == [ai_to_a, a_later]
        assert await uow.messages.lane(sid, a, limit=2, before=a_later.timestamp) == [
            a_said,
            ai_to_a,
        ]
        assert await uow.messages.lane(sid, a, limit=5, before=a_said.timestamp) == []

        assert await uow.messages.delete_lane(sid, a) == 3
        await uow.commit()
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        assert await uow.messages.lane(sid, a, limit=50) == []
        assert await uow.messages.lane(sid, b, limit=50) == [b_said, ai_to_b, a_to_b]
