"""Consented content in a session's shared vessel, and logged calming exercises.

Nothing moves from a person's private vessel into the shared vessel without their explicit
GRANTED decision. Revoking marks the shared row inactive; it does not un-reveal anything the
partner has already seen through the stage routes (partner-journey.md §8 rule 10), and the
consents those stage routes stand for (STAGE_BOUND_CONSENTS) cannot be revoked at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mwf_core.domain.enums import ConsentContentType

EDITED_CONTENT_MAX = 5000

# Consents the stages rely on: a shared need or empathy statement is revealed to the partner
# by the stage routes themselves (needs comparison, empathy reveal), which never consult
# consent records. Revoking them would promise an un-sharing that does not happen, so it is
# refused; only generic consents (ConsentedContent in the shared vessel) can be revoked.
STAGE_BOUND_CONSENTS = frozenset({
    ConsentContentType.IDENTIFIED_NEED,
    ConsentContentType.EMPATHY_DRAFT,
    ConsentContentType.EMPATHY_ATTEMPT,
})
STAGE_BOUND_REVOKE_MESSAGE = (
    "Shared needs and empathy statements stay shared; this consent cannot be revoked "
    "(only content shared through a consent request can be)")
INTENSITY_MIN, INTENSITY_MAX = 1, 10


class ExerciseType(StrEnum):
    BREATHING_EXERCISE = "BREATHING_EXERCISE"
    BODY_SCAN = "BODY_SCAN"
    GROUNDING = "GROUNDING"
    PAUSE_SESSION = "PAUSE_SESSION"


@dataclass(slots=True)
class ConsentedContent:
    """One GRANTED consent's content in the shared vessel (one row per consent record)."""

    id: str
    session_id: str
    shared_vessel_id: str | None
    consent_record_id: str
    source_user_id: str | None  # None once the giver deleted their data
    target_id: str | None
    transformed_content: str
    consented_at: datetime
    consent_active: bool = True
    revoked_at: datetime | None = None


@dataclass(slots=True)
class ExerciseCompletion:
    """A calming exercise someone did; private to them like their emotional readings."""

    id: str
    vessel_id: str
    type: ExerciseType
    completed_at: datetime
    intensity_before: int | None = None
    intensity_after: int | None = None

    @property
    def intensity_delta(self) -> int | None:
        if self.intensity_before is None or self.intensity_after is None:
            return None
        return self.intensity_after - self.intensity_before
