"""Fixed texts of the empathy exchange, written for this project. `{name}` is the other person
as the reader knows them (their nickname for them, else first name)."""

from __future__ import annotations

from mwf_core.domain.privacy import PARTNER_FALLBACK_NAME

__all__ = ["PARTNER_FALLBACK_NAME"]

# In the author's lane, right after they share their statement.
SUBMITTED = (
    "Thank you. Your understanding of {name}'s experience is saved and held safely. {name} "
    "won't see it until you have both shared yours; then you can each read the other's. "
    "While you wait, you're welcome to keep exploring here."
)

# In the author's lane after a revised statement.
RESUBMITTED = (
    "Thank you for taking another look. Your revised understanding is on its way; once it has "
    "been considered, {name} will be able to read it."
)
RESUBMITTED_STATUS = "Your revised statement was shared"

# In the subject's lane once the other person's statement about them can be read.
READY_TO_REVIEW = (
    "{name} has shared how they imagine this has been for you, and it's ready for you to read. "
    "Take your time with it. Does it capture what you've been feeling? You can say it does, or "
    "tell {name} what they haven't quite understood yet."
)

# In the guesser's lane, above the subject's "not quite" feedback card.
FEEDBACK_FRAMING = (
    "{name} read what you shared and feels it doesn't quite capture their experience yet. "
    "Here is what they'd like you to understand. Take a moment with it, then try putting their "
    "experience into words again - I'm here to help you think it through."
)

# In each lane when both statements are validated and the pair moves on to stage 3.
STAGE3_TRANSITION = (
    "You and {name} have each taken the time to understand the other's experience, and each of "
    "you has recognised yourself in what the other shared. That is no small thing. Next we'll "
    "look at what matters most to you underneath all this - your needs - so we can find a way "
    "forward that works for both of you. What feels most important to you right now?"
)

# What the guesser's validation row records when they skip refining (the original's values).
ACCEPTED_DIFFERENCE = "ACCEPTED_DIFFERENCE"
REJECTED_OTHER_EXPERIENCE = "REJECTED_OTHER_EXPERIENCE"
