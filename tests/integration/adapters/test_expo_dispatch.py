"""Push through the real dispatcher (both engines): a committed session row is sequenced, its
push row derived in the same transaction, and delivered to the Expo fake once - the source
stream and the push stream apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.outbox.dispatcher import DispatcherConfig, OutboxDispatcher
from mwf_core.adapters.push import RulePushPlanner, push_row_id
from mwf_core.adapters.push.directory import PushDirectory
from mwf_core.adapters.push.expo_sink import ExpoPushSink
from mwf_core.adapters.push.transport import ExpoTransport
from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent, Relationship, RelationshipMember
from tests.fakes.expo import FakeExpo, running_fake_expo
from tests.fakes.recorder import RecordingSink

from ..test_repositories import make_session, make_user, new_id

BOB_TOKEN = "ExponentPushToken[bob]"


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class _Presence:
    def __init__(self) -> None:
        self.present: set[str] = set()

    async def is_present(self, session_id: str, user_id: str) -> bool:
        return user_id in self.present


@dataclass
class Rig:
    engine: Engine
    expo: FakeExpo
    dispatcher: OutboxDispatcher
    realtime: RecordingSink
    presence: _Presence
    alice: str
    bob: str
    session_id: str

    async def commit_event(self, name: str, payload: dict[str, object]) -> OutboxEvent:
        event = OutboxEvent(
            new_id("evt"),
            self.session_id,
            events.session_channel(self.session_id),
            name,
            {"sessionId": self.session_id, **payload},
            datetime.now(UTC),
        )
        async with PiccoloUnitOfWorkFactory(self.engine)() as uow:
            await uow.outbox.add(event)
            await uow.commit()
        return event

    async def row(self, row_id: str) -> dict[str, object]:
        rows = await OutboxTable.select().where(OutboxTable.id == row_id)
        return rows[0]


@pytest.fixture
async def rig(db_engine: Engine) -> AsyncIterator[Rig]:
    alice, bob = make_user(first_name="Alice"), make_user(first_name="Bob", push_token=BOB_TOKEN)
    relationship = Relationship(new_id("rel"), alice.created_at)
    session = make_session(relationship.id)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        for user in (alice, bob):
            await uow.users.insert_if_absent(user)
        await uow.relationships.add(relationship)
        for user in (alice, bob):
            await uow.relationships.add_member(
                RelationshipMember(relationship.id, user.id, alice.created_at)
            )
        await uow.sessions.add(session)
        await uow.commit()
    async with running_fake_expo() as expo:
        presence = _Presence()
        sink = ExpoPushSink(
            ExpoTransport(expo.url, "tok", workers=8, timeout=5), PushDirectory(db_engine), presence
        )
        realtime = RecordingSink(name="realtime", prefixes=("session:", "user:"))
        dispatcher = OutboxDispatcher(
            db_engine,
            [realtime, sink],
            _Clock(),
            DispatcherConfig(backoff_base_ms=1, backoff_max_ms=1),
            planner=RulePushPlanner(),
        )
        try:
            yield Rig(db_engine, expo, dispatcher, realtime, presence, alice.id, bob.id, session.id)
        finally:
            await dispatcher.close()


async def test_a_session_event_pushes_the_partner_exactly_once(rig: Rig) -> None:
    source = await rig.commit_event(events.SESSION_PAUSED, {"pausedBy": rig.alice})
    await rig.dispatcher.run_once()
    await rig.dispatcher.run_once()

    push_id = push_row_id(source.id, rig.bob)
    [message] = rig.expo.messages
    assert message["to"] == BOB_TOKEN
    assert message["body"] == "Alice paused the session for now."
    assert message["data"]["eventId"] == push_id
    pushed = await rig.row(push_id)
    assert (pushed["status"], pushed["external_id"], pushed["parent_id"], pushed["channel"]) == (
        "DELIVERED",
        "ticket-1",
        source.id,
        f"push:{rig.bob}",
    )
    assert pushed["seq"] == 1
    assert (await rig.row(source.id))["status"] == "DELIVERED"
    assert [a.event.id for a in rig.realtime.attempts] == [source.id]


async def test_a_present_partner_is_not_pushed_and_expo_outages_are_retried(rig: Rig) -> None:
    rig.presence.present.add(rig.bob)
    quiet = await rig.commit_event(events.SESSION_RESUMED, {"resumedBy": rig.alice})
    await rig.dispatcher.run_once()
    assert rig.expo.requests == []
    assert (await rig.row(push_row_id(quiet.id, rig.bob)))["status"] == "DELIVERED"

    rig.presence.present.clear()
    rig.expo.fail_next(1, 503)
    loud = await rig.commit_event(events.SESSION_PAUSED, {"pausedBy": rig.alice})
    push_id = push_row_id(loud.id, rig.bob)
    for _ in range(100):  # the backoff is 1 ms here
        await rig.dispatcher.run_once()
        if (await rig.row(push_id))["status"] == "DELIVERED":
            break
    done = await rig.row(push_id)
    assert (done["status"], done["attempts"]) == ("DELIVERED", 2)
    assert [m["data"]["eventId"] for m in rig.expo.messages] == [push_id, push_id]
