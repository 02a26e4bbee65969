"""The crisis check: explicit and implicit signals fire with the right level; idioms don't."""

from __future__ import annotations

import pytest

from mwf_core.mediator.crisis import (
    CATEGORIES,
    CrisisLevel,
    SafetyAssessment,
    assess,
    resources_block,
)

E, U, C = CrisisLevel.EMERGENCY, CrisisLevel.URGENT, CrisisLevel.CONCERN

POSITIVE: list[tuple[str, CrisisLevel, str]] = [
    # From the brief: explicit statements.
    ("I want to kill myself", U, "suicide"),
    ("he hits me", U, "violence"),
    ("I'm going to hurt him", U, "harm_to_others"),
    # Found in review: words between the intent and the act, and a time that makes it near.
    ("I will just kill him", U, "harm_to_others"),
    ("I could seriously hurt her", U, "harm_to_others"),
    ("I'm going to end it tonight", E, "suicide"),
    # From the brief: implicit signals.
    ("I've been counting my pills", E, "suicide"),
    ("I wrote goodbye letters to everyone", E, "suicide"),
    ("I have a plan for how to end it", E, "suicide"),
    ("I gave away my things", U, "suicide"),
    ("I won't be a problem much longer", U, "suicide"),
    # Our own.
    ("I cut myself again last night", U, "self_harm"),
    ("I've been cutting again", U, "self_harm"),
    ("Sometimes I think everyone would be better off without me", U, "suicide"),
    ("He threatened to kill me", U, "violence"),
    ("He's outside my door right now with a knife", E, "imminent_danger"),
    ("He pulled a knife on me", E, "violence"),
    ("He hits the kids when he's drunk", U, "child_abuse"),
    ("He touched my daughter inappropriately", U, "child_abuse"),
    ("I bought a rope to hang myself", E, "suicide"),
    ("I feel completely hopeless", C, "suicide"),
    ("I don't want to live anymore", U, "suicide"),
    ("i dont want to be alive anymore", U, "suicide"),
    ("im gonna kill myself", U, "suicide"),
    ("I'm going to kill him tonight", E, "harm_to_others"),
    ("I want to end it all tonight", E, "imminent_danger"),
    ("He choked me last week", U, "violence"),
    ("my husband slapped me again", U, "violence"),
    ("He\u2019s been shoving me around and he pushed me down the stairs", U, "violence"),
    ("I'm scared he is going to kill me", U, "violence"),
    ("I've been thinking about suicide", U, "suicide"),
    ("I can't stop thinking about killing myself", U, "suicide"),
    ("I wish I was dead", U, "suicide"),
    ("what's the point of living", U, "suicide"),
    ("I slapped her last night", U, "harm_to_others"),
    ("I'm not safe at home", E, "imminent_danger"),
    ("I'm afraid of him", C, "violence"),
    ("I can't take it anymore", C, "suicide"),
]

NEGATIVE = [
    # Ending a relationship is not ending a life.
    "I want to end it with him tonight",
    # From the brief: figurative speech.
    "this commute is killing me",
    "I could kill for a coffee",
    "my feet are killing me",
    "that joke killed",
    "I'm dying to see the movie",
    "the deadline is murder",
    # Our own: idioms, emotional hurt and negations.
    "He beat me at chess again",
    "She hit me up last night",
    "It hit me that we never talk",
    "He hit me with a question I wasn't ready for",
    "I nearly died laughing",
    "I could die of embarrassment",
    "I could just die, it was so embarrassing",
    "He kicked me out of the group chat",
    "We watched Suicide Squad on Friday",
    "I've been killing myself at work for this family",
    "I'm going to kill it at the presentation",
    "We kill time by watching shows",
    "I'm dying for a vacation",
    "She's a killer negotiator",
    "She's going to kill me when she sees the bill",
    "I don't want to die on this hill",
    "You really hurt me when you forgot my birthday",
    "I want to hurt his feelings the way he hurt mine",
    "I can't go on like this, something has to change",
    "I'm not suicidal, just exhausted",
    "I would never hurt him",
    "I'm not going to hurt him",
    "I don't want to hurt him, I just want him to listen",
    "He never hits me, he just goes silent",
    "",
    "   ",
]


@pytest.mark.parametrize(("text", "level", "category"), POSITIVE)
def test_signals_fire_with_the_expected_level(text: str, level: CrisisLevel, category: str) -> None:
    found = assess(text)
    assert found is not None, text
    assert found.level is level, (text, found)
    assert category in found.categories, (text, found)
    assert set(found.categories) <= set(CATEGORIES)
    assert found.signals


@pytest.mark.parametrize("text", NEGATIVE)
def test_figurative_speech_and_negations_do_not_fire(text: str) -> None:
    assert assess(text) is None


def test_lists_are_long_enough() -> None:
    assert len(POSITIVE) >= 15 and len(NEGATIVE) >= 15


def test_signal_inside_a_longer_message_and_upper_case() -> None:
    text = ("We argued again about the dishes. HE HITS ME when he's angry. "
            "Anyway, my commute is killing me too.")
    found = assess(text)
    assert found is not None and found.level is U and found.categories == ("violence",)


def test_highest_level_wins_and_categories_are_merged() -> None:
    found = assess("He hits me. I've been counting my pills.")
    assert found is not None
    assert found.level is E
    assert found.categories == ("suicide", "violence")


def test_signals_never_contain_the_users_words() -> None:
    found = assess("I wrote goodbye letters to everyone")
    assert found is not None
    assert all(" " not in s for s in found.signals)


def test_resources_block_is_empty_without_an_assessment() -> None:
    assert resources_block(None) == ""


def test_resources_block_for_suicide_mentions_988_and_international_options() -> None:
    block = resources_block(assess("I want to kill myself"))
    assert block.startswith("## Safety")
    assert "988" in block and "findahelpline.com" in block and "112" in block
    assert "still here" in block  # the mediator stays present
    assert "Domestic Violence" not in block


def test_resources_block_matches_categories_and_level() -> None:
    violence = resources_block(assess("he hits me"))
    assert "1-800-799-7233" in violence and "988 Suicide" not in violence
    child = resources_block(assess("He hits the kids"))
    assert "Childhelp" in child
    emergency = resources_block(SafetyAssessment(E, ("imminent_danger",), ("x",)))
    assert "emergency" in emergency.lower() and "call the local emergency number now" in emergency
    concern = resources_block(assess("I feel completely hopeless"))
    assert "gently" in concern and "only if" in concern
