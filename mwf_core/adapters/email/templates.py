"""The invitation email, in our own words. Every value from a user is HTML-escaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

INVITATION_DAYS = 7
_FALLBACK_INVITER = "Someone"


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def _expiry_line(expires_at: Any, now: datetime) -> str:
    """Days left counted in UTC calendar days, like the date shown beside them: a resend keeps
    the original expiry, so it usually has fewer than seven left."""
    if not isinstance(expires_at, str) or not expires_at:
        return f"This invitation expires in {INVITATION_DAYS} days."
    try:
        when = datetime.fromisoformat(expires_at.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return f"This invitation expires in {INVITATION_DAYS} days."
    days_left = (when.date() - now.astimezone(UTC).date()).days
    if days_left <= 0:
        left = "today"
    elif days_left == 1:
        left = "tomorrow"
    else:
        left = f"in {days_left} days"
    return f"This invitation expires {left} ({when:%B} {when.day}, {when:%Y})."


def invitation_email(payload: dict[str, Any], now: datetime) -> RenderedEmail:
    """Subject, HTML and plain text for an `invitation.email` row's payload
    ({to, inviterName, invitationId, invitationUrl, expiresAt}), as sent at `now`."""
    inviter = str(payload.get("inviterName") or "").strip() or _FALLBACK_INVITER
    url = str(payload.get("invitationUrl") or "")
    expiry = _expiry_line(payload.get("expiresAt"), now)
    subject = f"{inviter} invited you to Meet Without Fear"
    intro = f"{inviter} would like to work through something with you on Meet Without Fear."
    about = (
        "Meet Without Fear guides two people, one step at a time, from telling their own side "
        "to understanding each other and agreeing on what to try next."
    )
    unexpected = "Not expecting this? You can safely ignore this email; nothing happens if you do."
    text = (
        "\n\n".join(
            [
                "You're invited",
                intro,
                about,
                f"Accept the invitation: {url}",
                expiry,
                unexpected,
            ]
        )
        + "\n"
    )
    e_url = escape(url, quote=True)
    html = (
        '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5;'
        'color:#1f2937;max-width:560px;margin:0 auto;padding:24px">'
        '<h1 style="font-size:22px">You\'re invited</h1>'
        f"<p>{escape(intro)}</p>"
        f"<p>{escape(about)}</p>"
        f'<p><a href="{e_url}" style="display:inline-block;background:#4f46e5;color:#ffffff;'
        'padding:12px 20px;border-radius:8px;text-decoration:none">Accept invitation</a></p>'
        f'<p style="font-size:13px">Or open this link: <a href="{e_url}">{escape(url)}</a></p>'
        f'<p style="font-size:13px">{escape(expiry)}</p>'
        f'<p style="font-size:12px;color:#6b7280">{escape(unexpected)}</p>'
        "</body></html>"
    )
    return RenderedEmail(subject, html, text)
