"""The world of the Expo push tests: Alice and Bob in one session (Bob has a device, and calls
Alexandra "Lexi"), the Expo fake, and the push sink on the real SDK (both engines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.tables import UserTable
from mwf_core.adapters.push import RulePushPlanner
from mwf_core.adapters.push.directory import PushDirectory
from mwf_core.adapters.push.expo_sink import ExpoPushSink
from mwf_core.adapters.push.transport import ExpoTransport
from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent, Relationship, RelationshipMember, User
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult
from tests.fakes.expo import FakeExpo, running_fake_expo

from ..test_repositories import T0, make_session, make_user, new_id

ACCESS_TOKEN = "expo-access-token-for-tests"
BOB_TOKEN = "ExponentPushToken[bob-device]"
NOW = T0 + timedelta(hours=1)


class FakePresence:
    def __init__(self) -> None:
        self.present: set[tuple[str, str]] = set()
        self.asked: list[tuple[str, str]] = []

    async def is_present(self, session_id: str, user_id: str) -> bool:
        self.asked.append((session_id, user_id))
        return (session_id, user_id) in self.present


@dataclass
class World:
    engine: Engine
    expo: FakeExpo
    alice: User
    bob: User
    session_id: str
    relationship_id: str
    presence: FakePresence
    sink: ExpoPushSink
    transport: ExpoTransport
    directory: PushDirectory
    members: tuple[str, ...] = field(default=())

    def source(
        self,
        name: str,
        payload: dict[str, Any],
        channel: str | None = None,
        event_id: str | None = None,
    ) -> OutboxEvent:
        return OutboxEvent(
            id=event_id or new_id("evt"),
            session_id=self.session_id,
            channel=channel or events.session_channel(self.session_id),
            name=name,
            payload={"sessionId": self.session_id, "timestamp": 1, **payload},
            created_at=T0,
        )

    def push_rows(self, source: OutboxEvent) -> list[OutboxEvent]:
        return RulePushPlanner().derive(source, self.members)

    async def deliver(self, row: OutboxEvent, attempt: int = 1) -> DeliveryResult:
        return await self.sink.deliver(row, DeliveryContext(self.members, attempt))

    async def token_of(self, user_id: str) -> str | None:
        rows = await UserTable.select(UserTable.push_token).where(UserTable.id == user_id)
        return rows[0]["push_token"]

    async def set_user(self, user_id: str, **values: Any) -> None:
        async with PiccoloUnitOfWorkFactory(self.engine)() as uow:
            await uow.users.patch(user_id, T0, **values)
            await uow.commit()


@asynccontextmanager
async def open_world(db_engine: Engine) -> AsyncIterator[World]:
    alice = make_user(first_name="Alexandra", name="Alexandra Archer")
    bob = make_user(first_name="Bob", name="Bob Baker", push_token=BOB_TOKEN)
    relationship = Relationship(new_id("rel"), T0)
    session = make_session(relationship.id)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        for user in (alice, bob):
            await uow.users.insert_if_absent(user)
        await uow.relationships.add(relationship)
        await uow.relationships.add_member(RelationshipMember(relationship.id, alice.id, T0))
        # What Bob calls Alexandra.
        await uow.relationships.add_member(
            RelationshipMember(relationship.id, bob.id, T0, nickname="Lexi")
        )
        await uow.sessions.add(session)
        await uow.commit()
    async with running_fake_expo() as expo:
        transport = ExpoTransport(expo.url, ACCESS_TOKEN, workers=8, timeout=30)
        directory = PushDirectory(db_engine)
        presence = FakePresence()
        sink = ExpoPushSink(transport, directory, presence, now=lambda: NOW)
        try:
            yield World(
                db_engine,
                expo,
                alice,
                bob,
                session.id,
                relationship.id,
                presence,
                sink,
                transport,
                directory,
                (alice.id, bob.id),
            )
        finally:
            await sink.close()
