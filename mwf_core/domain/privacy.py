"""What one partner may see of the other. Every read path and event payload goes through here."""

from __future__ import annotations

from typing import Any

from .records import RelationshipMember, User

# Gate keys that only say *that* something happened (flags and their times). Free text such as
# stage-1 `feedback`, stage-2 `skipReason`, emotional readings and willingness decisions are
# private to their author, so they are never copied to the partner (the original leaked them
# through GET /progress).
PARTNER_VISIBLE_GATE_KEYS = frozenset(
    {
        "compactSigned",
        "signedAt",
        "invitationSent",
        "feelHeardConfirmed",
        "feelHeardConfirmedAt",
        "empathyValidated",
        "validatedAt",
        "skippedRefinement",
        "needsConfirmed",
        "confirmedAt",
        "needsIdentifiedAt",
        "needsShared",
        "sharedAt",
        "needsValidated",
        "needsValidatedAt",
        "needsRevealReviewedAt",
        "selectionSubmitted",
        "selectionSubmittedAt",
        "readyToRank",
        "readyAt",
        "rankingSubmitted",
        "rankingSubmittedAt",
    }
)


# The partner's signature is hidden until the viewer has signed too (the compact's own rule).
COMPACT_GATE_KEYS = frozenset({"compactSigned", "signedAt"})

# How the other person is named when no name of theirs is known.
PARTNER_FALLBACK_NAME = "your partner"


def partner_visible_gates(gates: dict[str, Any], viewer_signed_compact: bool) -> dict[str, Any]:
    visible = PARTNER_VISIBLE_GATE_KEYS
    if not viewer_signed_compact:
        visible = visible - COMPACT_GATE_KEYS
    return {key: value for key, value in gates.items() if key in visible}


def partner_compact_visible(i_have_signed: bool) -> bool:
    """The partner's signing state is hidden until I have signed myself."""
    return i_have_signed


def display_name(person: User | None, my_membership: RelationshipMember | None) -> str | None:
    """How I know the other person: my nickname for them, else first name, else full name."""
    if my_membership is not None and my_membership.nickname:
        return my_membership.nickname
    if person is None:
        return None
    return person.first_name or person.name


def initials(name: str | None) -> str:
    parts = [part for part in (name or "").split() if part]
    return "".join(part[0].upper() for part in parts[:2]) or "?"
