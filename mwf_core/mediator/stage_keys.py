"""The prompt keys a turn can use (see `mwf_core.domain.conversation.stage_key`)."""

from __future__ import annotations

from mwf_core.domain.conversation import INFORMED_EMPATHY, INVITATION_PHASE

INVITATION = INVITATION_PHASE
ONBOARDING = "0"
WITNESS = "1"
PERSPECTIVE = "2"
REFINEMENT = str(INFORMED_EMPATHY)
NEEDS = "3"
REPAIR = "4"

STAGE_KEYS: tuple[str, ...] = (
    INVITATION, ONBOARDING, WITNESS, PERSPECTIVE, REFINEMENT, NEEDS, REPAIR,
)


def require_stage_key(key: str) -> str:
    """The key itself, or ValueError when no prompt exists for it (a caller bug, not bad input)."""
    if key not in STAGE_KEYS:
        raise ValueError(f"unknown stage key {key!r}; expected one of {', '.join(STAGE_KEYS)}")
    return key
