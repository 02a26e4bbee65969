"""Stage 3 rules that need no I/O: need status, request limits, the share-set check and the
fixed lines the mediator says at the stage-3 exit (partner-journey.md §1.4, §3.7)."""

from __future__ import annotations

from collections.abc import Iterable

from .records import IdentifiedNeed

CAPTURE_MAX = 50  # needs in one capture request (the original's limit)
NEED_TEXT_MAX = 500  # a need is a short label; 500 matches the limit on a correction
DESCRIPTION_MAX = 500
EVIDENCE_MAX = 10  # quotes backing one need
EVIDENCE_TEXT_MAX = 1000
CORRECTION_MAX = 500
NEED_IDS_MAX = 100

# A user who has shared their needs cannot change them any more (privacy rule 5: what the
# partner will see is exactly what was consented to).
SHARED_EDIT_REFUSAL = "Your needs have been shared and can no longer be changed"

WAITING_FOR_PARTNER_LINE = (
    "Thank you for sharing what matters to you. Once your partner shares their needs too, "
    "you will see both lists side by side and we can start looking for ways forward together."
)


def need_status(need: IdentifiedNeed) -> str:
    """The DTO status: deleted, superseded, locked or draft (in that order of precedence)."""
    if need.deleted_at is not None:
        return "deleted"
    if need.superseded_by_need_id is not None:
        return "superseded"
    if need.locked_at is not None:
        return "locked"
    return "draft"


def stage4_transition_line(first_need: str | None) -> str:
    """The fixed mediator line in each lane when both have shared and stage 4 opens."""
    if first_need:
        opening = (f"You both shared what matters most. You named \"{first_need}\" as one of "
                   "your needs, and your partner's list is there for you to read too.")
    else:
        opening = "You both shared what matters most, and your lists are now side by side."
    return (f"{opening} Now we move to finding ways forward: small, concrete ideas that could "
            "meet both of your needs. What is one thing you would be willing to try?")


def share_set_problem(requested: Iterable[str], live: list[IdentifiedNeed]) -> str | None:
    """Why a consent request is not exactly the set of live, confirmed needs (None if it is)."""
    wanted = list(requested)
    if not live:
        return "You have no needs to share yet"
    if len(set(wanted)) != len(wanted):
        return "needIds must not repeat a need"
    live_ids = {n.id for n in live}
    unknown = [i for i in wanted if i not in live_ids]
    if unknown:
        return f"Not one of your current needs: {', '.join(unknown)}"
    missing = live_ids - set(wanted)
    if missing:
        return (f"Share all of your current needs at once ({len(missing)} not included); "
                "remove any you do not want to share first")
    unconfirmed = [n.id for n in live if not n.confirmed]
    if unconfirmed:
        return f"Confirm every need before sharing ({len(unconfirmed)} not confirmed)"
    return None
