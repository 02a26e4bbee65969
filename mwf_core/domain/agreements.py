"""Stage 4 outcomes: agreements (what both said yes to), shared by the redesigned closure and
the legacy strategies/agreements flow, which the mobile app still calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_AGREEMENTS = 2  # per session, in both flows


class AgreementType(StrEnum):
    MICRO_EXPERIMENT = "MICRO_EXPERIMENT"
    COMMITMENT = "COMMITMENT"
    CHECK_IN = "CHECK_IN"
    HYBRID = "HYBRID"


class AgreementStatus(StrEnum):
    PROPOSED = "PROPOSED"
    AGREED = "AGREED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    ABANDONED = "ABANDONED"


@dataclass(slots=True)
class Agreement:
    """`agreed_by_a` / `agreed_by_b` follow the relationship's member order (A joined first)."""

    id: str
    session_id: str
    description: str
    type: AgreementType
    status: AgreementStatus
    created_at: datetime
    agreed_by_a: bool = False
    agreed_by_b: bool = False
    agreed_at: datetime | None = None
    follow_up_date: datetime | None = None
    duration: str | None = None
    measure_of_success: str | None = None
    proposal_id: str | None = None
    created_by_user_id: str | None = None
