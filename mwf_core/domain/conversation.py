"""Rules of the private chat: who may write when, which prompt a turn uses, the fixed texts."""

from __future__ import annotations

from .enums import SessionStatus, Stage

MESSAGE_MAX = 5000
FEEL_HEARD_FEEDBACK_MAX = 500
LIST_DEFAULT = 25
LIST_MAX = 500

# The stage-2 refinement sub-phase: a prompt, not a stage (StageProgress stays at 2).
INFORMED_EMPATHY = 21
INVITATION_PHASE = "invitation"


def chat_refusal(status: SessionStatus, is_creator: bool, has_progress: bool) -> str | None:
    """Why this person may not chat now, or None when they may.

    - CREATED: only the creator (they articulate the topic with the mediator).
    - INVITED: the creator, and anyone who already has progress.
    - ACTIVE and RESOLVED (tending conversation after the end): every member with progress.
    - PAUSED, ABANDONED, ARCHIVED, WAITING: nobody.
    """
    if status is SessionStatus.CREATED:
        return None if is_creator else "Session is not active"
    if status is SessionStatus.INVITED:
        return None if is_creator or has_progress else "Session is not active"
    if status in (SessionStatus.ACTIVE, SessionStatus.RESOLVED):
        return None if has_progress else "You have not joined this session yet"
    return "Session is not active"


def stage_key(status: SessionStatus, stage: int, is_creator: bool, refining: bool = False) -> str:
    """The prompt a turn uses: the invitation phase while the creator drafts the topic, then
    the stage number; "21" while the person's empathy statement is being refined."""
    if status is SessionStatus.CREATED and is_creator and stage == Stage.ONBOARDING:
        return INVITATION_PHASE
    if stage == Stage.PERSPECTIVE_STRETCH and refining:
        return str(INFORMED_EMPATHY)
    return str(stage)


def stored_stage(key: str) -> int:
    """The `stage` column of a message of this prompt (21 stays 21, as in the original)."""
    return 0 if key == INVITATION_PHASE else int(key)


# Written for this project: what the person reads when they move from stage 1 to stage 2.
FEEL_HEARD_TRANSITION = (
    "Thank you for staying with this. Feeling heard matters, and you got there. "
    "Next, we'll try something harder and just as important: imagining what this has been "
    "like for the other person. You don't have to agree with them - only to wonder. "
    "When you think about them in this situation, what do you guess they might be feeling?"
)


# Written for this project: the reply when a message carries an urgent or emergency safety
# signal and the model cannot answer. Resources first; the person is not left with an error.
CRISIS_FALLBACK = (
    "I'm sorry - I couldn't finish my reply just now, and what you wrote matters. If you might "
    "be in danger, or are thinking about ending your life, please reach out right now: call "
    "your local emergency number, or in the US call or text 988 (Suicide & Crisis Lifeline). "
    "If you can, tell someone near you how you are feeling. I'm still here when you want to "
    "keep writing."
)
