"""History trimming for the prompt: the newest turns that fit a rough token budget.

The estimate is deliberately crude (about 4 characters per token, plus a few tokens of framing
per turn): it only has to keep requests well under the model's window, not be exact.
"""

from __future__ import annotations

from collections.abc import Sequence

from mwf_core.ports.llm import ChatTurn

CHARS_PER_TOKEN = 4
TURN_OVERHEAD_TOKENS = 4  # role marker and separators around each message


def estimate_tokens(text: str) -> int:
    """Rough token count of `text` (ceil of characters / 4; 0 for "")."""
    return -(-len(text) // CHARS_PER_TOKEN)


def turn_tokens(turn: ChatTurn) -> int:
    return estimate_tokens(turn.text) + TURN_OVERHEAD_TOKENS


def trim_history(turns: Sequence[ChatTurn], budget_tokens: int) -> list[ChatTurn]:
    """The longest run of newest turns that fits `budget_tokens`, oldest first.

    - The latest user turn (and anything after it) is always kept, even over budget: it is what
      the model answers.
    - The kept turns are a contiguous suffix: a gap would make the dialogue misleading.
    - Leading assistant turns are dropped while a user turn follows, since a conversation sent to
      the model should start with the user.
    """
    if not turns:
        return []
    last_user = next((i for i in range(len(turns) - 1, -1, -1) if turns[i].role == "user"), None)
    forced_from = last_user if last_user is not None else len(turns)
    start, used = len(turns), 0
    for i in range(len(turns) - 1, -1, -1):
        cost = turn_tokens(turns[i])
        if i < forced_from and used + cost > budget_tokens:
            break
        used += cost
        start = i
    kept = list(turns[start:])
    while len(kept) > 1 and kept[0].role == "assistant" and any(
        t.role == "user" for t in kept[1:]
    ):
        kept.pop(0)
    return kept
