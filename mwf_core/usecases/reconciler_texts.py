"""The reconciler's prompts, fixed lines and model calls (each with its fallback).

The analysis reads the subject's private stage 1 on the server only; nothing here is shown to
the guesser except the fixed lines below and, later, the abstract hints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mwf_core.domain.reconciler import (
    FALLBACK_ANALYSIS,
    Analysis,
    parse_analysis,
    parse_share_suggestion,
)
from mwf_core.ports.llm import ChatTurn, LanguageModel, LlmError, LlmRequest, ModelRole

log = logging.getLogger("mwf.reconciler")

ANALYSIS_CALL = "reconciler-analysis"
SUGGESTION_CALL = "reconciler-share-suggestion"
SUBJECT_MESSAGES_MAX = 60  # the newest stage-1 messages of the subject given to the model
SUBJECT_CHARS_MAX = 12000  # and at most this much of their text

ANALYSIS_PROMPT = """\
You help a mediator check how well one person (the guesser) has understood another person's \
experience (the subject). You get the guesser's empathy statement, written in the subject's \
voice, and what the subject said privately about the conflict. Compare them carefully and \
kindly. Answer with one JSON object only, no prose:
{"alignment": {"score": <0-100>, "summary": "<one sentence>", "correctlyIdentified": \
["<feeling or need the guesser got right>"]},
 "gaps": {"severity": "none|minor|moderate|significant", "summary": "<one sentence>", \
"missedFeelings": ["..."], "misattributions": ["..."], "mostImportantGap": "<or null>"},
 "recommendation": {"action": "PROCEED|OFFER_OPTIONAL|OFFER_SHARING", "rationale": "...", \
"sharingWouldHelp": <true|false>, "suggestedShareFocus": "<what the subject could share, or \
null>"},
 "abstractGuidance": {"areaHint": "<a broad area to explore, never the subject's words>", \
"guidanceType": "<e.g. explore_feelings, explore_needs, explore_context>", "promptSeed": \
"<a gentle open question for the guesser>"}}
Choose PROCEED when the statement captures the heart of the subject's experience. Choose \
OFFER_SHARING only when an important part is missing and a little context from the subject \
would clearly help. The abstract guidance must not reveal anything the subject said."""

SUGGESTION_PROMPT = """\
You help a person decide whether to share a little more of their experience with the other \
person in a mediated conversation. The other person tried to describe how this felt for them \
and missed something. Write a short suggestion (two or three sentences, first person, warm, no \
blame) of what the person could share, focused on the given area, plus one sentence on why it \
could help. Answer with JSON only: {"suggestedContent": "...", "reason": "..."}"""

ALIGNMENT_LINE = (
    "Thank you for putting yourself in {subject}'s place. What you wrote reflects a lot of "
    "what matters to them. When {subject} has finished their side too, you will both see "
    "each other's statements."
)
BREAKER_LINE = (
    "You have put real care into understanding {subject}. Your statement will be shared as it "
    "is once {subject} is ready too."
)
AWAITING_LINE = "{subject} is considering a suggestion to share more."
REFLECTION_LINE = (
    "{subject} chose to share a little more about their side (above). Take a moment with it: "
    "does it change how you see what they went through? When you are ready, you can revise "
    "your statement."
)
ACKNOWLEDGEMENT_LINE = (
    "Thank you for sharing that. {guesser} will see it and can use it to understand you better."
)
FALLBACK_SUGGESTION = (
    "There is more to how this felt for me than I have said so far, and I would like you to "
    "understand that part too."
)
FALLBACK_REASON = (
    "{guesser} is working on understanding your side; a little more context could help."
)


@dataclass(frozen=True, slots=True)
class AnalysisInput:
    session_id: str
    guesser_id: str
    guesser_name: str
    subject_id: str
    subject_name: str
    statement: str
    subject_messages: tuple[str, ...]
    notable_facts: tuple[str, ...]
    iteration: int


def _bounded(messages: tuple[str, ...]) -> list[str]:
    kept: list[str] = []
    total = 0
    for text in reversed(messages[-SUBJECT_MESSAGES_MAX:]):
        total += len(text)
        if total > SUBJECT_CHARS_MAX and kept:
            break
        kept.append(text)
    return list(reversed(kept))


def analysis_request(job: AnalysisInput) -> LlmRequest:
    said = "\n".join(f"- {text}" for text in _bounded(job.subject_messages)) or "(nothing yet)"
    facts = "\n".join(f"- {fact}" for fact in job.notable_facts) or "(none)"
    body = (
        f"Empathy statement by {job.guesser_name}, in {job.subject_name}'s voice:\n"
        f"{job.statement}\n\n{job.subject_name}'s own words in stage 1:\n{said}\n\n"
        f"Notable facts about {job.subject_name}'s side:\n{facts}"
    )
    return LlmRequest(
        role=ModelRole.MEDIATOR, call_type=ANALYSIS_CALL, system_static=ANALYSIS_PROMPT,
        messages=(ChatTurn("user", body),), max_tokens=1500, session_id=job.session_id,
        user_id=job.guesser_id,
        hints={"call_type": ANALYSIS_CALL, "statement": job.statement,
               "subject_message_count": len(job.subject_messages), "iteration": job.iteration},
    )


async def analyse(llm: LanguageModel, job: AnalysisInput) -> Analysis:
    """The model's analysis; PROCEED (logged) when the model fails or answers nonsense, so a
    person is never stuck waiting on it."""
    try:
        text = (await llm.complete(analysis_request(job))).text
    except LlmError as error:
        log.warning("reconciler analysis %s -> %s failed, proceeding: %s",
                    job.guesser_id, job.subject_id, error)
        return FALLBACK_ANALYSIS
    parsed = parse_analysis(text)
    if parsed is None:
        log.warning("reconciler analysis %s -> %s was not JSON, proceeding",
                    job.guesser_id, job.subject_id)
        return FALLBACK_ANALYSIS
    return parsed


async def share_suggestion(llm: LanguageModel, job: AnalysisInput, analysis: Analysis
                           ) -> tuple[str, str]:
    """(suggested content, reason) for the subject; a fixed one when the model fails."""
    said = "\n".join(f"- {text}" for text in _bounded(job.subject_messages)) or "(nothing yet)"
    body = (
        f"You are writing for {job.subject_name}. What they said earlier:\n{said}\n\n"
        f"Area {job.guesser_name} could understand better: "
        f"{analysis.suggested_share_focus or analysis.most_important_gap or 'their feelings'}"
    )
    request = LlmRequest(
        role=ModelRole.MEDIATOR, call_type=SUGGESTION_CALL, system_static=SUGGESTION_PROMPT,
        messages=(ChatTurn("user", body),), max_tokens=600, session_id=job.session_id,
        user_id=job.subject_id,
        hints={"call_type": SUGGESTION_CALL, "focus": analysis.suggested_share_focus or ""},
    )
    fallback = (FALLBACK_SUGGESTION, FALLBACK_REASON.format(guesser=job.guesser_name))
    try:
        parsed = parse_share_suggestion((await llm.complete(request)).text)
    except LlmError as error:
        log.warning("share suggestion for %s fell back to the fixed text: %s",
                    job.subject_id, error)
        return fallback
    if parsed is None:
        return fallback
    content, reason = parsed
    return content, reason or fallback[1]
