"""Invitations: the member view, the public view, accepting, declining, resending the email."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from mwf_core.domain import events
from mwf_core.domain.enums import InvitationStatus, SessionStatus, Stage, StageStatus
from mwf_core.domain.errors import (
    Expired,
    Forbidden,
    InvitesBlocked,
    NotFound,
    ValidationFailed,
    field_error,
)
from mwf_core.domain.records import (
    Invitation,
    RelationshipMember,
    Session,
    StageProgress,
    User,
    UserVessel,
)
from mwf_core.domain.stage0 import invitation_status_as_seen
from mwf_core.ports.repositories import UnitOfWork

from .invitation_emails import (
    DEFAULT_EMAILS_PER_DAY,
    check_email_allowance,
    invitation_email_event,
)
from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, load_context

DECLINE_REASON_MAX = 500
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class MemberInvitation:
    """An invitation as a session member sees it."""

    invitation: Invitation
    status: InvitationStatus  # as seen now
    is_inviter: bool
    inviter_name: str | None
    session: Session


@dataclass(frozen=True, slots=True)
class PublicInvitation:
    """What anyone holding the link may see: no topic frame, the inviter by name only."""

    invitation: Invitation
    status: InvitationStatus
    inviter_name: str | None
    session_status: SessionStatus


@dataclass(frozen=True, slots=True)
class ResentInvitation:
    sent_at: datetime  # when the new email was queued
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class JoinedSession:
    session: Session
    members: list[tuple[str, str | None]]  # (user id, display name)


def _name(user: User | None) -> str | None:
    return (user.first_name or user.name) if user else None


async def read_member_invitation(
    uow: UnitOfWork, context: SessionContext, now: datetime
) -> MemberInvitation | None:
    invitation = context.invitation
    if invitation is None:
        return None
    if context.is_inviter:
        inviter: User | None = context.viewer
    elif context.partner is not None and context.partner.id == invitation.invited_by_id:
        inviter = context.partner
    else:
        inviter = await uow.users.get(invitation.invited_by_id)
    return MemberInvitation(
        invitation,
        invitation_status_as_seen(invitation, now),
        context.is_inviter,
        _name(inviter),
        context.session,
    )


class InvitationUseCases:
    def __init__(
        self, deps: Dependencies, *, invitation_emails_per_day: int = DEFAULT_EMAILS_PER_DAY
    ) -> None:
        self._deps = deps
        self._emails_per_day = invitation_emails_per_day

    async def for_session(self, actor: User, session_id: str) -> MemberInvitation:
        """The session's invitation, for members only."""

        async def work(uow: UnitOfWork) -> MemberInvitation:
            context = await load_context(uow, session_id, actor)
            invitation = await read_member_invitation(uow, context, self._deps.clock.now())
            if invitation is None:
                raise NotFound("Invitation not found")
            return invitation

        return await in_transaction(self._deps.uow, work)

    async def public(self, invitation_id: str) -> PublicInvitation:
        """Anyone with the link (no sign-in needed) may see who invites them and whether the
        invitation still stands; EXPIRED is computed on read."""

        async def work(uow: UnitOfWork) -> PublicInvitation:
            invitation = await uow.invitations.get(invitation_id)
            session = await uow.sessions.get(invitation.session_id) if invitation else None
            if invitation is None or session is None:
                raise NotFound("Invitation not found")
            inviter = await uow.users.get(invitation.invited_by_id)
            return PublicInvitation(
                invitation,
                invitation_status_as_seen(invitation, self._deps.clock.now()),
                _name(inviter),
                session.status,
            )

        return await in_transaction(self._deps.uow, work)

    async def accept(self, actor: User, invitation_id: str) -> JoinedSession:
        """Joins the session.

        - Not your own invitation; PENDING and unexpired (410 EXPIRED, stored on this attempt);
          the session is INVITED with the message and topic frame confirmed; the caller's
          privacy settings allow invites (403). Accepting again as the same person returns
          the session.
        - A relationship that already has another partner refuses a third person (403).
        - Creates the membership, the caller's stage 0 and private vessel; session ACTIVE.
        - Publishes `session.joined`.
        """

        async def work(uow: UnitOfWork) -> JoinedSession | Expired:
            invitation, session = await self._load_locked(uow, invitation_id)
            members = await uow.relationships.members(session.relationship_id)
            if invitation.invited_by_id == actor.id:
                raise ValidationFailed("You cannot accept your own invitation")
            is_member = any(m.user_id == actor.id for m in members)
            if invitation.status is InvitationStatus.ACCEPTED and is_member:
                return await self._joined(uow, session)
            if any(m.user_id not in (actor.id, invitation.invited_by_id) for m in members):
                raise Forbidden("This invitation is for someone else")
            expired = await self._require_pending(uow, invitation)
            if expired is not None:
                return expired
            ready = (
                session.status is SessionStatus.INVITED
                and invitation.message_confirmed
                and session.topic_frame_confirmed_at is not None
            )
            if not ready:
                raise ValidationFailed("This invitation is not ready to be accepted yet")
            if not actor.allows_session_invites():
                raise InvitesBlocked("Your privacy settings do not allow session invitations")
            await self._join(uow, actor, invitation, session, is_member)
            return await self._joined(uow, session)

        return await self._in_transaction(work)

    async def _in_transaction(self, work: Callable[[UnitOfWork], Awaitable[_T | Expired]]) -> _T:
        """Runs `work`; an Expired it returns (so the EXPIRED status it stored is committed)
        is raised after the commit."""
        result = await in_transaction(self._deps.uow, work)
        if isinstance(result, Expired):
            raise result
        return result

    async def _load_locked(self, uow: UnitOfWork, invitation_id: str) -> tuple[Invitation, Session]:
        """The invitation and its session, read again once the relationship is locked: what
        was read before the lock may have been changed by a transaction that held it (accept
        racing decline, leave racing accept). Missing → 404."""
        invitation = await uow.invitations.get(invitation_id)
        session = await uow.sessions.get(invitation.session_id) if invitation else None
        if invitation is None or session is None:
            raise NotFound("Invitation not found")
        await uow.relationships.lock(session.relationship_id)
        invitation = await uow.invitations.get(invitation_id)
        session = await uow.sessions.get(invitation.session_id) if invitation else None
        if invitation is None or session is None:
            raise NotFound("Invitation not found")
        return invitation, session

    async def _require_pending(self, uow: UnitOfWork, invitation: Invitation) -> Expired | None:
        """None while the invitation is PENDING and unexpired. Past its expiry, EXPIRED is
        stored and the error returned for the caller to hand back (410, raised after commit);
        accepted or declined → 400."""
        seen = invitation_status_as_seen(invitation, self._deps.clock.now())
        if seen is InvitationStatus.EXPIRED:
            if invitation.status is not InvitationStatus.EXPIRED:
                invitation.status = InvitationStatus.EXPIRED
                await uow.invitations.update(invitation)
            return Expired("This invitation has expired")
        if seen is not InvitationStatus.PENDING:
            raise ValidationFailed("This invitation has already been processed")
        return None

    async def _join(
        self,
        uow: UnitOfWork,
        actor: User,
        invitation: Invitation,
        session: Session,
        is_member: bool,
    ) -> None:
        ids, now = self._deps.ids, self._deps.clock.now()
        if not is_member:
            await uow.relationships.add_member(
                RelationshipMember(session.relationship_id, actor.id, now)
            )
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = now
        await uow.invitations.update(invitation)
        session.status = SessionStatus.ACTIVE
        session.updated_at = now
        await uow.sessions.update(session)
        await uow.progress.add(
            StageProgress(
                ids.new_id(),
                session.id,
                actor.id,
                Stage.ONBOARDING,
                StageStatus.IN_PROGRESS,
                started_at=now,
            )
        )
        await uow.vessels.add_user_vessel(UserVessel(ids.new_id(), session.id, actor.id, now))
        await uow.outbox.add(
            new_event(
                self._deps,
                events.session_channel(session.id),
                events.SESSION_JOINED,
                session.id,
                {"joinedBy": actor.id, "userId": actor.id, "userName": _name(actor)},
            )
        )

    async def _joined(self, uow: UnitOfWork, session: Session) -> JoinedSession:
        members = await uow.relationships.members(session.relationship_id)
        users = await uow.users.get_many([m.user_id for m in members])
        return JoinedSession(session, [(m.user_id, _name(users.get(m.user_id))) for m in members])

    async def decline(self, actor: User, invitation_id: str, reason: str = "") -> None:
        """Declines an invitation: the session is ABANDONED and the inviter told.

        - Not your own invitation; only a PENDING, unexpired one (410 EXPIRED, stored on this
          attempt); reason at most 500 chars.
        """
        if len(reason) > DECLINE_REASON_MAX:
            raise field_error("reason", f"reason must be at most {DECLINE_REASON_MAX} characters")

        async def work(uow: UnitOfWork) -> Expired | None:
            invitation, session = await self._load_locked(uow, invitation_id)
            if invitation.invited_by_id == actor.id:
                raise ValidationFailed("You cannot decline your own invitation")
            members = await uow.relationships.members(session.relationship_id)
            if any(m.user_id not in (actor.id, invitation.invited_by_id) for m in members):
                raise Forbidden("This invitation is for someone else")
            expired = await self._require_pending(uow, invitation)
            if expired is not None:
                return expired
            now = self._deps.clock.now()
            invitation.status = InvitationStatus.DECLINED
            invitation.declined_at = now
            invitation.decline_reason = reason.strip() or None
            await uow.invitations.update(invitation)
            session.status = SessionStatus.ABANDONED
            session.updated_at = now
            await uow.sessions.update(session)
            # The reason is addressed to the inviter, so it goes on their channel only.
            await uow.outbox.add(
                new_event(
                    self._deps,
                    events.user_channel(invitation.invited_by_id),
                    events.INVITATION_DECLINED,
                    session.id,
                    {"reason": invitation.decline_reason, "declinedBy": actor.id},
                )
            )
            return None

        await self._in_transaction(work)

    async def resend(self, actor: User, invitation_id: str) -> ResentInvitation:
        """Queues the invitation email again (a new outbox row, so a new Resend key).

        - Missing → 404; anyone but the inviter → 403; expired → 410 EXPIRED (stored on this
          attempt); accepted or declined → 400; no email address on the invitation → 400.
        - Counts against the inviter's daily cap of invitation emails (429 RATE_LIMITED).
        - The expiry is not extended: the email carries the same link and date.
        """

        async def work(uow: UnitOfWork) -> ResentInvitation | Expired:
            invitation, _ = await self._load_locked(uow, invitation_id)
            if invitation.invited_by_id != actor.id:
                raise Forbidden("Only the person who sent this invitation can resend it")
            expired = await self._require_pending(uow, invitation)
            if expired is not None:
                return expired
            if not invitation.invite_email:
                raise ValidationFailed("This invitation has no email address to send to")
            await check_email_allowance(uow, self._deps, actor.id, self._emails_per_day)
            await uow.outbox.add(invitation_email_event(self._deps, invitation, actor))
            return ResentInvitation(
                sent_at=self._deps.clock.now(), expires_at=invitation.expires_at
            )

        return await self._in_transaction(work)
