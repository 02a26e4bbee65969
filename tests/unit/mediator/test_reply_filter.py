"""The streaming reply filter: hidden blocks, split tags, whitespace, and split invariance."""

from __future__ import annotations

import random

import pytest

from mwf_core.mediator.reply_filter import HIDDEN_TAGS, HiddenBlock, ReplyFilter, filter_reply


def stream(chunks: list[str]) -> tuple[str, list[str], object]:
    f = ReplyFilter()
    outs = [f.feed(c) for c in chunks]
    result = f.finish()
    return "".join(outs) + result.tail, outs, result


def visible(text: str) -> str:
    return filter_reply(text).tail


def test_plain_text_passes_through() -> None:
    assert visible("Hello there. How are you?") == "Hello there. How are you?"


def test_leading_thinking_block_is_hidden_and_whitespace_trimmed() -> None:
    text = "<thinking>They feel unseen; reflect that.</thinking>\n\n  It sounds lonely."
    result = filter_reply(text)
    assert result.tail == "It sounds lonely."
    assert result.contents("thinking") == ("They feel unseen; reflect that.",)


def test_reply_without_thinking_streams_normally() -> None:
    f = ReplyFilter()
    assert f.feed("It sounds") == "It sounds"
    assert f.feed(" hard.") == " hard."
    assert f.finish().tail == ""


def test_tag_split_across_chunks_is_buffered() -> None:
    f = ReplyFilter()
    assert f.feed("<thin") == ""
    assert f.feed("king>secret plan</thin") == ""
    assert f.feed("king>Hi") == "Hi"
    result = f.finish()
    assert result.text == "Hi"
    assert result.blocks == (HiddenBlock("thinking", "secret plan"),)


def test_possible_tag_start_is_held_then_released() -> None:
    f = ReplyFilter()
    assert f.feed("Hello <") == "Hello"
    assert f.feed("3 you") == " <3 you"
    assert f.finish().text == "Hello <3 you"


@pytest.mark.parametrize(
    "text",
    ["if a < b then", "a <b", "<3", "x << y", "<div>hi</div>", "<needy>x", "</div>", "< draft>",
     "1 <= 2", "<", "trailing <"],
)
def test_lone_or_foreign_angle_brackets_pass_through(text: str) -> None:
    assert visible(text) == text.strip()


@pytest.mark.parametrize("tag", sorted(HIDDEN_TAGS))
def test_every_hidden_tag_is_removed_with_its_content(tag: str) -> None:
    result = filter_reply(f"Before. <{tag}>secret</{tag}> After.")
    assert result.tail == "Before.  After."
    assert result.contents(tag) == ("secret",)


def test_draft_and_dispatch_contents_are_captured() -> None:
    text = ("Here is a way to put it: <draft> How we share the chores </draft>Does that fit?"
            "<dispatch>EXPLAIN_PROCESS</dispatch>")
    result = filter_reply(text)
    assert result.tail == "Here is a way to put it: Does that fit?"
    assert result.draft == "How we share the chores"
    assert result.dispatch == "EXPLAIN_PROCESS"


def test_no_draft_means_none() -> None:
    result = filter_reply("Just text")
    assert result.draft is None and result.dispatch is None and result.blocks == ()


def test_nested_tags_attributes_case_self_closing_and_stray_closers() -> None:
    assert visible("<needs><need>a</need><need>b</need></needs>Ok") == "Ok"
    assert visible('<need category="SAFETY">to feel safe</need>Noted.') == "Noted."
    assert visible("<DRAFT>x</Draft>y") == "y"
    assert visible("<draft/>Hi <draft />there") == "Hi there"
    assert visible("</draft>Hi</thinking>!") == "Hi!"
    assert visible("<need-action>{}</need-action>A<stage4_proposals>[]</stage4_proposals>B") == "AB"


def test_later_thinking_block_is_also_hidden() -> None:
    assert visible("Hi. <thinking>hmm</thinking>Bye.") == "Hi. Bye."


def test_unclosed_hidden_block_is_dropped_at_finish() -> None:
    result = filter_reply("I hear you. <draft>never closed")
    assert result.tail == "I hear you."
    assert result.blocks == ()


def test_incomplete_tag_at_end_is_flushed_as_text() -> None:
    assert visible("Hi <dra") == "Hi <dra"
    assert visible("Hi <draft") == "Hi <draft"


def test_overlong_attributes_mean_it_was_not_a_tag() -> None:
    text = "a <need " + "x" * 300 + "> b"
    assert visible(text) == text


def test_whitespace_trimmed_at_start_only_and_held_at_end() -> None:
    f = ReplyFilter()
    assert f.feed("  \n ") == ""
    assert f.feed(" Hi  ") == "Hi"
    assert f.feed(" there \n") == "   there"
    result = f.finish()
    assert result.tail == ""
    assert result.text == "Hi   there"


def test_only_hidden_content_gives_empty_reply() -> None:
    assert filter_reply("<thinking>x</thinking>\n  ").text == ""


def test_feed_after_finish_raises() -> None:
    f = ReplyFilter()
    f.finish()
    with pytest.raises(RuntimeError):
        f.feed("x")
    with pytest.raises(RuntimeError):
        f.finish()


SAMPLES = [
    "<thinking>\nFeelHeardCheck: N\nThey are angry.\n</thinking>\n\nThat sounds exhausting. "
    "What was the hardest part?",
    "  I hear how much this matters. <draft>How we decide about money</draft>\n\nDoes that "
    "framing feel right, or would you change it?",
    "If a < b and c <3 d, <div>keep</div> this. <need category=\"CONNECTION\">to feel close"
    "</need> Done <dispatch>SAFETY_CONCERN</dispatch>",
    "<thinking>plan</thinking>Here are ideas:<stage4_proposals>[{\"op\":\"add\"}]"
    "</stage4_proposals> first, <stage4_walkthrough>x</stage4_walkthrough>second.<needs><need>"
    "a</need></needs></draft>< thinking> end <dra",
    "Unicode ✓ — “quotes” <need-action>{\"action\":\"delete\"}</need-action>and <DRAFT>Z</DRAFT>"
    " trailing   \n\n <draft>unclosed",
]


def random_split(text: str, rng: random.Random) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(text)), k=rng.randint(0, min(len(text) - 1, 40))))
    if rng.random() < 0.2:  # sometimes one character per chunk
        cuts = list(range(1, len(text)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_output_does_not_depend_on_how_the_stream_was_split(index: int) -> None:
    text = SAMPLES[index]
    expected = filter_reply(text)
    rng = random.Random(1000 + index)
    for _ in range(250):
        chunks = random_split(text, rng)
        assert "".join(chunks) == text
        joined, outs, result = stream(chunks)
        assert joined == expected.tail, chunks
        assert result.text == expected.text == "".join(outs) + result.tail
        assert result.blocks == expected.blocks


def test_split_invariance_on_random_tag_soup() -> None:
    """Random strings built from tag fragments: the harshest inputs for the buffering logic."""
    pieces = ["<", ">", "/", "draft", "thinking", "need", "-action", "s", " ", "\n", "a", "b",
              "</", "<draft>", "</draft>", "<thinking>", "</thinking>", "=\"x\"", "dispatch", "3"]
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        expected = filter_reply(text)
        for _ in range(20):
            chunks = random_split(text, rng) if len(text) > 1 else [text]
            joined, _, result = stream(chunks)
            assert joined == expected.tail, (text, chunks)
            assert result.blocks == expected.blocks
