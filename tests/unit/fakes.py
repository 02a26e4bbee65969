"""In-memory adapters for the core's ports: a transactional store, a clock and an id source.

    factory = InMemoryUnitOfWorkFactory()
    async with factory() as uow:        # works on a deep copy of the committed store
        await uow.users.insert_if_absent(user)
        await uow.commit()              # swaps the copy in; leaving without it rolls back
    factory.published                   # outbox events handed over after commit, in order

Rows are copied on the way in and out, like a database: a use case that changes a record and
forgets to call `update` loses the change. Unique rules follow the real schema. A commit whose
snapshot is stale (another unit of work committed writes in between) raises
`ConcurrencyConflict`, which the use-case runner retries. No I/O anywhere.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Self, TypeVar

from mwf_core.domain.enums import OutboxStatus, SessionStatus
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey, NotFound
from mwf_core.domain.records import (
    ConsentRecord,
    EmotionalReading,
    IdempotencyRecord,
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

R = TypeVar("R")


# --------------------------------------------------------------------------- system ports


class FakeClock:
    """`Clock`: a settable, advanceable aware-UTC time that never moves on its own."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
        self._check(self._now)

    @staticmethod
    def _check(value: datetime) -> None:
        if value.tzinfo is None or value.utcoffset() != timedelta(0):
            raise ValueError(f"FakeClock keeps aware UTC times only, not {value!r}")

    def now(self) -> datetime:
        return self._now

    def set(self, value: datetime) -> None:
        self._check(value)
        self._now = value

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class SequentialIds:
    """`IdGenerator`: "id-0001", "id-0002", ... (so ids also sort in creation order)."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"{self._prefix}-{next(self._counter):04d}"


# --------------------------------------------------------------------------- the store


@dataclass
class Store:
    """Every table, keyed like the database's primary keys."""

    users: dict[str, User] = field(default_factory=dict)
    relationships: dict[str, Relationship] = field(default_factory=dict)
    members: dict[tuple[str, str], RelationshipMember] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    progress: dict[str, StageProgress] = field(default_factory=dict)
    user_vessels: dict[str, UserVessel] = field(default_factory=dict)
    shared_vessels: dict[str, SharedVessel] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    consents: dict[str, ConsentRecord] = field(default_factory=dict)
    emotions: dict[str, EmotionalReading] = field(default_factory=dict)
    outbox: dict[str, OutboxEvent] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)


def _copy(record: R) -> R:
    return copy.deepcopy(record)


class _Table:
    """Shared plumbing: every repository reads and writes the unit of work's working copy."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _s(self) -> Store:
        return self._uow.working

    def _insert(self, table: dict[Any, Any], key: Any, record: Any) -> None:
        if key in table:
            raise DuplicateKey(f"{type(record).__name__} {key!r} already exists")
        table[key] = _copy(record)
        self._uow.dirty = True

    def _replace(self, table: dict[Any, Any], key: Any, record: Any) -> None:
        if key not in table:
            raise NotFound(f"{type(record).__name__} {key!r} not found")
        table[key] = _copy(record)
        self._uow.dirty = True

    def _drop(self, table: dict[Any, Any], keep: Callable[[Any], bool]) -> int:
        doomed = [key for key, row in table.items() if not keep(row)]
        for key in doomed:
            del table[key]
        if doomed:
            self._uow.dirty = True
        return len(doomed)

    @staticmethod
    def _unique(rows: Iterable[Any], record: Any, *fields: str) -> None:
        """DuplicateKey when another row has the same non-null values in `fields`."""
        values = tuple(getattr(record, name) for name in fields)
        if any(value is None for value in values):
            return
        for row in rows:
            if row.id != record.id and tuple(getattr(row, n) for n in fields) == values:
                raise DuplicateKey(f"{type(record).__name__}: duplicate {fields}={values}")


# --------------------------------------------------------------------------- repositories


class InMemoryUserRepository(_Table):
    async def get(self, user_id: str) -> User | None:
        return _copy(self._s.users.get(user_id))

    async def get_many(self, user_ids: list[str]) -> dict[str, User]:
        return {i: _copy(self._s.users[i]) for i in set(user_ids) if i in self._s.users}

    async def get_by_auth_subject(self, subject: str) -> User | None:
        found = next((u for u in self._s.users.values() if u.auth_subject == subject), None)
        return _copy(found)

    async def insert_if_absent(self, user: User) -> None:
        """Skips, without error, when the id, auth subject or email is already taken."""
        try:
            self._check_unique(user)
        except DuplicateKey:
            return
        if user.id not in self._s.users:
            self._insert(self._s.users, user.id, user)

    async def add(self, user: User) -> None:
        """Test helper (not in the port): insert or raise DuplicateKey."""
        self._check_unique(user)
        self._insert(self._s.users, user.id, user)

    async def update(self, user: User) -> None:
        self._check_unique(user)
        self._replace(self._s.users, user.id, user)

    def _check_unique(self, user: User) -> None:
        self._unique(self._s.users.values(), user, "auth_subject")
        self._unique(self._s.users.values(), user, "email")


class InMemoryRelationshipRepository(_Table):
    async def add(self, relationship: Relationship) -> None:
        self._insert(self._s.relationships, relationship.id, relationship)

    async def add_member(self, member: RelationshipMember) -> None:
        if member.relationship_id not in self._s.relationships:
            raise NotFound(f"relationship {member.relationship_id} not found")
        self._insert(self._s.members, (member.relationship_id, member.user_id), member)

    async def members(self, relationship_id: str) -> list[RelationshipMember]:
        rows = [m for m in self._s.members.values() if m.relationship_id == relationship_id]
        return _copy(sorted(rows, key=lambda m: (m.joined_at, m.user_id)))

    async def memberships_of(self, user_id: str) -> list[RelationshipMember]:
        rows = [m for m in self._s.members.values() if m.user_id == user_id]
        return _copy(sorted(rows, key=lambda m: (m.joined_at, m.relationship_id)))

    async def update_member(self, member: RelationshipMember) -> None:
        self._replace(self._s.members, (member.relationship_id, member.user_id), member)

    async def lock(self, relationship_id: str) -> None:
        """A no-op: units of work here run one at a time between awaits."""


class InMemorySessionRepository(_Table):
    async def add(self, session: Session) -> None:
        self._insert(self._s.sessions, session.id, session)

    async def get(self, session_id: str) -> Session | None:
        return _copy(self._s.sessions.get(session_id))

    async def update(self, session: Session) -> None:
        self._replace(self._s.sessions, session.id, session)

    async def for_relationships(
        self, relationship_ids: list[str], statuses: frozenset[SessionStatus] | None = None
    ) -> list[Session]:
        rows = [
            s for s in self._s.sessions.values()
            if s.relationship_id in relationship_ids and (statuses is None or s.status in statuses)
        ]
        return _copy(sorted(rows, key=lambda s: (s.created_at, s.id), reverse=True))

    async def delete(self, session_id: str) -> None:
        """Like ON DELETE CASCADE: everything hanging off the session goes with it."""
        s = self._s
        self._drop(s.sessions, lambda row: row.id != session_id)
        vessels = {v.id for v in s.user_vessels.values() if v.session_id == session_id}
        for table in (s.invitations, s.progress, s.user_vessels, s.shared_vessels, s.messages):
            self._drop(table, lambda row: row.session_id != session_id)
        self._drop(s.emotions, lambda row: row.vessel_id not in vessels)


class InMemoryInvitationRepository(_Table):
    async def add(self, invitation: Invitation) -> None:
        self._insert(self._s.invitations, invitation.id, invitation)

    async def get(self, invitation_id: str) -> Invitation | None:
        return _copy(self._s.invitations.get(invitation_id))

    async def for_session(self, session_id: str) -> Invitation | None:
        rows = [i for i in self._s.invitations.values() if i.session_id == session_id]
        return _copy(max(rows, key=lambda i: (i.created_at, i.id), default=None))

    async def update(self, invitation: Invitation) -> None:
        self._replace(self._s.invitations, invitation.id, invitation)


class InMemoryStageProgressRepository(_Table):
    async def add(self, progress: StageProgress) -> None:
        self._unique(self._s.progress.values(), progress, "session_id", "user_id", "stage")
        self._insert(self._s.progress, progress.id, progress)

    async def for_session(self, session_id: str) -> list[StageProgress]:
        rows = [p for p in self._s.progress.values() if p.session_id == session_id]
        return _copy(sorted(rows, key=lambda p: (p.stage, p.user_id)))

    async def update(self, progress: StageProgress) -> None:
        self._unique(self._s.progress.values(), progress, "session_id", "user_id", "stage")
        self._replace(self._s.progress, progress.id, progress)

    async def delete_for_user(self, session_id: str, user_id: str) -> int:
        return self._drop(
            self._s.progress, lambda p: not (p.session_id == session_id and p.user_id == user_id)
        )


class InMemoryVesselRepository(_Table):
    async def add_user_vessel(self, vessel: UserVessel) -> None:
        self._unique(self._s.user_vessels.values(), vessel, "session_id", "user_id")
        self._insert(self._s.user_vessels, vessel.id, vessel)

    async def user_vessel(self, session_id: str, user_id: str) -> UserVessel | None:
        return _copy(next(
            (v for v in self._s.user_vessels.values()
             if v.session_id == session_id and v.user_id == user_id),
            None,
        ))

    async def user_vessels_of(self, user_id: str) -> list[UserVessel]:
        rows = [v for v in self._s.user_vessels.values() if v.user_id == user_id]
        return _copy(sorted(rows, key=lambda v: (v.created_at, v.id)))

    async def update_user_vessel(self, vessel: UserVessel) -> None:
        self._replace(self._s.user_vessels, vessel.id, vessel)

    async def delete_user_vessel(self, vessel_id: str) -> int:
        """Returns 1 when the vessel existed; its readings go too (ON DELETE CASCADE)."""
        self._drop(self._s.emotions, lambda r: r.vessel_id != vessel_id)
        return self._drop(self._s.user_vessels, lambda v: v.id != vessel_id)

    async def add_shared_vessel(self, vessel: SharedVessel) -> None:
        self._unique(self._s.shared_vessels.values(), vessel, "session_id")
        self._insert(self._s.shared_vessels, vessel.id, vessel)


def _in_lane(message: Message, session_id: str, user_id: str) -> bool:
    mine = message.sender_id == user_id and message.for_user_id is None
    return message.session_id == session_id and (mine or message.for_user_id == user_id)


class InMemoryMessageRepository(_Table):
    async def add(self, message: Message) -> None:
        self._insert(self._s.messages, message.id, message)

    async def lane(
        self, session_id: str, user_id: str, limit: int, before: datetime | None = None
    ) -> list[Message]:
        rows = [
            m for m in self._s.messages.values()
            if _in_lane(m, session_id, user_id) and (before is None or m.timestamp < before)
        ]
        rows.sort(key=lambda m: (m.timestamp, m.id))
        return _copy(rows[-limit:] if limit > 0 else [])

    async def delete_lane(self, session_id: str, user_id: str) -> int:
        return self._drop(self._s.messages, lambda m: not _in_lane(m, session_id, user_id))


class InMemoryConsentRepository(_Table):
    async def add(self, record: ConsentRecord) -> None:
        self._insert(self._s.consents, record.id, record)

    async def for_user(self, user_id: str) -> list[ConsentRecord]:
        rows = [c for c in self._s.consents.values() if c.user_id == user_id]
        return _copy(sorted(rows, key=lambda c: (c.created_at, c.id)))


class InMemoryEmotionRepository(_Table):
    async def add(self, reading: EmotionalReading) -> None:
        if reading.vessel_id not in self._s.user_vessels:
            raise NotFound(f"vessel {reading.vessel_id} not found")
        self._insert(self._s.emotions, reading.id, reading)

    async def for_vessel(self, vessel_id: str, limit: int) -> list[EmotionalReading]:
        rows = [r for r in self._s.emotions.values() if r.vessel_id == vessel_id]
        rows.sort(key=lambda r: (r.timestamp, r.id), reverse=True)
        return _copy(rows[: max(limit, 0)])


class InMemoryOutboxRepository(_Table):
    async def add(self, event: OutboxEvent) -> None:
        self._insert(self._s.outbox, event.id, event)
        self._uow.added_events.append(_copy(event))

    async def pending(self, limit: int) -> list[OutboxEvent]:
        rows = [e for e in self._s.outbox.values() if e.status is OutboxStatus.PENDING]
        return _copy(sorted(rows, key=lambda e: (e.created_at, e.id))[: max(limit, 0)])

    async def for_session(self, session_id: str) -> list[OutboxEvent]:
        rows = [e for e in self._s.outbox.values() if e.session_id == session_id]
        return _copy(sorted(rows, key=lambda e: (e.created_at, e.id)))


class InMemoryIdempotencyRepository(_Table):
    async def get(self, user_id: str, request_id: str) -> IdempotencyRecord | None:
        return _copy(self._s.idempotency.get((user_id, request_id)))

    async def add(self, record: IdempotencyRecord) -> None:
        self._insert(self._s.idempotency, (record.user_id, record.request_id), record)


# --------------------------------------------------------------------------- unit of work


class InMemoryUnitOfWork:
    """`UnitOfWork` over an `InMemoryUnitOfWorkFactory`'s committed store."""

    def __init__(self, factory: InMemoryUnitOfWorkFactory) -> None:
        self._factory = factory
        self._entered = False
        self._start_version = -1
        self.working = Store()
        self.dirty = False
        self.committed = False
        self.added_events: list[OutboxEvent] = []
        self.users = InMemoryUserRepository(self)
        self.relationships = InMemoryRelationshipRepository(self)
        self.sessions = InMemorySessionRepository(self)
        self.invitations = InMemoryInvitationRepository(self)
        self.progress = InMemoryStageProgressRepository(self)
        self.vessels = InMemoryVesselRepository(self)
        self.messages = InMemoryMessageRepository(self)
        self.consents = InMemoryConsentRepository(self)
        self.emotions = InMemoryEmotionRepository(self)
        self.outbox = InMemoryOutboxRepository(self)
        self.idempotency = InMemoryIdempotencyRepository(self)

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a unit of work is single-use")
        self._entered = True
        self.working = copy.deepcopy(self._factory.store)
        self._start_version = self._factory.version
        self._factory.opened += 1
        return self

    async def commit(self) -> None:
        if not self._entered or self.committed:
            raise RuntimeError("commit() only once, inside `async with`")
        if self._factory.fail_commits > 0:
            self._factory.fail_commits -= 1
            raise ConcurrencyConflict("injected serialization failure")
        if self.dirty:
            if self._factory.version != self._start_version:
                raise ConcurrencyConflict("another unit of work committed first")
            self._factory.store = self.working
            self._factory.version += 1
        self.committed = True

    async def __aexit__(self, *exc_info: Any) -> None:
        # Without commit() the working copy is simply dropped: that is the rollback.
        if self.committed and self.added_events:
            self._factory.published.extend(self.added_events)


class InMemoryUnitOfWorkFactory:
    """`UnitOfWorkFactory`. `published` is the on-commit sink: outbox events, in the order
    they were added, appended only once their unit of work has committed."""

    def __init__(self) -> None:
        self.store = Store()
        self.version = 0
        self.published: list[OutboxEvent] = []
        self.opened = 0
        self.fail_commits = 0  # set > 0 to make the next commits raise ConcurrencyConflict

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)

    def published_names(self) -> list[str]:
        return [event.name for event in self.published]
