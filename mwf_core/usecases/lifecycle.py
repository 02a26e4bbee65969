"""Pausing, resuming, archiving and leaving a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.enums import (
    ARCHIVABLE_SESSION_STATUSES,
    LIVE_SESSION_STATUSES,
    InvitationStatus,
    SessionStatus,
)
from mwf_core.domain.errors import SessionNotActive, ValidationFailed, field_error
from mwf_core.domain.records import User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction, new_event
from .session_view import load_locked_context

PAUSE_REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class LeftSession:
    session_abandoned: bool
    partner_notified: bool
    data_records_deleted: int


class LifecycleUseCases:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def _change_status(
        self, actor: User, session_id: str, required: SessionStatus, new: SessionStatus,
        event_name: str, actor_key: str, time_key: str,
    ) -> tuple[datetime, SessionStatus]:
        async def work(uow: UnitOfWork) -> tuple[datetime, SessionStatus]:
            context = await load_locked_context(uow, session_id, actor)
            if context.session.status is not required:
                raise SessionNotActive(
                    f"Session is {context.session.status.value}, not {required.value}"
                )
            now = self._deps.clock.now()
            context.session.status = new
            context.session.updated_at = now
            await uow.sessions.update(context.session)
            await uow.outbox.add(
                new_event(self._deps, events.session_channel(session_id), event_name,
                          session_id, {actor_key: actor.id, time_key: js_iso(now),
                                       "excludeUserId": actor.id})
            )
            return now, new

        return await in_transaction(self._deps.uow, work)

    async def pause(self, actor: User, session_id: str, reason: str = "") -> tuple[datetime,
                                                                                    SessionStatus]:
        """ACTIVE → PAUSED by either member (SESSION_NOT_ACTIVE otherwise)."""
        if len(reason) > PAUSE_REASON_MAX:
            raise field_error("reason", f"reason must be at most {PAUSE_REASON_MAX} characters")
        return await self._change_status(actor, session_id, SessionStatus.ACTIVE,
                                         SessionStatus.PAUSED, events.SESSION_PAUSED,
                                         "pausedBy", "pausedAt")

    async def resume(self, actor: User, session_id: str) -> tuple[datetime, SessionStatus]:
        """PAUSED → ACTIVE by either member."""
        return await self._change_status(actor, session_id, SessionStatus.PAUSED,
                                         SessionStatus.ACTIVE, events.SESSION_RESUMED,
                                         "resumedBy", "resumedAt")

    async def archive(self, actor: User, session_id: str) -> datetime:
        """Puts a session away for the caller.

        - Only from RESOLVED, ABANDONED, CREATED or INVITED.
        - Archiving is personal: the original flipped the status for both people; here the
          session leaves only the caller's list, and its status becomes ARCHIVED once every
          member has archived it.
        """

        async def work(uow: UnitOfWork) -> datetime:
            context = await load_locked_context(uow, session_id, actor)
            if context.session.status not in ARCHIVABLE_SESSION_STATUSES | {
                SessionStatus.ARCHIVED
            }:
                raise ValidationFailed(
                    f"A {context.session.status.value} session cannot be archived"
                )
            vessel = context.my_vessel
            now = self._deps.clock.now()
            if vessel is None:
                raise ValidationFailed("You have left this session")
            if vessel.archived_at is None:
                vessel.archived_at = now
                await uow.vessels.update_user_vessel(vessel)
            partner_done = context.partner_vessel is None or (
                context.partner_vessel.archived_at is not None
            )
            if partner_done and context.session.status is not SessionStatus.ARCHIVED:
                context.session.status = SessionStatus.ARCHIVED
                context.session.updated_at = now
                await uow.sessions.update(context.session)
            return vessel.archived_at

        return await in_transaction(self._deps.uow, work)

    async def leave(self, actor: User, session_id: str) -> LeftSession:
        """Deletes the caller's private data in a session and tells the partner.

        - A live session becomes ABANDONED and a pending invitation stops working.
        - Afterwards the caller has no access to the session (a second DELETE is a 403).
        - The caller's lane, stage progress and private vessel are deleted; the partner keeps
          everything of theirs.
        - The partner is notified with `session.abandoned` on the session channel, which the
          realtime sink also turns into `session.updated` on their user channel (the original
          never told them).
        """

        async def work(uow: UnitOfWork) -> LeftSession:
            context = await load_locked_context(uow, session_id, actor)
            now = self._deps.clock.now()
            abandoned = context.session.status in LIVE_SESSION_STATUSES
            if abandoned:
                context.session.status = SessionStatus.ABANDONED
            context.session.updated_at = now
            await uow.sessions.update(context.session)
            deleted = await uow.messages.delete_lane(session_id, actor.id)
            deleted += await uow.progress.delete_for_user(session_id, actor.id)
            if context.my_vessel is not None:
                deleted += await uow.vessels.delete_user_vessel(context.my_vessel.id)
            invitation = context.invitation
            if invitation is not None and invitation.status is InvitationStatus.PENDING:
                # The link must stop offering to join a session that has ended.
                invitation.status = InvitationStatus.EXPIRED
                await uow.invitations.update(invitation)
            notified = context.partner is not None
            if context.partner is not None:
                # One row: the session channel reaches the partner's open session (Ably, SSE,
                # WatchSession), and the realtime sink adds `session.updated` on the partner's
                # user channel (their session list) as for every shared event.
                payload = {"leftBy": actor.id, "status": context.session.status.value,
                           "excludeUserId": actor.id}
                await uow.outbox.add(
                    new_event(self._deps, events.session_channel(session_id),
                              events.SESSION_ABANDONED, session_id, payload)
                )
            return LeftSession(abandoned, notified, deleted)

        return await in_transaction(self._deps.uow, work)
