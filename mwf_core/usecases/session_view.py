"""Loading a session for one viewer, and the member-only access rule.

Access: only members of the session's relationship may see it (404 when it does not exist,
403 when it does but the caller is not a member). The original also let in any non-inviter
holding a pending invitation, which would let a stranger read a session; we do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mwf_core.domain.enums import SessionStatus, Stage, StageStatus
from mwf_core.domain.errors import Forbidden, NotFound
from mwf_core.domain.gates import AdvanceCheck, check_advance
from mwf_core.domain.privacy import (
    PARTNER_FALLBACK_NAME,
    display_name,
    partner_visible_gates,
)
from mwf_core.domain.records import (
    Invitation,
    RelationshipMember,
    Session,
    StageProgress,
    User,
    UserVessel,
)
from mwf_core.ports.repositories import UnitOfWork


@dataclass(slots=True)
class ProgressView:
    stage: int
    status: StageStatus
    started_at: datetime | None
    completed_at: datetime | None
    gates: dict[str, Any]


@dataclass(slots=True)
class PartnerView:
    id: str | None
    name: str | None
    nickname: str | None


@dataclass(slots=True)
class SessionView:
    session: Session
    partner: PartnerView
    my_progress: ProgressView | None
    partner_progress: ProgressView | None
    status_summary: str
    self_action_needed: list[str]
    partner_action_needed: list[str]
    has_unread: bool
    last_viewed_at: datetime | None
    last_seen_chat_item_id: str | None


@dataclass(slots=True)
class SessionContext:
    """Everything about one session that a viewer's request may need."""

    session: Session
    viewer: User
    me: RelationshipMember
    partner_member: RelationshipMember | None
    partner: User | None
    invitation: Invitation | None
    progress: list[StageProgress] = field(default_factory=list)
    my_vessel: UserVessel | None = None
    partner_vessel: UserVessel | None = None

    @property
    def is_inviter(self) -> bool:
        return self.invitation is not None and self.invitation.invited_by_id == self.viewer.id

    def rows_of(self, user_id: str | None) -> list[StageProgress]:
        return sorted((p for p in self.progress if p.user_id == user_id), key=lambda p: p.stage)

    def current(self, user_id: str | None) -> StageProgress | None:
        rows = self.rows_of(user_id)
        return rows[-1] if rows else None

    def row(self, user_id: str | None, stage: Stage) -> StageProgress | None:
        return next((p for p in self.rows_of(user_id) if p.stage == stage), None)

    def stage_of(self, user_id: str | None) -> int:
        """`user_id`'s current stage number; 0 when they have no progress row."""
        row = self.current(user_id)
        return row.stage if row is not None else 0

    @property
    def partner_id(self) -> str | None:
        return self.partner.id if self.partner is not None else None

    def other_of(self, user_id: str | None) -> str | None:
        """The other member: the partner for the viewer, the viewer for anyone else."""
        return self.partner_id if user_id == self.viewer.id else self.viewer.id

    def compact_signed(self, user_id: str | None) -> bool:
        stage0 = self.row(user_id, Stage.ONBOARDING)
        # Anyone past stage 0 has signed: the stage cannot be left otherwise.
        return bool(stage0 and stage0.gates_satisfied.get("compactSigned")) or any(
            p.stage > Stage.ONBOARDING for p in self.rows_of(user_id)
        )


async def load_locked_context(
    uow: UnitOfWork, session_id: str, viewer: User
) -> SessionContext:
    """Lock the session's relationship first, then load: for writes that decide on both
    partners' state (the lock serialises them; reading after it sees the winner's commit)."""
    session = await uow.sessions.get(session_id)
    if session is not None:
        await uow.relationships.lock(session.relationship_id)
    return await load_context(uow, session_id, viewer)


async def load_context(uow: UnitOfWork, session_id: str, viewer: User) -> SessionContext:
    session = await uow.sessions.get(session_id)
    if session is None:
        raise NotFound("Session not found")
    members = await uow.relationships.members(session.relationship_id)
    me = next((m for m in members if m.user_id == viewer.id), None)
    if me is None:
        raise Forbidden("You do not have access to this session")
    my_vessel = await uow.vessels.user_vessel(session.id, viewer.id)
    if my_vessel is None:
        # A member who has not joined this session (a known person invited by id, before
        # accepting) or who left it sees nothing of it.
        raise Forbidden("You do not have access to this session")
    partner_member = next((m for m in members if m.user_id != viewer.id), None)
    partner = await uow.users.get(partner_member.user_id) if partner_member else None
    context = SessionContext(
        session=session,
        viewer=viewer,
        me=me,
        partner_member=partner_member,
        partner=partner,
        invitation=await uow.invitations.for_session(session.id),
        progress=await uow.progress.for_session(session.id),
        my_vessel=my_vessel,
    )
    if partner is not None:
        context.partner_vessel = await uow.vessels.user_vessel(session.id, partner.id)
    return context


def _progress_view(
    row: StageProgress | None, *, for_partner: bool, viewer_signed: bool = True
) -> ProgressView | None:
    if row is None:
        return None
    gates = (
        partner_visible_gates(row.gates_satisfied, viewer_signed)
        if for_partner
        else dict(row.gates_satisfied)
    )
    return ProgressView(row.stage, row.status, row.started_at, row.completed_at, gates)


def partner_view(context: SessionContext) -> PartnerView:
    name = display_name(context.partner, context.me)
    if name is None and context.invitation is not None and context.is_inviter:
        name = context.invitation.name
    return PartnerView(
        id=context.partner.id if context.partner else None,
        name=name,
        nickname=context.me.nickname,
    )


def _actions(context: SessionContext) -> tuple[str, list[str], list[str]]:
    """A summary line plus what the viewer and the partner could do next."""
    session, viewer_id = context.session, context.viewer.id
    partner_name = partner_view(context).name or PARTNER_FALLBACK_NAME
    mine = context.current(viewer_id)
    if session.status in (SessionStatus.RESOLVED, SessionStatus.ARCHIVED):
        return ("Session complete", [], [])
    if session.status is SessionStatus.ABANDONED:
        return ("Session ended", [], [])
    if session.status is SessionStatus.PAUSED:
        return ("Session paused", ["resume"], [])
    self_actions: list[str] = []
    partner_actions: list[str] = []
    if not context.compact_signed(viewer_id):
        self_actions.append("sign_compact")
    elif context.is_inviter and mine is not None and mine.stage == Stage.ONBOARDING:
        if session.topic_frame_confirmed_at is None:
            self_actions.append("confirm_topic_frame")
        else:
            self_actions.append("confirm_invitation")
    if context.partner is None and session.status is SessionStatus.INVITED:
        partner_actions.append("accept_invitation")
        return (f"Waiting for {partner_name} to join", self_actions, partner_actions)
    if session.status is SessionStatus.CREATED:
        return ("Getting started", self_actions, partner_actions)
    viewer_signed = context.compact_signed(viewer_id)
    if (context.partner is not None and viewer_signed
            and not context.compact_signed(context.partner.id)):
        # Only once I have signed may I learn whether the partner has.
        partner_actions.append("sign_compact")
    stage = Stage(mine.stage) if mine else Stage.ONBOARDING
    return (f"Stage {int(stage)}: {stage.name.replace('_', ' ').title()}", self_actions,
            partner_actions)


def session_view(context: SessionContext) -> SessionView:
    vessel = context.my_vessel
    last_viewed = vessel.last_viewed_at if vessel else None
    summary, self_actions, partner_actions = _actions(context)
    partner_id = context.partner.id if context.partner else None
    return SessionView(
        session=context.session,
        partner=partner_view(context),
        my_progress=_progress_view(context.current(context.viewer.id), for_partner=False),
        partner_progress=_progress_view(
            context.current(partner_id),
            for_partner=True,
            viewer_signed=context.compact_signed(context.viewer.id),
        ),
        status_summary=summary,
        self_action_needed=self_actions,
        partner_action_needed=partner_actions,
        has_unread=last_viewed is not None and context.session.updated_at > last_viewed,
        last_viewed_at=last_viewed,
        last_seen_chat_item_id=vessel.last_seen_chat_item_id if vessel else None,
    )


def advance_check(context: SessionContext) -> AdvanceCheck | None:
    """May the viewer leave their current stage by the generic gate table (domain/gates.py)?
    None when they have no open stage (not joined, or their current row is completed)."""
    mine = context.current(context.viewer.id)
    if mine is None or mine.status is StageStatus.COMPLETED:
        return None
    partner_id = context.partner.id if context.partner else None
    partner_now = context.current(partner_id) if partner_id else None
    partner_row = context.row(partner_id, Stage(mine.stage)) if partner_id else None
    return check_advance(
        mine.stage, mine.gates_satisfied, inviter=context.is_inviter,
        partner_stage=partner_now.stage if partner_now else None,
        partner_gates_at_stage=partner_row.gates_satisfied if partner_row else None,
        partner_signed_compact=bool(partner_id) and context.compact_signed(partner_id),
    )


def can_advance(context: SessionContext) -> bool:
    """Whether `POST /stages/advance` would move the viewer on now."""
    check = advance_check(context)
    return check is not None and check.allowed
