"""Picks the email sink: Resend with RESEND_API_KEY, otherwise one that only logs."""

from __future__ import annotations

import logging

from mwf_core.config import Settings
from mwf_core.ports.delivery import EventSink
from mwf_core.ports.invitation_status import InvitationStatusReader
from mwf_core.ports.system import Clock

from .resend_sink import LogEmailSink, ResendEmailSink

log = logging.getLogger(__name__)


def build_email_sink(
    s: Settings, invitations: InvitationStatusReader | None = None, clock: Clock | None = None
) -> EventSink:
    """`invitations` lets the sink skip emails of invitations no longer pending; `clock` (the
    system clock by default) dates the "expires in N days" line."""
    if not s.resend_api_key:
        log.info("RESEND_API_KEY unset: invitation emails are logged, not sent")
        return LogEmailSink(invitations)
    return ResendEmailSink(
        s.resend_api_key, s.resend_api_url, s.from_email, invitations, clock=clock
    )
