"""Stage 4 outcomes: agreements (what both said yes to), shared by the redesigned closure and
the legacy strategies/agreements flow, which the mobile app still calls."""

from __future__ import annotations

import hashlib
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


@dataclass(slots=True)
class StrategyRanking:
    """Legacy flow: one person's private ordering of the session's strategies (best first).
    One row per (session, user); submitting again replaces it."""

    id: str
    session_id: str
    user_id: str
    ranked_ids: list[str]
    submitted_at: datetime


# -- legacy flow: limits, gate keys and the pure rules -------------------------------------

STRATEGY_DESCRIPTION_MIN = 10
STRATEGY_DESCRIPTION_MAX = 1000
STRATEGY_NEEDS_MAX = 50
DURATION_MAX = 100
MEASURE_OF_SUCCESS_MAX = 500
AGREEMENT_DESCRIPTION_MAX = 1000
RANKED_IDS_MAX = 100
OVERLAP_TOP = 3  # the overlap is the intersection of both people's top three

READY_TO_RANK = "readyToRank"
READY_AT = "readyAt"
RANKING_SUBMITTED = "rankingSubmitted"
RANKING_SUBMITTED_AT = "rankingSubmittedAt"


class StrategyPhase(StrEnum):
    COLLECTING = "COLLECTING"  # proposing; not both ready to rank yet
    RANKING = "RANKING"  # both ready; not both ranked yet
    REVEALING = "REVEALING"  # both ranked: the overlap is visible


def strategy_phase(both_ready: bool, both_ranked: bool) -> StrategyPhase:
    if both_ranked:
        return StrategyPhase.REVEALING
    return StrategyPhase.RANKING if both_ready else StrategyPhase.COLLECTING


def viewer_order(viewer_id: str, strategy_ids: list[str]) -> list[str]:
    """The "shuffled" order one viewer sees: a hash of (viewer, strategy) decides it.

    Stable for that viewer (the list does not jump on every refresh, so ranking is calm) and
    different for the partner; it never follows creation order, which would hint at who
    proposed what (for example "mine were added first")."""
    return sorted(strategy_ids,
                  key=lambda sid: hashlib.sha256(f"{viewer_id}\x00{sid}".encode()).hexdigest())


def overlap_of(first: list[str], second: list[str], top: int = OVERLAP_TOP) -> list[str]:
    """Ids in both people's top `top`, best combined position first (then id)."""
    a, b = first[:top], second[:top]
    shared = set(a) & set(b)
    return sorted(shared, key=lambda sid: (a.index(sid) + b.index(sid), sid))


def agreement_candidates(first: list[str], second: list[str]) -> list[str]:
    """What to turn into agreements: the overlap, or with no overlap each person's first
    choice (something concrete to talk about)."""
    shared = overlap_of(first, second)
    if shared:
        return shared
    return list(dict.fromkeys(ranked[0] for ranked in (first, second) if ranked))


def counts_toward_limit(agreement: Agreement) -> bool:
    return agreement.status is not AgreementStatus.ABANDONED


def fully_agreed(agreement: Agreement) -> bool:
    return agreement.agreed_by_a and agreement.agreed_by_b
