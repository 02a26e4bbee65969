"""Piccolo implementations of the repository Protocols in mwf_core.ports.repositories.

Each method runs on the engine's current transaction when called inside a PiccoloUnitOfWork
(Piccolo tracks it in a context variable), and in autocommit mode otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.custom_types import Combinable

from mwf_core.domain import events
from mwf_core.domain.enums import ConsentDecision, OutboxStatus, SessionStatus, TurnStatus
from mwf_core.domain.errors import DuplicateKey
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
    Turn,
    User,
    UserVessel,
)

from .engine import is_postgres
from .journey_repositories import PiccoloConsentedContent
from .mapping import TableRepository, run, to_row, to_utc
from .tables import (
    ConsentRecordTable,
    EmotionalReadingTable,
    EmpathyDraftTable,
    IdempotencyKeyTable,
    InvitationTable,
    MessageTable,
    OutboxTable,
    RelationshipMemberTable,
    RelationshipTable,
    SessionTable,
    SharedVesselTable,
    StageProgressTable,
    TurnTable,
    UserTable,
    UserVesselTable,
    idempotency_key,
    member_key,
)


class PiccoloUserRepository(TableRepository):
    table = UserTable
    record = User

    async def get(self, user_id: str) -> User | None:
        return await self._first(UserTable.id == user_id)

    async def get_many(self, user_ids: list[str]) -> dict[str, User]:
        if not user_ids:
            return {}
        users = await self._select(UserTable.id.is_in(list(set(user_ids))))
        return {user.id: user for user in users}

    async def get_by_auth_subject(self, subject: str) -> User | None:
        return await self._first(UserTable.auth_subject == subject)

    async def insert_if_absent(self, user: User) -> None:
        # Two first requests from one new account race here. ON CONFLICT turns the loser into a
        # no-op (PostgreSQL makes it wait for the winner's commit) instead of an error that, on
        # PostgreSQL, would also abort the caller's transaction.
        inserted = await run(
            UserTable.insert(UserTable(**to_row(user)))
            .on_conflict(action="DO NOTHING")
            .returning(UserTable.id)
        )
        if inserted or await self.get_by_auth_subject(user.auth_subject) is not None:
            return
        # The conflict was on the id or the email: a different account, a real duplicate.
        raise DuplicateKey("users: another account has this id or email")

    async def update(self, user: User) -> None:
        await self._update(user)

    async def patch(self, user_id: str, at: datetime, **changes: Any) -> None:
        values = {UserTable._meta.get_column_by_name(name): value
                  for name, value in changes.items()}
        values[UserTable.updated_at] = to_utc(at)
        await run(UserTable.update(values).where(UserTable.id == user_id))


class PiccoloRelationshipRepository(TableRepository):
    table = RelationshipTable
    record = Relationship

    async def add(self, relationship: Relationship) -> None:
        await self._insert(relationship)

    async def add_member(self, member: RelationshipMember) -> None:
        await _Members()._insert_row(_member_row(member))

    async def members(self, relationship_id: str) -> list[RelationshipMember]:
        return await _Members()._select(
            RelationshipMemberTable.relationship_id == relationship_id,
            order_by=(RelationshipMemberTable.joined_at, RelationshipMemberTable.user_id),
        )

    async def memberships_of(self, user_id: str) -> list[RelationshipMember]:
        return await _Members()._select(
            RelationshipMemberTable.user_id == user_id,
            order_by=(RelationshipMemberTable.joined_at, RelationshipMemberTable.relationship_id),
        )

    async def update_member(self, member: RelationshipMember) -> None:
        where = (RelationshipMemberTable.relationship_id == member.relationship_id) & (
            RelationshipMemberTable.user_id == member.user_id
        )
        await _Members()._update_row(where, _member_row(member), "relationship member")

    async def lock(self, relationship_id: str) -> None:
        engine = RelationshipTable._meta.db
        if engine.current_transaction.get() is None:
            raise RuntimeError("relationships.lock() only works inside a unit of work")
        if not is_postgres(engine):
            # SQLite: the unit of work's BEGIN IMMEDIATE already holds the database's single
            # write lock, so writers are serialised before they get here.
            return
        await run(
            RelationshipTable.select(RelationshipTable.id)
            .where(RelationshipTable.id == relationship_id)
            .lock_rows()
        )


class _Members(TableRepository):
    table = RelationshipMemberTable
    record = RelationshipMember


def _member_row(member: RelationshipMember) -> dict[str, object]:
    return {"id": member_key(member.relationship_id, member.user_id), **to_row(member)}


class PiccoloSessionRepository(TableRepository):
    table = SessionTable
    record = Session

    async def add(self, session: Session) -> None:
        await self._insert(session)

    async def get(self, session_id: str) -> Session | None:
        return await self._first(SessionTable.id == session_id)

    async def update(self, session: Session) -> None:
        await self._update(session)

    async def for_relationships(
        self, relationship_ids: list[str], statuses: frozenset[SessionStatus] | None = None
    ) -> list[Session]:
        if not relationship_ids or (statuses is not None and not statuses):
            return []
        where: Combinable = SessionTable.relationship_id.is_in(list(set(relationship_ids)))
        if statuses is not None:
            where = where & SessionTable.status.is_in(sorted(s.value for s in statuses))
        return await self._select(
            where, order_by=(SessionTable.created_at, SessionTable.id), ascending=False
        )

    async def delete(self, session_id: str) -> None:
        # Invitation, progress, vessels, messages and readings go with it (ON DELETE CASCADE).
        await self._delete(SessionTable.id == session_id)


class PiccoloInvitationRepository(TableRepository):
    table = InvitationTable
    record = Invitation

    async def add(self, invitation: Invitation) -> None:
        await self._insert(invitation)

    async def get(self, invitation_id: str) -> Invitation | None:
        return await self._first(InvitationTable.id == invitation_id)

    async def for_session(self, session_id: str) -> Invitation | None:
        found = await self._select(
            InvitationTable.session_id == session_id,
            order_by=(InvitationTable.created_at, InvitationTable.id),
            ascending=False,
            limit=1,
        )
        return found[0] if found else None

    async def update(self, invitation: Invitation) -> None:
        await self._update(invitation)

    async def emails_queued_by(self, inviter_id: str, since: datetime) -> int:
        # The email row's channel is `email:<invitation id>` (events.email_channel).
        invitations = await run(
            InvitationTable.select(InvitationTable.id).where(
                (InvitationTable.invited_by_id == inviter_id)
                & InvitationTable.invite_email.is_not_null()
            )
        )
        channels = [events.email_channel(row["id"]) for row in invitations]
        if not channels:
            return 0
        return int(await run(
            OutboxTable.count().where(
                (OutboxTable.name == events.INVITATION_EMAIL)
                & (OutboxTable.created_at >= to_utc(since))
                & OutboxTable.channel.is_in(channels)
            )
        ))


class PiccoloStageProgressRepository(TableRepository):
    table = StageProgressTable
    record = StageProgress

    async def add(self, progress: StageProgress) -> None:
        await self._insert(progress)

    async def for_session(self, session_id: str) -> list[StageProgress]:
        return await self._select(
            StageProgressTable.session_id == session_id,
            order_by=(StageProgressTable.stage, StageProgressTable.user_id),
        )

    async def update(self, progress: StageProgress) -> None:
        await self._update(progress)

    async def delete_for_user(self, session_id: str, user_id: str) -> int:
        return await self._delete(
            (StageProgressTable.session_id == session_id) & (StageProgressTable.user_id == user_id)
        )


class PiccoloVesselRepository(TableRepository):
    table = UserVesselTable
    record = UserVessel

    async def add_user_vessel(self, vessel: UserVessel) -> None:
        await self._insert(vessel)

    async def user_vessel(self, session_id: str, user_id: str) -> UserVessel | None:
        return await self._first(
            (UserVesselTable.session_id == session_id) & (UserVesselTable.user_id == user_id)
        )

    async def user_vessels_of(self, user_id: str) -> list[UserVessel]:
        return await self._select(
            UserVesselTable.user_id == user_id,
            order_by=(UserVesselTable.created_at, UserVesselTable.id),
        )

    async def update_user_vessel(self, vessel: UserVessel) -> None:
        await self._update(vessel)

    async def delete_user_vessel(self, vessel_id: str) -> int:
        """Returns 1 when the vessel existed. Its readings and needs go by ON DELETE CASCADE;
        the owner's empathy draft (keyed by session and user, not vessel) is deleted here."""
        vessel = await self._first(UserVesselTable.id == vessel_id)
        if vessel is not None:
            await run(EmpathyDraftTable.delete().where(
                (EmpathyDraftTable.session_id == vessel.session_id)
                & (EmpathyDraftTable.user_id == vessel.user_id)
            ))
        return await self._delete(UserVesselTable.id == vessel_id)

    async def add_shared_vessel(self, vessel: SharedVessel) -> None:
        await _SharedVessels()._insert(vessel)


class _SharedVessels(TableRepository):
    table = SharedVesselTable
    record = SharedVessel


def _lane(session_id: str, user_id: str) -> Combinable:
    mine = (MessageTable.sender_id == user_id) & MessageTable.for_user_id.is_null()
    return (MessageTable.session_id == session_id) & (mine | (MessageTable.for_user_id == user_id))


class PiccoloMessageRepository(TableRepository):
    table = MessageTable
    record = Message

    async def add(self, message: Message) -> None:
        await self._insert(message)

    async def get(self, message_id: str) -> Message | None:
        return await self._first(MessageTable.id == message_id)

    async def lane(
        self,
        session_id: str,
        user_id: str,
        limit: int,
        before: datetime | None = None,
        after: datetime | None = None,
        oldest_first: bool = False,
    ) -> list[Message]:
        where = _lane(session_id, user_id)
        if before is not None:
            where = where & (MessageTable.timestamp < to_utc(before))
        if after is not None:
            where = where & (MessageTable.timestamp > to_utc(after))
        page = await self._select(
            where,
            order_by=(MessageTable.timestamp, MessageTable.id),
            ascending=oldest_first,
            limit=max(limit, 0),
        )
        # Whichever end the page was taken from, it is read chronologically.
        return page if oldest_first else list(reversed(page))

    async def delete_lane(self, session_id: str, user_id: str) -> int:
        return await self._delete(_lane(session_id, user_id))


class PiccoloConsentRepository(PiccoloConsentedContent, TableRepository):
    table = ConsentRecordTable
    record = ConsentRecord

    async def add(self, record: ConsentRecord) -> None:
        await self._insert(record)

    async def get(self, record_id: str) -> ConsentRecord | None:
        return await self._first(ConsentRecordTable.id == record_id)

    async def for_user(self, user_id: str) -> list[ConsentRecord]:
        return await self._select(
            ConsentRecordTable.user_id == user_id,
            order_by=(ConsentRecordTable.created_at, ConsentRecordTable.id),
        )

    async def for_session(self, session_id: str, user_id: str) -> list[ConsentRecord]:
        return await self._select(
            (ConsentRecordTable.session_id == session_id)
            & (ConsentRecordTable.user_id == user_id),
            order_by=(ConsentRecordTable.created_at, ConsentRecordTable.id),
        )

    async def decide(self, record_id: str, decision: ConsentDecision, at: datetime) -> bool:
        updated = await run(
            ConsentRecordTable.update({ConsentRecordTable.decision: decision.value,
                                       ConsentRecordTable.decided_at: to_utc(at)})
            .where((ConsentRecordTable.id == record_id)
                   & ConsentRecordTable.decision.is_null())
            .returning(ConsentRecordTable.id)
        )
        return bool(updated)

    async def revoke(self, record_id: str, at: datetime) -> bool:
        updated = await run(
            ConsentRecordTable.update({ConsentRecordTable.decision: ConsentDecision.REVOKED.value,
                                       ConsentRecordTable.revoked_at: to_utc(at)})
            .where((ConsentRecordTable.id == record_id)
                   & (ConsentRecordTable.decision == ConsentDecision.GRANTED.value))
            .returning(ConsentRecordTable.id)
        )
        return bool(updated)


class PiccoloEmotionRepository(TableRepository):
    table = EmotionalReadingTable
    record = EmotionalReading

    async def add(self, reading: EmotionalReading) -> None:
        await self._insert(reading)

    async def get(self, reading_id: str) -> EmotionalReading | None:
        return await self._first(EmotionalReadingTable.id == reading_id)

    async def for_vessel(self, vessel_id: str, limit: int) -> list[EmotionalReading]:
        return await self._select(
            EmotionalReadingTable.vessel_id == vessel_id,
            order_by=(EmotionalReadingTable.timestamp, EmotionalReadingTable.id),
            ascending=False,
            limit=max(limit, 0),
        )


class PiccoloOutboxRepository(TableRepository):
    table = OutboxTable
    record = OutboxEvent

    async def add(self, event: OutboxEvent) -> None:
        if not event.stream_key:
            # Filled in place, so the caller's record (handed to on_commit) matches the row.
            event.stream_key = events.stream_key(event.channel, event.session_id)
        await self._insert(event)

    async def pending(self, limit: int) -> list[OutboxEvent]:
        return await self._select(
            OutboxTable.status == OutboxStatus.PENDING.value,
            order_by=(OutboxTable.created_at, OutboxTable.id),
            limit=max(limit, 0),
        )

    async def for_session(self, session_id: str) -> list[OutboxEvent]:
        return await self._select(
            OutboxTable.session_id == session_id,
            order_by=(OutboxTable.created_at, OutboxTable.id),
        )


class PiccoloIdempotencyRepository(TableRepository):
    table = IdempotencyKeyTable
    record = IdempotencyRecord

    async def get(self, user_id: str, request_id: str) -> IdempotencyRecord | None:
        return await self._first(IdempotencyKeyTable.id == idempotency_key(user_id, request_id))

    async def add(self, record: IdempotencyRecord) -> None:
        await self._insert_row(
            {"id": idempotency_key(record.user_id, record.request_id), **to_row(record)}
        )


class PiccoloTurnRepository(TableRepository):
    table = TurnTable
    record = Turn

    async def add(self, turn: Turn) -> None:
        await self._insert(turn)

    async def get(self, turn_id: str) -> Turn | None:
        return await self._first(TurnTable.id == turn_id)

    async def by_request(self, user_id: str, request_id: str) -> Turn | None:
        return await self._first(
            (TurnTable.user_id == user_id) & (TurnTable.request_id == request_id)
        )

    async def claim(self, turn_id: str, now: datetime, lease_until: datetime) -> bool:
        # One conditional UPDATE: the database decides which of two racing claims wins.
        claimable = (TurnTable.status == TurnStatus.FAILED.value) | (
            (TurnTable.status == TurnStatus.RUNNING.value)
            & (TurnTable.lease_expires_at < to_utc(now))
        )
        claimed = await run(
            TurnTable.update(
                {
                    TurnTable.status: TurnStatus.RUNNING.value,
                    TurnTable.lease_expires_at: to_utc(lease_until),
                    TurnTable.attempts: TurnTable.attempts + 1,
                    TurnTable.updated_at: to_utc(now),
                }
            )
            .where((TurnTable.id == turn_id) & claimable)
            .returning(TurnTable.id)
        )
        return bool(claimed)

    async def update(self, turn: Turn) -> None:
        await self._update(turn)
