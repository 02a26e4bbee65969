"""Creating a partner session: the session, its invitation, the inviter's first stage and
vessels, and (with an email address) the invitation email, in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mwf_core.domain.enums import (
    LIVE_SESSION_STATUSES,
    InvitationStatus,
    SessionStatus,
    Stage,
    StageStatus,
)
from mwf_core.domain.errors import DuplicateKey, NotFound, ValidationFailed, field_error
from mwf_core.domain.records import (
    IdempotencyRecord,
    Invitation,
    Relationship,
    RelationshipMember,
    Session,
    SharedVessel,
    StageProgress,
    User,
    UserVessel,
)
from mwf_core.domain.stage0 import INVITATION_TTL, propose_topic_frame
from mwf_core.ports.repositories import UnitOfWork

from .invitation_emails import check_email_allowance, invitation_email_event, invitation_url
from .runtime import Dependencies, check_request_id, fingerprint, in_transaction
from .session_view import SessionView, load_context, session_view

INVITE_NAME_MAX = 100
CONTEXT_MAX = 5000
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class CreateSessionRequest:
    person_id: str = ""
    invite_name: str = ""
    context: str = ""
    invite_email: str = ""
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class CreatedSession:
    view: SessionView
    invitation_id: str | None
    invitation_url: str | None
    existing: bool  # True: the relationship already had a live session, returned instead


def _validate_create(request: CreateSessionRequest, actor: User) -> None:
    if not request.person_id and not request.invite_name.strip():
        raise ValidationFailed(
            "Either personId or inviteName is required",
            {"person_id": ["personId or inviteName is required"]},
        )
    if request.person_id and request.invite_name.strip():
        raise ValidationFailed(
            "Give either personId or inviteName, not both",
            {"invite_name": ["inviteName cannot be combined with personId"]},
        )
    if request.person_id == actor.id:
        raise field_error("person_id", "You cannot start a session with yourself")
    if len(request.invite_name.strip()) > INVITE_NAME_MAX:
        raise field_error("invite_name", f"inviteName must be at most {INVITE_NAME_MAX} characters")
    if len(request.context) > CONTEXT_MAX:
        raise field_error("context", f"context must be at most {CONTEXT_MAX} characters")
    email = request.invite_email.strip()
    if email and (len(email) > EMAIL_MAX or not _EMAIL.match(email)):
        raise field_error("invite_email", "inviteEmail is not a valid email address")


class SessionCreation:
    """`create` and its steps, mixed into SessionUseCases."""

    _deps: Dependencies
    _emails_per_day: int

    async def create(self, actor: User, request: CreateSessionRequest) -> CreatedSession:
        """Starts a session with a known person (`person_id`) or a new invitee (`invite_name`).

        - Exactly one of the two; not yourself; a known person must share a relationship with
          the caller (404 otherwise).
        - One live session per relationship: when one exists, it is returned instead.
        - Creates, in one transaction, the session (CREATED), its invitation (PENDING, expires
          in 7 days), the inviter's stage 0, their private vessel (holding `context`), the
          shared vessel, and a neutral topic frame proposed from `context`.
        - A repeated `request_id` returns the first result; the same id with another body is
          refused.
        - With `invite_email`, an `invitation.email` outbox row is queued too; an inviter who
          already queued the daily cap of invitation emails is refused (RATE_LIMITED, 429)
          before anything is written.
        """
        _validate_create(request, actor)
        check_request_id(request.request_id)
        body_hash = fingerprint(
            {
                "person_id": request.person_id,
                "invite_name": request.invite_name,
                "context": request.context,
                "invite_email": request.invite_email,
            }
        )

        async def work(uow: UnitOfWork) -> CreatedSession:
            if request.request_id:
                replay = await self._replay(uow, actor, request.request_id, body_hash)
                if replay is not None:
                    return replay
            if request.person_id:
                relationship_id, partner, nickname = await self._shared_relationship(
                    uow, actor, request
                )
                await uow.relationships.lock(relationship_id)
                live = await uow.sessions.for_relationships(
                    [relationship_id], LIVE_SESSION_STATUSES
                )
                if live:
                    context = await load_context(uow, live[0].id, actor)
                    return CreatedSession(session_view(context), None, None, existing=True)
                await self._check_email_allowance(uow, actor, request)
                invitee_name = nickname or partner.first_name or partner.name
                names = [nickname, partner.name, partner.first_name, partner.last_name]
            else:
                await self._check_email_allowance(uow, actor, request)
                relationship_id = await self._new_relationship(uow, actor, request.invite_name)
                invitee_name = request.invite_name.strip()
                names = [invitee_name]
            session_id = await self._create_session(
                uow, actor, relationship_id, invitee_name, names, request
            )
            if request.request_id:
                await uow.idempotency.add(
                    IdempotencyRecord(
                        user_id=actor.id,
                        request_id=request.request_id,
                        operation="CreateSession",
                        fingerprint=body_hash,
                        resource_id=session_id,
                        created_at=self._deps.clock.now(),
                    )
                )
            return await self._created(uow, actor, session_id)

        try:
            return await in_transaction(self._deps.uow, work)
        except DuplicateKey:
            if not request.request_id:
                raise
            # A concurrent retry with the same request id won the race: answer as it did.
            return await in_transaction(self._deps.uow, work)

    async def _check_email_allowance(
        self, uow: UnitOfWork, actor: User, request: CreateSessionRequest
    ) -> None:
        if request.invite_email.strip():
            await check_email_allowance(uow, self._deps, actor.id, self._emails_per_day)

    async def _replay(
        self, uow: UnitOfWork, actor: User, request_id: str, body_hash: str
    ) -> CreatedSession | None:
        record = await uow.idempotency.get(actor.id, request_id)
        if record is None:
            return None
        if record.operation != "CreateSession" or record.fingerprint != body_hash:
            raise field_error(
                "request_id", "This request id was already used for a different request"
            )
        return await self._created(uow, actor, record.resource_id)

    async def _created(self, uow: UnitOfWork, actor: User, session_id: str) -> CreatedSession:
        context = await load_context(uow, session_id, actor)
        invitation = context.invitation
        if invitation is None:  # every created session has one; a replay may outlive it
            raise NotFound("Invitation not found")
        url = invitation_url(self._deps, invitation.id)
        return CreatedSession(session_view(context), invitation.id, url, existing=False)

    async def _shared_relationship(
        self, uow: UnitOfWork, actor: User, request: CreateSessionRequest
    ) -> tuple[str, User, str | None]:
        """The relationship shared with `person_id`, that person, and my nickname for them."""
        partner = await uow.users.get(request.person_id)
        mine = {m.relationship_id: m for m in await uow.relationships.memberships_of(actor.id)}
        if partner is not None:
            for membership in await uow.relationships.memberships_of(partner.id):
                if membership.relationship_id in mine:
                    my_side = mine[membership.relationship_id]
                    return membership.relationship_id, partner, my_side.nickname
        raise NotFound("Person not found")

    async def _new_relationship(self, uow: UnitOfWork, actor: User, invite_name: str) -> str:
        now = self._deps.clock.now()
        relationship = Relationship(id=self._deps.ids.new_id(), created_at=now)
        await uow.relationships.add(relationship)
        await uow.relationships.add_member(
            RelationshipMember(relationship.id, actor.id, now, nickname=invite_name.strip())
        )
        return relationship.id

    async def _create_session(
        self,
        uow: UnitOfWork,
        actor: User,
        relationship_id: str,
        invitee_name: str | None,
        partner_names: list[str | None],
        request: CreateSessionRequest,
    ) -> str:
        ids, now = self._deps.ids, self._deps.clock.now()
        frame = propose_topic_frame(
            request.context, [*partner_names, actor.name, actor.first_name, actor.last_name]
        )
        session = Session(
            id=ids.new_id(),
            relationship_id=relationship_id,
            status=SessionStatus.CREATED,
            created_at=now,
            updated_at=now,
            topic_frame=frame,
        )
        await uow.sessions.add(session)
        invitation = Invitation(
            id=ids.new_id(),
            session_id=session.id,
            invited_by_id=actor.id,
            name=invitee_name,
            status=InvitationStatus.PENDING,
            created_at=now,
            expires_at=now + INVITATION_TTL,
            invite_email=request.invite_email.strip() or None,
        )
        await uow.invitations.add(invitation)
        if invitation.invite_email:
            # Sent after commit by the outbox dispatcher (Idempotency-Key = this row's id):
            # creating the session never waits for, or fails because of, the mail provider.
            await uow.outbox.add(invitation_email_event(self._deps, invitation, actor))
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
        await uow.vessels.add_user_vessel(
            UserVessel(
                ids.new_id(), session.id, actor.id, now, creation_context=request.context or None
            )
        )
        await uow.vessels.add_shared_vessel(SharedVessel(ids.new_id(), session.id, now))
        return session.id
