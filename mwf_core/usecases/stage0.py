"""Stage 0: the Curiosity Compact, the topic frame and the inviter's invitation confirm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.enums import SessionStatus, Stage, StageStatus
from mwf_core.domain.errors import (
    Conflict,
    Forbidden,
    GateNotSatisfied,
    SessionNotActive,
    ValidationFailed,
    field_error,
)
from mwf_core.domain.privacy import partner_compact_visible
from mwf_core.domain.records import Invitation, StageProgress, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, load_context, load_locked_context

# Stage 0 actions are refused once a session has ended.
_CLOSED = frozenset({SessionStatus.RESOLVED, SessionStatus.ABANDONED, SessionStatus.ARCHIVED})


@dataclass(frozen=True, slots=True)
class CompactStatus:
    my_signed: bool
    my_signed_at: datetime | None
    partner_signed: bool
    partner_signed_at: datetime | None
    can_advance: bool
    is_first_session: bool


@dataclass(frozen=True, slots=True)
class SignedCompact:
    signed_at: datetime
    partner_signed: bool
    can_advance: bool


def _signed_at(row: StageProgress | None) -> datetime | None:
    value = row.gates_satisfied.get("signedAt") if row else None
    return datetime.fromisoformat(value) if value else None


async def read_compact_status(uow: UnitOfWork, context: SessionContext) -> CompactStatus:
    """Signing state for the context's viewer; the partner's stays hidden until they signed."""
    viewer_id = context.viewer.id
    mine = context.compact_signed(viewer_id)
    partner_id = context.partner.id if context.partner else None
    visible = partner_compact_visible(mine) and partner_id is not None
    partner_signed = visible and context.compact_signed(partner_id)
    sessions = await uow.sessions.for_relationships([context.session.relationship_id])
    return CompactStatus(
        my_signed=mine,
        my_signed_at=_signed_at(context.row(viewer_id, Stage.ONBOARDING)),
        partner_signed=partner_signed,
        partner_signed_at=(
            _signed_at(context.row(partner_id, Stage.ONBOARDING)) if visible else None
        ),
        can_advance=mine and (context.is_inviter or partner_signed),
        is_first_session=len(sessions) <= 1,
    )


def _require_creator(context: SessionContext) -> Invitation:
    if context.invitation is None or not context.is_inviter:
        raise Forbidden("Only the person who created the session can do this")
    return context.invitation


def _require_open(context: SessionContext) -> None:
    if context.session.status in _CLOSED:
        raise SessionNotActive(f"Session is {context.session.status.value}")


class Stage0UseCases:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def _advance_to_witness(
        self, uow: UnitOfWork, stage0: StageProgress, extra_gates: dict[str, object]
    ) -> None:
        now = self._deps.clock.now()
        stage0.status = StageStatus.COMPLETED
        stage0.completed_at = now
        stage0.gates_satisfied = {**stage0.gates_satisfied, **extra_gates}
        await uow.progress.update(stage0)
        await uow.progress.add(
            StageProgress(self._deps.ids.new_id(), stage0.session_id, stage0.user_id,
                          Stage.WITNESS, StageStatus.IN_PROGRESS, started_at=now)
        )

    async def _touch(self, uow: UnitOfWork, context: SessionContext) -> None:
        context.session.updated_at = self._deps.clock.now()
        await uow.sessions.update(context.session)

    async def sign_compact(self, actor: User, session_id: str, agreed: bool) -> SignedCompact:
        """Signs the Curiosity Compact.

        - `agreed` must be true; signing twice is a 409 CONFLICT.
        - The invitee moves to stage 1 at once when the inviter has signed (both signatures
          are read inside the same locked transaction); the session becomes ACTIVE if needed.
        - Publishes `partner.signed_compact`.
        """
        if agreed is not True:
            raise field_error("agreed", "You must agree to the compact")

        async def work(uow: UnitOfWork) -> SignedCompact:
            context = await load_locked_context(uow, session_id, actor)
            _require_open(context)
            stage0 = context.row(actor.id, Stage.ONBOARDING)
            if stage0 is None:
                raise ValidationFailed("You have not joined this session yet")
            if context.compact_signed(actor.id):
                raise Conflict("Compact already signed")
            now = self._deps.clock.now()
            signed = {"compactSigned": True, "signedAt": js_iso(now)}
            partner_id = context.partner.id if context.partner else None
            partner_signed = partner_id is not None and context.compact_signed(partner_id)
            if not context.is_inviter and partner_signed:
                await self._advance_to_witness(uow, stage0, signed)
                # Forced ACTIVE only out of INVITED: a pause by the partner must stand.
                if context.session.status is SessionStatus.INVITED:
                    context.session.status = SessionStatus.ACTIVE
            else:
                stage0.gates_satisfied = {**stage0.gates_satisfied, **signed}
                await uow.progress.update(stage0)
            if context.is_inviter and partner_id is not None and partner_signed:
                # The invitee signed first and has been waiting for this signature.
                waiting = context.row(partner_id, Stage.ONBOARDING)
                if waiting is not None and waiting.status is not StageStatus.COMPLETED:
                    await self._advance_to_witness(uow, waiting, {})
            await self._touch(uow, context)
            await uow.outbox.add(
                new_event(self._deps, events.session_channel(session_id),
                          events.PARTNER_SIGNED_COMPACT, session_id,
                          {"signedBy": actor.id, "signedAt": js_iso(now),
                           "triggeredByUserId": actor.id})
            )
            return SignedCompact(now, partner_signed, context.is_inviter or partner_signed)

        return await in_transaction(self._deps.uow, work)

    async def compact_status(self, actor: User, session_id: str) -> CompactStatus:
        """Signing state; the partner's is hidden until the caller has signed."""

        async def work(uow: UnitOfWork) -> CompactStatus:
            return await read_compact_status(uow, await load_context(uow, session_id, actor))

        return await in_transaction(self._deps.uow, work)

    async def confirm_topic_frame(self, actor: User, session_id: str) -> tuple[str, datetime]:
        """The creator confirms the proposed frame.

        - Creator only (403); 400 when no frame exists yet; confirming again returns the
          first confirmation.
        - The session becomes INVITED and the invitation message confirmed, so the partner
          can accept straight away.
        """

        async def work(uow: UnitOfWork) -> tuple[str, datetime]:
            context = await load_locked_context(uow, session_id, actor)
            invitation = _require_creator(context)
            _require_open(context)
            session = context.session
            if not session.topic_frame:
                raise ValidationFailed("No topic frame has been proposed yet")
            if session.topic_frame_confirmed_at is not None:
                return session.topic_frame, session.topic_frame_confirmed_at
            now = self._deps.clock.now()
            session.topic_frame_confirmed_at = now
            if session.status is SessionStatus.CREATED:
                session.status = SessionStatus.INVITED
            session.updated_at = now
            await uow.sessions.update(session)
            invitation.message_confirmed = True
            invitation.message_confirmed_at = invitation.message_confirmed_at or now
            await uow.invitations.update(invitation)
            await uow.outbox.add(
                new_event(self._deps, events.user_channel(actor.id),
                          events.TOPIC_FRAME_UPDATED, session_id,
                          {"topicFrame": session.topic_frame, "confirmed": True})
            )
            return session.topic_frame, now

        return await in_transaction(self._deps.uow, work)

    async def confirm_invitation(self, actor: User, session_id: str) -> Invitation:
        """The inviter closes the share sheet and moves on to stage 1.

        - Creator only; needs the compact signed and the topic frame confirmed
          (GATE_NOT_SATISFIED otherwise). Confirming again is harmless.
        - Completes stage 0 with `invitationSent`, opens stage 1, session INVITED.
        - Publishes `invitation.confirmed`.
        """

        async def work(uow: UnitOfWork) -> Invitation:
            context = await load_locked_context(uow, session_id, actor)
            invitation = _require_creator(context)
            _require_open(context)
            stage0 = context.row(actor.id, Stage.ONBOARDING)
            if stage0 is not None and stage0.status is StageStatus.COMPLETED:
                return invitation
            if not context.compact_signed(actor.id):
                raise GateNotSatisfied("Sign the compact before sending the invitation")
            if context.session.topic_frame_confirmed_at is None:
                raise GateNotSatisfied("Confirm the topic before sending the invitation")
            assert stage0 is not None
            now = self._deps.clock.now()
            await self._advance_to_witness(uow, stage0, {"invitationSent": True})
            if context.session.status is SessionStatus.CREATED:
                context.session.status = SessionStatus.INVITED
            await self._touch(uow, context)
            invitation.message_confirmed = True
            invitation.message_confirmed_at = invitation.message_confirmed_at or now
            await uow.invitations.update(invitation)
            await uow.outbox.add(
                new_event(self._deps, events.session_channel(session_id),
                          events.INVITATION_CONFIRMED, session_id,
                          {"confirmedBy": actor.id, "triggeredByUserId": actor.id})
            )
            return invitation

        return await in_transaction(self._deps.uow, work)
