"""In-memory implementations of the repository Protocols (mwf_core.ports.repositories)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mwf_core.domain.enums import ConsentDecision, OutboxStatus, SessionStatus, TurnStatus
from mwf_core.domain.errors import DuplicateKey, NotFound
from mwf_core.domain.records import (
    ConsentRecord,
    ConversationMemory,
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
    Turn,
    User,
    UserVessel,
)

from .journey import InMemoryConsentedContent
from .store import _copy, _Table


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

    async def patch(self, user_id: str, at: datetime, **changes: Any) -> None:
        row = self._s.users.get(user_id)
        if row is None:
            return
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = at
        self._uow.dirty = True

    async def lock(self, user_id: str) -> None:
        """A no-op: one in-memory transaction runs at a time (the race runs on real databases)."""

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
        """A no-op (see `InMemoryUnitOfWork.wait_for_lock` for the optional race model)."""
        await self._uow.wait_for_lock()


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
            s
            for s in self._s.sessions.values()
            if s.relationship_id in relationship_ids and (statuses is None or s.status in statuses)
        ]
        return _copy(sorted(rows, key=lambda s: (s.created_at, s.id), reverse=True))

    async def delete(self, session_id: str) -> None:
        """Like ON DELETE CASCADE: everything hanging off the session goes with it."""
        s = self._s
        self._drop(s.sessions, lambda row: row.id != session_id)
        vessels = {v.id for v in s.user_vessels.values() if v.session_id == session_id}
        for table in (
            s.invitations,
            s.progress,
            s.user_vessels,
            s.shared_vessels,
            s.messages,
            s.empathy_drafts,
            s.proposals,
        ):
            self._drop(table, lambda row: row.session_id != session_id)
        self._drop(s.emotions, lambda row: row.vessel_id not in vessels)
        self._drop(s.needs, lambda row: row.vessel_id not in vessels)


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

    async def emails_queued_by(self, inviter_id: str, since: datetime) -> int:
        channels = {
            f"email:{i.id}"
            for i in self._s.invitations.values()
            if i.invited_by_id == inviter_id and i.invite_email
        }
        return sum(
            1
            for e in self._s.outbox.values()
            if e.channel in channels and e.name == "invitation.email" and e.created_at >= since
        )


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
        return _copy(
            next(
                (
                    v
                    for v in self._s.user_vessels.values()
                    if v.session_id == session_id and v.user_id == user_id
                ),
                None,
            )
        )

    async def user_vessels_of(self, user_id: str) -> list[UserVessel]:
        rows = [v for v in self._s.user_vessels.values() if v.user_id == user_id]
        return _copy(sorted(rows, key=lambda v: (v.created_at, v.id)))

    async def update_user_vessel(self, vessel: UserVessel) -> None:
        self._replace(self._s.user_vessels, vessel.id, vessel)

    async def delete_user_vessel(self, vessel_id: str) -> int:
        """Returns 1 when the vessel existed; its readings and needs go too (ON DELETE
        CASCADE), and so does its owner's empathy draft."""
        vessel = self._s.user_vessels.get(vessel_id)
        if vessel is not None:
            self._drop(
                self._s.empathy_drafts,
                lambda d: (d.session_id, d.user_id) != (vessel.session_id, vessel.user_id),
            )
        self._drop(self._s.emotions, lambda r: r.vessel_id != vessel_id)
        self._drop(self._s.needs, lambda n: n.vessel_id != vessel_id)
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

    async def get(self, message_id: str) -> Message | None:
        return _copy(self._s.messages.get(message_id))

    async def lane(
        self,
        session_id: str,
        user_id: str,
        limit: int,
        before: datetime | None = None,
        after: datetime | None = None,
        oldest_first: bool = False,
    ) -> list[Message]:
        rows = [
            m
            for m in self._s.messages.values()
            if _in_lane(m, session_id, user_id)
            and (before is None or m.timestamp < before)
            and (after is None or m.timestamp > after)
        ]
        rows.sort(key=lambda m: (m.timestamp, m.id))
        if limit <= 0:
            return []
        return _copy(rows[:limit] if oldest_first else rows[-limit:])

    async def delete_lane(self, session_id: str, user_id: str) -> int:
        return self._drop(self._s.messages, lambda m: not _in_lane(m, session_id, user_id))


class InMemoryConsentRepository(InMemoryConsentedContent):
    async def add(self, record: ConsentRecord) -> None:
        self._insert(self._s.consents, record.id, record)

    async def get(self, record_id: str) -> ConsentRecord | None:
        return _copy(self._s.consents.get(record_id))

    async def for_user(self, user_id: str) -> list[ConsentRecord]:
        rows = [c for c in self._s.consents.values() if c.user_id == user_id]
        return _copy(sorted(rows, key=lambda c: (c.created_at, c.id)))

    async def for_session(self, session_id: str, user_id: str) -> list[ConsentRecord]:
        rows = [
            c
            for c in self._s.consents.values()
            if c.user_id == user_id and c.session_id == session_id
        ]
        return _copy(sorted(rows, key=lambda c: (c.created_at, c.id)))

    async def decide(self, record_id: str, decision: ConsentDecision, at: datetime) -> bool:
        row = self._s.consents.get(record_id)
        if row is None or row.decision is not None:
            return False
        row.decision, row.decided_at = decision, at
        self._uow.dirty = True
        return True

    async def revoke(self, record_id: str, at: datetime) -> bool:
        row = self._s.consents.get(record_id)
        if row is None or row.decision is not ConsentDecision.GRANTED:
            return False
        row.decision, row.revoked_at = ConsentDecision.REVOKED, at
        self._uow.dirty = True
        return True


class InMemoryEmotionRepository(_Table):
    async def add(self, reading: EmotionalReading) -> None:
        if reading.vessel_id not in self._s.user_vessels:
            raise NotFound(f"vessel {reading.vessel_id} not found")
        self._insert(self._s.emotions, reading.id, reading)

    async def get(self, reading_id: str) -> EmotionalReading | None:
        return _copy(self._s.emotions.get(reading_id))

    async def for_vessel(self, vessel_id: str, limit: int) -> list[EmotionalReading]:
        rows = [r for r in self._s.emotions.values() if r.vessel_id == vessel_id]
        rows.sort(key=lambda r: (r.timestamp, r.id), reverse=True)
        return _copy(rows[: max(limit, 0)])


class InMemoryOutboxRepository(_Table):
    async def add(self, event: OutboxEvent) -> None:
        if not event.stream_key:
            from mwf_core.domain.events import stream_key

            event.stream_key = stream_key(event.channel, event.session_id)
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


class InMemoryTurnRepository(_Table):
    async def add(self, turn: Turn) -> None:
        if any(
            t.user_id == turn.user_id and t.request_id == turn.request_id
            for t in self._s.turns.values()
        ):
            raise DuplicateKey(f"turn for request {turn.request_id!r} already exists")
        self._insert(self._s.turns, turn.id, turn)

    async def get(self, turn_id: str) -> Turn | None:
        return _copy(self._s.turns.get(turn_id))

    async def by_request(self, user_id: str, request_id: str) -> Turn | None:
        found = [
            t for t in self._s.turns.values() if t.user_id == user_id and t.request_id == request_id
        ]
        return _copy(found[0]) if found else None

    async def claim(self, turn_id: str, now: datetime, lease_until: datetime) -> bool:
        turn = self._s.turns.get(turn_id)
        expired = (
            turn is not None
            and turn.status is TurnStatus.RUNNING
            and (turn.lease_expires_at is None or turn.lease_expires_at < now)
        )
        if turn is None or not (turn.status is TurnStatus.FAILED or expired):
            return False
        turn.status = TurnStatus.RUNNING
        turn.lease_expires_at = lease_until
        turn.attempts += 1
        turn.updated_at = now
        self._uow.dirty = True
        return True

    async def update(self, turn: Turn) -> None:
        self._replace(self._s.turns, turn.id, turn)


class InMemoryMemoryRepository(_Table):
    async def get(self, vessel_id: str) -> ConversationMemory | None:
        return _copy(self._s.memories.get(vessel_id))

    async def save(self, memory: ConversationMemory) -> None:
        if memory.vessel_id not in self._s.user_vessels:
            raise NotFound(f"vessel {memory.vessel_id} not found")
        self._s.memories[memory.vessel_id] = _copy(memory)
        self._uow.dirty = True
