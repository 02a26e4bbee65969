"""The offline mediator's answers to the reconciler's two calls (deterministic, no model).

`reconciler-analysis`: PROCEED (so an offline journey reaches the reveal) unless the empathy
statement (`hints["statement"]`) is very short (fewer than SHORT_STATEMENT_WORDS words), which
answers OFFER_SHARING with a generic focus: the share-offer path can be walked offline too.
`reconciler-share-suggestion`: a fixed, generic suggestion in the subject's voice.
Neither answer quotes anything of the subject's: the offline mediator cannot judge it.
"""

from __future__ import annotations

from typing import Any

from mwf_core.ports.llm import LlmRequest

ANALYSIS = "reconciler_analysis"
SUGGESTION = "reconciler_share_suggestion"
SHORT_STATEMENT_WORDS = 8


def analysis(request: LlmRequest) -> dict[str, Any]:
    # The statement comes as a hint; a request without one is judged to need nothing more.
    statement = request.hints.get("statement")
    short = isinstance(statement, str) and len(statement.split()) < SHORT_STATEMENT_WORDS
    if short:
        return {
            "alignment": {"score": 40, "summary": "The statement is a start but brief.",
                          "correctlyIdentified": []},
            "gaps": {"severity": "moderate", "summary": "Much of the experience is not yet "
                     "described.", "missedFeelings": [], "misattributions": [],
                     "mostImportantGap": "How the situation felt from the inside."},
            "recommendation": {"action": "OFFER_SHARING",
                               "rationale": "A little context could help.",
                               "sharingWouldHelp": True,
                               "suggestedShareFocus": "how this felt from the inside"},
            "abstractGuidance": {"areaHint": "feelings beneath the events",
                                 "guidanceType": "explore_feelings",
                                 "promptSeed": "What might this have felt like for them?"},
        }
    return {
        "alignment": {"score": 80, "summary": "The statement reflects the main feelings.",
                      "correctlyIdentified": []},
        "gaps": {"severity": "none", "summary": "", "missedFeelings": [],
                 "misattributions": [], "mostImportantGap": None},
        "recommendation": {"action": "PROCEED", "rationale": "No significant gaps.",
                           "sharingWouldHelp": False, "suggestedShareFocus": None},
        "abstractGuidance": {"areaHint": None, "guidanceType": None, "promptSeed": None},
    }


def share_suggestion(request: LlmRequest) -> dict[str, Any]:
    return {
        "suggestedContent": "What I most want you to know is how this felt for me from the "
                            "inside, not just what happened.",
        "reason": "It could help them understand the feelings behind your side.",
    }


def answer(call: str, request: LlmRequest) -> dict[str, Any] | None:
    """The JSON answer for a reconciler call type (normalised with `_`), else None."""
    if call == SUGGESTION:
        return share_suggestion(request)
    if call.startswith("reconciler"):
        return analysis(request)
    return None
