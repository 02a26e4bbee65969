"""Use cases wired to in-memory fakes, two partners (Alice invites, Bob is invited) and a
stranger (Carol), plus helpers that walk a session through stage 0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mwf_core.domain.enums import SessionStatus
from mwf_core.domain.records import User
from mwf_core.ports.auth import Identity
from mwf_core.usecases.emotions import EmotionUseCases
from mwf_core.usecases.identity import IdentityUseCases
from mwf_core.usecases.invitations import InvitationUseCases
from mwf_core.usecases.journey import JourneyUseCases
from mwf_core.usecases.lifecycle import LifecycleUseCases
from mwf_core.usecases.people import PeopleUseCases
from mwf_core.usecases.runtime import Dependencies
from mwf_core.usecases.session_creation import CreateSessionRequest
from mwf_core.usecases.sessions import SessionUseCases
from mwf_core.usecases.stage0 import Stage0UseCases

from .fakes import FakeClock, InMemoryUnitOfWorkFactory, SequentialIds, Store

APP_URL = "https://app.example.test"

ALICE = Identity("user_alice", "alice@example.com", "Alice", "Archer")
BOB = Identity("user_bob", "bob@example.com", "Bob", "Baker")
CAROL = Identity("user_carol", "carol@example.com", "Carol", "Cole")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def uow_factory() -> InMemoryUnitOfWorkFactory:
    return InMemoryUnitOfWorkFactory()


@pytest.fixture
def deps(uow_factory: InMemoryUnitOfWorkFactory, clock: FakeClock,
         ids: SequentialIds) -> Dependencies:
    return Dependencies(uow=uow_factory, clock=clock, ids=ids, app_url=APP_URL)


@dataclass
class App:
    """Every use case over one set of fakes."""

    deps: Dependencies
    db: InMemoryUnitOfWorkFactory
    clock: FakeClock
    identity: IdentityUseCases
    sessions: SessionUseCases
    stage0: Stage0UseCases
    invitations: InvitationUseCases
    lifecycle: LifecycleUseCases
    people: PeopleUseCases
    emotions: EmotionUseCases

    @property
    def store(self) -> Store:
        """The committed state (read it, do not change it)."""
        return self.db.store

    def events(self, name: str | None = None) -> list[Any]:
        return [e for e in self.db.published if name is None or e.name == name]

    async def set_status(self, session_id: str, status: SessionStatus) -> None:
        """Force a session's status, as a later stage or the retention sweep would."""
        async with self.db() as uow:
            session = await uow.sessions.get(session_id)
            assert session is not None
            session.status = status
            await uow.sessions.update(session)
            await uow.commit()

    async def create(self, actor: User, invite_name: str = "Bob", context: str = "",
                     **fields: str) -> Any:
        request = CreateSessionRequest(invite_name=invite_name, context=context, **fields)
        return await self.sessions.create(actor, request)

    async def invite(self, inviter: User, invite_name: str = "Bob",
                     context: str = "We keep arguing about chores.") -> tuple[str, str]:
        """Inviter creates, signs and confirms the frame and invitation: (session, invitation)."""
        created = await self.create(inviter, invite_name, context)
        session_id = created.view.session.id
        await self.stage0.sign_compact(inviter, session_id, True)
        await self.stage0.confirm_topic_frame(inviter, session_id)
        await self.stage0.confirm_invitation(inviter, session_id)
        return session_id, created.invitation_id

    async def activate(self, inviter: User, invitee: User) -> tuple[str, str]:
        """`invite`, then the invitee accepts and signs: an ACTIVE session at stage 1."""
        session_id, invitation_id = await self.invite(inviter)
        await self.invitations.accept(invitee, invitation_id)
        await self.stage0.sign_compact(invitee, session_id, True)
        return session_id, invitation_id


@pytest.fixture
def app(deps: Dependencies, uow_factory: InMemoryUnitOfWorkFactory, clock: FakeClock) -> App:
    return App(
        deps=deps,
        db=uow_factory,
        clock=clock,
        identity=IdentityUseCases(deps),
        sessions=SessionUseCases(deps),
        stage0=Stage0UseCases(deps),
        invitations=InvitationUseCases(deps),
        lifecycle=LifecycleUseCases(deps),
        people=PeopleUseCases(deps),
        emotions=EmotionUseCases(deps),
    )


@pytest.fixture
async def alice(app: App) -> User:
    """The inviter."""
    return await app.identity.ensure_user(ALICE)


@pytest.fixture
async def bob(app: App, alice: User) -> User:
    """The invitee (created after Alice, so ids keep a stable order)."""
    return await app.identity.ensure_user(BOB)


@pytest.fixture
async def carol(app: App, bob: User) -> User:
    """A stranger to Alice and Bob's sessions."""
    return await app.identity.ensure_user(CAROL)


@pytest.fixture
async def invited(app: App, alice: User, bob: User) -> tuple[str, str]:
    """(session id, invitation id): Alice has done all of stage 0, Bob has not joined."""
    return await app.invite(alice)


@pytest.fixture
async def active(app: App, alice: User, bob: User) -> tuple[str, str]:
    """(session id, invitation id): both partners past stage 0, session ACTIVE."""
    return await app.activate(alice, bob)


@pytest.fixture
def journey(app: App) -> JourneyUseCases:
    return JourneyUseCases(app.deps, None)  # type: ignore[arg-type]  # no model calls here
