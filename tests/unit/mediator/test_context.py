"""History trimming by a rough token budget."""

from __future__ import annotations

from mwf_core.mediator.context import TURN_OVERHEAD_TOKENS, estimate_tokens, trim_history
from mwf_core.ports.llm import ChatTurn


def u(text: str) -> ChatTurn:
    return ChatTurn("user", text)


def a(text: str) -> ChatTurn:
    return ChatTurn("assistant", text)


def cost(text: str) -> int:
    return estimate_tokens(text) + TURN_OVERHEAD_TOKENS


def test_estimate_tokens_is_about_four_characters_per_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 4000) == 1000


def test_everything_fits() -> None:
    turns = [u("hi"), a("hello"), u("how are you")]
    assert trim_history(turns, 10_000) == turns


def test_oldest_turns_are_dropped_first() -> None:
    turns = [u("a" * 400), a("b" * 400), u("c" * 40), a("d" * 40), u("e" * 40)]
    budget = cost("c" * 40) + cost("d" * 40) + cost("e" * 40)
    assert trim_history(turns, budget) == turns[2:]


def test_latest_user_turn_is_kept_even_over_budget() -> None:
    turns = [u("short"), a("reply"), u("x" * 4000)]
    assert trim_history(turns, 10) == [turns[-1]]
    assert trim_history([u("x" * 4000)], 0) == [u("x" * 4000)]


def test_never_starts_with_an_assistant_turn_when_avoidable() -> None:
    turns = [u("a" * 400), a("b" * 40), u("c" * 40)]
    budget = cost("b" * 40) + cost("c" * 40)
    assert trim_history(turns, budget) == [turns[-1]]


def test_trailing_assistant_turns_after_the_last_user_turn_are_kept() -> None:
    turns = [u("question"), a("answer")]
    assert trim_history(turns, 1) == turns


def test_edge_cases() -> None:
    assert trim_history([], 100) == []
    only_ai = [a("greeting")]
    assert trim_history(only_ai, 100) == only_ai
    assert trim_history(only_ai, 0) == []
