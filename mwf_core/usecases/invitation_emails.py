"""Invitation emails: the outbox row that sends one, and the per-inviter daily cap.

Creating a session with `inviteEmail` and resending an invitation both queue an
`invitation.email` row, and both count against one cap, read from the outbox itself: the rows
this inviter's invitations queued in the last 24 hours. The cap is checked before anything is
written, so a refused request leaves no trace. The inviter's user row is locked first, so two
requests from one inviter cannot both count below the cap and both queue (the cap is exact).
Outbox rows are kept at least a day (MWF_OUTBOX_RETENTION_DAYS >= 1), so none in the window
has been deleted.
"""

from __future__ import annotations

from datetime import timedelta

from mwf_core.domain import events
from mwf_core.domain.errors import RateLimited
from mwf_core.domain.records import Invitation, OutboxEvent, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, new_event

DEFAULT_EMAILS_PER_DAY = 20
EMAIL_WINDOW = timedelta(hours=24)


def invitation_url(deps: Dependencies, invitation_id: str) -> str:
    return f"{deps.app_url.rstrip('/')}/invitation/{invitation_id}"


async def check_email_allowance(
    uow: UnitOfWork, deps: Dependencies, inviter_id: str, per_day: int
) -> None:
    """RATE_LIMITED (429) when this inviter already queued `per_day` emails in 24 hours.

    Call it inside the transaction that queues the email: the lock it takes on the inviter
    holds until that transaction ends."""
    await uow.users.lock(inviter_id)
    since = deps.clock.now() - EMAIL_WINDOW
    if await uow.invitations.emails_queued_by(inviter_id, since) >= per_day:
        raise RateLimited(
            f"You can send at most {per_day} invitation emails in 24 hours; "
            "share the invitation link instead, or try again later"
        )


def invitation_email_event(
    deps: Dependencies, invitation: Invitation, inviter: User
) -> OutboxEvent:
    """A new `invitation.email` row. Its id is the Resend Idempotency-Key, so retries of this
    row send one email and a resend (a new row) sends another."""
    if not invitation.invite_email:
        raise ValueError(f"invitation {invitation.id} has no email address to send to")
    return new_event(
        deps,
        events.email_channel(invitation.id),
        events.INVITATION_EMAIL,
        invitation.session_id,
        {
            "to": invitation.invite_email,
            "inviterName": inviter.name or inviter.first_name or None,
            "invitationId": invitation.id,
            "invitationUrl": invitation_url(deps, invitation.id),
            "expiresAt": js_iso(invitation.expires_at),
        },
    )
