"""Stage 2: the reconciler's records and its pure rules.

The reconciler compares one person's empathy statement (the *guesser*) with what the other
person (the *subject*) said in stage 1, privately, on the server. Its result decides whether
the guesser's attempt is ready for the mutual reveal or whether the subject is first offered to
share a little more context. A direction is (guesser -> subject); each has at most one live
result (older ones are superseded) and at most one open share offer.

Privacy (partner-journey.md §8 rule 2): a result holds words derived from the subject's
private stage 1 (gap summary, missed feelings, the most important gap, the suggested share
text). Only the *abstract* hints (`area_hint`, `guidance_type`, `prompt_seed`) may ever reach
the guesser; the share text reaches the guesser only once the subject accepts it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RecommendedAction(StrEnum):
    PROCEED = "PROCEED"
    OFFER_OPTIONAL = "OFFER_OPTIONAL"
    OFFER_SHARING = "OFFER_SHARING"


class GapSeverity(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"


class ShareOfferStatus(StrEnum):
    PENDING = "PENDING"  # created, the subject has not opened it yet
    OFFERED = "OFFERED"  # the subject has seen it
    ACCEPTED = "ACCEPTED"  # shared (as suggested or in the subject's own words)
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"  # the stage moved on before an answer
    NOT_OFFERED = "NOT_OFFERED"
    SKIPPED = "SKIPPED"


OPEN_OFFER = frozenset({ShareOfferStatus.PENDING, ShareOfferStatus.OFFERED})

# More resubmits than this in one direction: the reconciler is skipped and the attempt goes to
# the reveal as it is (the counter is the attempt's revision_count, raised on every resubmit).
CIRCUIT_BREAKER_LIMIT = 3
SHARED_CONTENT_MAX = 2000
TEXT_MAX = 2000
LIST_MAX = 10


@dataclass(slots=True)
class ReconcilerResult:
    """One analysis of one direction. Private to the server (see the module docstring)."""

    id: str
    session_id: str
    guesser_id: str
    subject_id: str
    created_at: datetime
    alignment_score: int = 0
    alignment_summary: str = ""
    correctly_identified: list[str] = field(default_factory=list)
    gap_severity: GapSeverity = GapSeverity.NONE
    gap_summary: str = ""
    missed_feelings: list[str] = field(default_factory=list)
    misattributions: list[str] = field(default_factory=list)
    most_important_gap: str | None = None
    recommended_action: RecommendedAction = RecommendedAction.PROCEED
    rationale: str = ""
    sharing_would_help: bool = False
    suggested_share_focus: str | None = None
    area_hint: str | None = None
    guidance_type: str | None = None
    prompt_seed: str | None = None
    suggested_share_content: str | None = None
    suggested_share_reason: str | None = None
    iteration: int = 0
    was_circuit_breaker_trip: bool = False
    superseded_at: datetime | None = None


@dataclass(slots=True)
class ShareOffer:
    """The subject is asked whether to share some context with the guesser. The suggested
    text is the subject's until they accept; `shared_content` is what the guesser receives."""

    id: str
    session_id: str
    result_id: str
    user_id: str  # the subject (who is asked)
    guesser_id: str
    status: ShareOfferStatus
    created_at: datetime
    updated_at: datetime
    suggested_content: str = ""
    suggested_reason: str = ""
    suggested_share_focus: str | None = None
    recommended_action: RecommendedAction = RecommendedAction.OFFER_SHARING
    offer_message_id: str | None = None
    refined_content: str | None = None
    shared_content: str | None = None
    shared_at: datetime | None = None
    declined_at: datetime | None = None
    skipped_at: datetime | None = None
    iteration: int = 0


def sharing_offered(action: RecommendedAction, suggested_share_focus: str | None) -> bool:
    """OFFER_SHARING always offers; OFFER_OPTIONAL only with something to focus on."""
    if action is RecommendedAction.OFFER_SHARING:
        return True
    return action is RecommendedAction.OFFER_OPTIONAL and bool(suggested_share_focus)


def circuit_breaker_tripped(revision_count: int) -> bool:
    return revision_count > CIRCUIT_BREAKER_LIMIT


@dataclass(frozen=True, slots=True)
class Analysis:
    """The model's answer, cleaned: every field has a safe value whatever came back."""

    alignment_score: int = 0
    alignment_summary: str = ""
    correctly_identified: tuple[str, ...] = ()
    gap_severity: GapSeverity = GapSeverity.NONE
    gap_summary: str = ""
    missed_feelings: tuple[str, ...] = ()
    misattributions: tuple[str, ...] = ()
    most_important_gap: str | None = None
    recommended_action: RecommendedAction = RecommendedAction.PROCEED
    rationale: str = ""
    sharing_would_help: bool = False
    suggested_share_focus: str | None = None
    area_hint: str | None = None
    guidance_type: str | None = None
    prompt_seed: str | None = None
    parsed: bool = True  # False: the answer was unusable and this is the PROCEED fallback


FALLBACK_ANALYSIS = Analysis(rationale="The analysis was unavailable.", parsed=False)


def _object(text: str) -> dict[str, Any] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(text[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int = TEXT_MAX) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _optional_text(value: Any, limit: int = TEXT_MAX) -> str | None:
    return _text(value, limit) or None


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(s.strip()[:500] for s in value if isinstance(s, str) and s.strip())[:LIST_MAX]


def _score(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, min(100, int(value)))


def parse_analysis(text: str) -> Analysis | None:
    """The model's JSON, read defensively; None when no JSON object can be found."""
    raw = _object(text)
    if raw is None:
        return None
    alignment, gaps = _section(raw, "alignment"), _section(raw, "gaps")
    recommendation, guidance = _section(raw, "recommendation"), _section(raw, "abstractGuidance")
    try:
        severity = GapSeverity(str(gaps.get("severity", "none")).strip().lower())
    except ValueError:
        severity = GapSeverity.NONE
    try:
        action = RecommendedAction(str(recommendation.get("action", "PROCEED")).strip().upper())
    except ValueError:
        action = RecommendedAction.PROCEED
    return Analysis(
        alignment_score=_score(alignment.get("score")),
        alignment_summary=_text(alignment.get("summary")),
        correctly_identified=_strings(alignment.get("correctlyIdentified")),
        gap_severity=severity,
        gap_summary=_text(gaps.get("summary")),
        missed_feelings=_strings(gaps.get("missedFeelings")),
        misattributions=_strings(gaps.get("misattributions")),
        most_important_gap=_optional_text(gaps.get("mostImportantGap")),
        recommended_action=action,
        rationale=_text(recommendation.get("rationale")),
        sharing_would_help=recommendation.get("sharingWouldHelp") is True,
        suggested_share_focus=_optional_text(recommendation.get("suggestedShareFocus"), 500),
        area_hint=_optional_text(guidance.get("areaHint"), 300),
        guidance_type=_optional_text(guidance.get("guidanceType"), 64),
        prompt_seed=_optional_text(guidance.get("promptSeed"), 300),
    )


def parse_share_suggestion(text: str) -> tuple[str, str] | None:
    """(suggested content, reason) from the share-suggestion call: JSON
    `{suggestedContent, reason}` or plain text; None when empty."""
    raw = _object(text)
    if raw is not None:
        content = _text(raw.get("suggestedContent") or raw.get("content"), SHARED_CONTENT_MAX)
        reason = _text(raw.get("reason"), 500)
        return (content, reason) if content else None
    plain = text.strip()[:SHARED_CONTENT_MAX]
    return (plain, "") if plain else None
