"""Partner sessions: listing and reading them; creating one is in session_creation."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain.enums import SessionStatus, Stage
from mwf_core.domain.errors import field_error
from mwf_core.domain.records import Message, Session, User
from mwf_core.ports.repositories import UnitOfWork

from .invitation_emails import DEFAULT_EMAILS_PER_DAY
from .invitations import MemberInvitation, read_member_invitation
from .runtime import Dependencies, in_transaction
from .session_creation import SessionCreation
from .session_view import (
    SessionContext,
    SessionView,
    can_advance,
    load_context,
    session_view,
)
from .stage0 import CompactStatus, read_compact_status

STATE_MESSAGE_LIMIT = 500
LIST_DEFAULT_PAGE = 20
LIST_MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class Milestones:
    witness_started_at: datetime | None
    feel_heard_confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProgressReport:
    context: SessionContext
    view: SessionView
    can_advance: bool
    milestones: Milestones


@dataclass(frozen=True, slots=True)
class SessionState:
    report: ProgressReport
    messages: list[Message]
    has_more_messages: bool
    partner_last_viewed_at: datetime | None
    compact: CompactStatus
    invitation: MemberInvitation | None


def _milestones(context: SessionContext) -> Milestones:
    witness = context.row(context.viewer.id, Stage.WITNESS)
    heard = witness.gates_satisfied.get("feelHeardConfirmedAt") if witness else None
    return Milestones(
        witness_started_at=witness.started_at if witness else None,
        feel_heard_confirmed_at=datetime.fromisoformat(heard) if heard else None,
    )


def _encode_cursor(session: Session) -> str:
    raw = json.dumps([session.created_at.isoformat(), session.id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(token: str) -> tuple[datetime, str]:
    try:
        created, session_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        moment = datetime.fromisoformat(created)
    except (ValueError, TypeError) as error:
        raise field_error("page_token", "cursor is not valid") from error
    if moment.tzinfo is None:
        raise field_error("page_token", "cursor is not valid")
    return moment, str(session_id)


async def _archived_by(uow: UnitOfWork, session_id: str, user_id: str) -> bool:
    vessel = await uow.vessels.user_vessel(session_id, user_id)
    return vessel is not None and vessel.archived_at is not None


class SessionUseCases(SessionCreation):
    def __init__(
        self, deps: Dependencies, *, invitation_emails_per_day: int = DEFAULT_EMAILS_PER_DAY
    ) -> None:
        self._deps = deps
        self._emails_per_day = invitation_emails_per_day

    async def list(
        self,
        actor: User,
        page_size: int = 0,
        page_token: str = "",
        status: SessionStatus | None = None,
    ) -> tuple[list[SessionView], str]:
        """The caller's sessions, newest first, with an opaque cursor (AIP-158).

        - Sessions the caller archived or left are not listed.
        - page_size 1-100, default 20.
        """
        if page_size < 0 or page_size > LIST_MAX_PAGE:
            raise field_error("page_size", f"limit must be between 1 and {LIST_MAX_PAGE}")
        size = page_size or LIST_DEFAULT_PAGE
        after = _decode_cursor(page_token) if page_token else None

        async def work(uow: UnitOfWork) -> tuple[list[SessionView], str]:
            memberships = await uow.relationships.memberships_of(actor.id)
            # ARCHIVED also means "archived by me", whatever the session's own status.
            statuses = (
                frozenset({status}) if status and status is not SessionStatus.ARCHIVED else None
            )
            sessions = await uow.sessions.for_relationships(
                [m.relationship_id for m in memberships], statuses
            )
            if status is SessionStatus.ARCHIVED:
                sessions = [
                    s
                    for s in sessions
                    if s.status is SessionStatus.ARCHIVED or await _archived_by(uow, s.id, actor.id)
                ]
            if after is not None:
                sessions = [s for s in sessions if (s.created_at, s.id) < after]
            views: list[SessionView] = []
            for session in sessions:
                vessel = await uow.vessels.user_vessel(session.id, actor.id)
                if vessel is None:
                    continue  # not joined yet, or left
                archived_by_me = vessel.archived_at is not None
                if archived_by_me and status is not SessionStatus.ARCHIVED:
                    continue  # archiving is personal: hidden from my list only
                views.append(session_view(await load_context(uow, session.id, actor)))
                if len(views) > size:
                    break
            next_token = _encode_cursor(views[size - 1].session) if len(views) > size else ""
            return views[:size], next_token

        return await in_transaction(self._deps.uow, work)

    async def get(self, actor: User, session_id: str) -> SessionView:
        """One session; members only (403), missing → 404."""

        async def work(uow: UnitOfWork) -> SessionView:
            return session_view(await load_context(uow, session_id, actor))

        return await in_transaction(self._deps.uow, work)

    async def progress(self, actor: User, session_id: str) -> ProgressReport:
        """Both members' current stage. The partner's gates carry flags and times only, never
        their private text (the original leaked stage-1 feedback here)."""

        async def work(uow: UnitOfWork) -> ProgressReport:
            return self._report(await load_context(uow, session_id, actor))

        return await in_transaction(self._deps.uow, work)

    def _report(self, context: SessionContext) -> ProgressReport:
        return ProgressReport(
            context, session_view(context), can_advance(context), _milestones(context)
        )

    async def state(self, actor: User, session_id: str) -> SessionState:
        """What a client renders: session, progress, the caller's own lane (up to 500
        messages), invitation and compact. The partner's last view time is shown only when
        the partner's privacy settings show activity."""

        async def work(uow: UnitOfWork) -> SessionState:
            context = await load_context(uow, session_id, actor)
            messages = await uow.messages.lane(session_id, actor.id, STATE_MESSAGE_LIMIT + 1)
            has_more = len(messages) > STATE_MESSAGE_LIMIT
            partner_seen = None
            if context.partner and context.partner_vessel:
                prefs = context.partner.privacy_preferences
                if prefs.get("showActivityStatus", True):
                    partner_seen = context.partner_vessel.last_viewed_at
            return SessionState(
                report=self._report(context),
                messages=messages[-STATE_MESSAGE_LIMIT:],
                has_more_messages=has_more,
                partner_last_viewed_at=partner_seen,
                compact=await read_compact_status(uow, context),
                invitation=await read_member_invitation(uow, context, self._deps.clock.now()),
            )

        return await in_transaction(self._deps.uow, work)
