"""What a push says, table-driven: the wording of every push event, the context overrides, actor
names, possessives, the fallback, and the notification data that never carries words."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mwf_core.domain import events, push_text
from mwf_core.domain.enums import StageStatus
from mwf_core.domain.push_rules import PUSH_EVENTS
from mwf_core.domain.push_text import (
    TEMPLATES,
    RecipientContext,
    StageView,
    actor_display_name,
    possessive,
    push_data,
    render,
)

from .push_samples import PAYLOADS, SID, A, B

EXPECTED = {  # (title, body) for actor "Sam", recipient with no particular context
    events.PARTNER_SIGNED_COMPACT: (
        "Sam is ready",
        "Sam signed the compact. Start whenever you are ready.",
    ),
    events.PARTNER_STAGE_COMPLETED: (
        "Sam feels heard",
        "Sam finished the first part. Carry on at your own pace.",
    ),
    events.PARTNER_ADVANCED: (
        "Ready for the next part",
        "You are both ready for the next part of the session.",
    ),
    events.PARTNER_NEEDS_SHARED: (
        "Sam shared their needs",
        "Sam's needs are ready to look at together.",
    ),
    events.PARTNER_RANKING_SUBMITTED: ("Sam ranked the ideas", "Sam's ranking is in."),
    events.SESSION_PAUSED: ("Session paused", "Sam paused the session for now."),
    events.INVITATION_DECLINED: ("Invitation declined", "Sam declined your invitation for now."),
    events.EMPATHY_SHARE_SUGGESTION: (
        "Help Sam understand you",
        "A little more context could help Sam see your side.",
    ),
    events.EMPATHY_STATUS_UPDATED: (
        "Sam responded to your understanding",
        "Sam left a note on how you described their side. Have a look and try again.",
    ),
}


def test_every_push_event_has_a_template() -> None:
    assert set(TEMPLATES) == PUSH_EVENTS


@pytest.mark.parametrize("name", sorted(PUSH_EVENTS))
def test_every_push_event_has_filled_wording(name: str) -> None:
    text = render(name, PAYLOADS[name], "Sam")
    assert text.title and text.body
    assert (text.title, text.body) != (push_text.FALLBACK_TITLE, push_text.FALLBACK_BODY)
    assert not re.search(r"[{}]", text.title + text.body)


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_wording(name: str, expected: tuple[str, str]) -> None:
    text = render(name, PAYLOADS[name], "Sam")
    assert (text.title, text.body) == expected


def test_unknown_events_fall_back_to_a_neutral_text() -> None:
    text = render("something.new", {}, "Sam")
    assert (text.title, text.body) == ("Meet Without Fear", "You have an update")


@pytest.mark.parametrize(
    ("name", "payload", "ctx", "title"),
    [
        (
            events.PARTNER_SIGNED_COMPACT,
            {},
            RecipientContext(is_inviter=True),
            "Sam accepted your invitation",
        ),
        (events.PARTNER_SIGNED_COMPACT, {}, RecipientContext(is_inviter=False), "Sam is ready"),
        (
            events.PARTNER_STAGE_COMPLETED,
            {"stage": 1},
            RecipientContext(stages={1: StageView(StageStatus.GATE_PENDING)}),
            "Sam feels heard too",
        ),
        (
            events.PARTNER_STAGE_COMPLETED,
            {"stage": 1},
            RecipientContext(stages={1: StageView(StageStatus.COMPLETED)}),
            "Sam feels heard too",
        ),
        (
            events.PARTNER_STAGE_COMPLETED,
            {"stage": 1},
            RecipientContext(stages={1: StageView(StageStatus.IN_PROGRESS)}),
            "Sam feels heard",
        ),
        (
            events.PARTNER_STAGE_COMPLETED,
            {"stage": 2},
            RecipientContext(stages={2: StageView(StageStatus.COMPLETED)}),
            "Sam is with you",
        ),
        (
            events.PARTNER_STAGE_COMPLETED,
            {"stage": 2},
            RecipientContext(),
            "Sam accepted your understanding",
        ),
        (events.PARTNER_STAGE_COMPLETED, {"stage": 3}, RecipientContext(), "Sam finished a step"),
        (
            events.PARTNER_READY_TO_RANK,
            {"stage": 4},
            RecipientContext(stages={4: StageView(StageStatus.IN_PROGRESS, {"readyToRank": True})}),
            "Time to rank",
        ),
        (events.PARTNER_READY_TO_RANK, {"stage": 4}, RecipientContext(), "Sam is ready to rank"),
        (
            events.EMPATHY_CONTEXT_SHARED,
            {"stage": 2},
            RecipientContext(stages={2: StageView(StageStatus.GATE_PENDING)}),
            "Sam shared more context",
        ),
    ],
)
def test_context_overrides(
    name: str, payload: dict[str, Any], ctx: RecipientContext, title: str
) -> None:
    assert render(name, payload, "Sam", ctx).title == title


def test_waiting_context_changes_the_body_of_context_shared() -> None:
    waiting = RecipientContext(stages={2: StageView(StageStatus.GATE_PENDING)})
    assert render(events.EMPATHY_CONTEXT_SHARED, {}, "Sam", waiting).body.startswith(
        "While you wait"
    )
    assert not render(events.EMPATHY_CONTEXT_SHARED, {}, "Sam").body.startswith("While you wait")


def test_stage_name_placeholder() -> None:
    assert render(events.PARTNER_STAGE_COMPLETED, {"stage": 3}, "Sam").body == (
        "Sam completed Needs."
    )
    assert render(events.PARTNER_STAGE_COMPLETED, {"stage": 9}, "Sam").body == (
        "Sam completed a step."
    )


@pytest.mark.parametrize(
    ("name", "possessive_form"),
    [
        ("They", "Their"),
        ("James", "James'"),
        ("CHRIS", "CHRIS'"),
        ("Sam", "Sam's"),
        ("Lexi", "Lexi's"),
    ],
)
def test_possessive(name: str, possessive_form: str) -> None:
    assert possessive(name) == possessive_form


@pytest.mark.parametrize(
    ("nickname", "first", "name", "expected"),
    [
        ("Lexi", "Alexandra", "Alexandra Archer", "Lexi"),
        (None, "Alexandra", "Alexandra Archer", "Alexandra"),
        ("", "Alexandra", "Alexandra Archer", "Alexandra"),
        (None, None, "Alexandra Archer", "Alexandra Archer"),
        (None, "  ", None, "They"),
        (None, None, None, "They"),
    ],
)
def test_actor_name_order(
    nickname: str | None, first: str | None, name: str | None, expected: str
) -> None:
    assert actor_display_name(nickname, first, name) == expected


def test_push_data_carries_ids_flags_and_times_but_never_words() -> None:
    small = push_data("session.paused", "evt1", SID, {"pausedBy": A, "sessionId": SID})
    assert small == {
        "pausedBy": A,
        "sessionId": SID,
        "screen": "session",
        "event": "session.paused",
        "eventId": "evt1",
    }
    private = push_data(
        "empathy.context_shared",
        "evt2",
        SID,
        {
            "content": "I was scared",
            "sharedBy": B,
            "stage": 2,
            "forUserId": A,
            "empathyStatus": {"mySharedContext": "words"},
            "note": "x",
            "label": "two words",
            "long": "y" * 65,
        },
    )
    assert private == {
        "sharedBy": B,
        "stage": 2,
        "forUserId": A,
        "screen": "session",
        "sessionId": SID,
        "event": "empathy.context_shared",
        "eventId": "evt2",
    }
