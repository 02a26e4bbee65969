"""Piccolo implementations of the repository Protocols in mwf_core.ports.repositories: users,
relationships, sessions, invitations, stage progress and vessels. Messages, turns, readings and
consents are in conversation_repositories; the outbox and idempotency keys in
outbox_repositories.

Each method runs on the engine's current transaction when called inside a PiccoloUnitOfWork
(Piccolo tracks it in a context variable), and in autocommit mode otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.custom_types import Combinable
from piccolo.querystring import QueryString
from piccolo.table import Table

from mwf_core.domain import events
from mwf_core.domain.enums import SessionStatus
from mwf_core.domain.errors import DuplicateKey
from mwf_core.domain.records import (
    Invitation,
    Relationship,
    RelationshipMember,
    Session,
    SharedVessel,
    StageProgress,
    User,
    UserVessel,
)

from .engine import is_postgres
from .mapping import TableRepository, run, to_row, to_utc
from .outbox_tables import OutboxTable
from .tables import (
    EmpathyDraftTable,
    InvitationTable,
    RelationshipMemberTable,
    RelationshipTable,
    SessionTable,
    SharedVesselTable,
    StageProgressTable,
    UserTable,
    UserVesselTable,
    member_key,
)


async def _lock_row(table: type[Table], row_id: str, what: str) -> None:
    """SELECT ... FOR UPDATE on PostgreSQL, held until the unit of work ends."""
    engine = table._meta.db
    if engine.current_transaction.get() is None:
        raise RuntimeError(f"{what}.lock() only works inside a unit of work")
    if not is_postgres(engine):
        # SQLite: the unit of work's BEGIN IMMEDIATE already holds the database's single
        # write lock, so writers are serialised before they get here.
        return
    await run(
        table.select(table._meta.primary_key).where(table._meta.primary_key == row_id).lock_rows()
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
        values = {
            UserTable._meta.get_column_by_name(name): value for name, value in changes.items()
        }
        values[UserTable.updated_at] = to_utc(at)
        await run(UserTable.update(values).where(UserTable.id == user_id))

    async def lock(self, user_id: str) -> None:
        await _lock_row(UserTable, user_id, "users")


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
        await _lock_row(RelationshipTable, relationship_id, "relationships")


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
        # An email row's channel is `email:<invitation id>` (events.email_channel): one COUNT
        # over the outbox with this inviter's invitations as a subquery.
        channels = QueryString(
            "SELECT CAST({} AS TEXT) || id FROM invitations WHERE invited_by_id = {}",
            events.email_channel(""),
            inviter_id,
        )
        return int(
            await run(
                OutboxTable.count().where(
                    (OutboxTable.name == events.INVITATION_EMAIL)
                    & (OutboxTable.created_at >= to_utc(since))
                    & OutboxTable.channel.is_in(channels)
                )
            )
        )


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
            await run(
                EmpathyDraftTable.delete().where(
                    (EmpathyDraftTable.session_id == vessel.session_id)
                    & (EmpathyDraftTable.user_id == vessel.user_id)
                )
            )
        return await self._delete(UserVesselTable.id == vessel_id)

    async def add_shared_vessel(self, vessel: SharedVessel) -> None:
        await _SharedVessels()._insert(vessel)


class _SharedVessels(TableRepository):
    table = SharedVesselTable
    record = SharedVessel
