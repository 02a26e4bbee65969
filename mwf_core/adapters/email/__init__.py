"""Outgoing email: `email:` outbox rows sent through Resend (or logged when it is not set up)."""

from .factory import build_email_sink
from .resend_sink import LogEmailSink, ResendEmailSink

__all__ = ["LogEmailSink", "ResendEmailSink", "build_email_sink"]
