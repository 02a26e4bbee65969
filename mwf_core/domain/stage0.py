"""Rules of stage 0: invitations, the Curiosity Compact and the neutral topic frame."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .enums import InvitationStatus
from .records import Invitation

INVITATION_TTL = timedelta(days=7)
TOPIC_FRAME_MAX_WORDS = 20
DEFAULT_TOPIC_FRAME = "Talking through what happened between us"


def invitation_status_as_seen(invitation: Invitation, now: datetime) -> InvitationStatus:
    """EXPIRED is shown lazily: a PENDING invitation past its expiry reads as EXPIRED."""
    if invitation.status is InvitationStatus.PENDING and now >= invitation.expires_at:
        return InvitationStatus.EXPIRED
    return invitation.status


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_COMMON_OPENERS = frozenset(
    {
        "a", "an", "the", "my", "our", "we", "i", "it", "he", "she", "they", "this", "that", "when",
        "every", "since", "after", "before", "there", "his", "her", "their", "me", "us", "you",
        "your", "why", "how", "what", "lately", "recently", "sometimes", "always", "money", "work",
        "home", "chores",
    }
)
_NAME_SUFFIX = re.compile(r"['’-]")
_WORD = re.compile(r"[\w'’-]+|[^\w\s]", re.UNICODE)


def propose_topic_frame(context: str | None, names: list[str | None]) -> str:
    """A neutral frame of at most 20 words, without anyone's name.

    Until the mediator proposes a frame in chat, this derives one from the context the inviter
    typed at creation: its first sentence, with every known name (and any other capitalised
    word inside a sentence, which is most likely a name) left out.
    """
    text = (context or "").strip()
    if not text:
        return DEFAULT_TOPIC_FRAME
    first_sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    banned = {part.lower() for name in names if name for part in name.split()}
    kept: list[str] = []
    for index, token in enumerate(_WORD.findall(first_sentence)):
        # A capitalised word is most likely a name, unless it opens the sentence as one of
        # the everyday words sentences start with.
        looks_like_name = token[:1].isupper() and token not in {"I", "I'm", "I’m"} and (
            index > 0 or token.lower() not in _COMMON_OPENERS
        )
        # "Bob's" and "Bob-the-builder" still name Bob.
        stem = _NAME_SUFFIX.split(token.lower(), maxsplit=1)[0]
        if stem in banned or looks_like_name:
            continue
        if not token[:1].isalnum():
            continue  # punctuation would read oddly once words are dropped
        kept.append(token)
    if not kept:
        return DEFAULT_TOPIC_FRAME
    words = ["Talking", "about:"] + kept
    return " ".join(words[:TOPIC_FRAME_MAX_WORDS])
