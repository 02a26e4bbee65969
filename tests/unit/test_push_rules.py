"""Who is pushed, table-driven: the push events, targets and actors, publish-only variants,
preferences, planner ids, and the notification preferences use case (with the in-memory fakes).
What the pushes say is in test_push_text.py."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from mwf_core.adapters.push.planner import RulePushPlanner, push_row_id
from mwf_core.domain import events
from mwf_core.domain.errors import ValidationFailed
from mwf_core.domain.push_rules import (
    PUSH_EVENTS,
    PushTarget,
    preference_blocks,
    targets,
)
from mwf_core.domain.records import OutboxEvent, User
from mwf_core.usecases.notification_prefs import NotificationPreferenceUseCases
from mwf_core.usecases.runtime import Dependencies

from .push_samples import PAYLOADS, SESSION, SID, A, B, channel_of

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_push_events_are_the_originals() -> None:
    assert set(PAYLOADS) == PUSH_EVENTS
    assert len(PUSH_EVENTS) == 24


@pytest.mark.parametrize("name", sorted(PUSH_EVENTS))
def test_every_push_event_pushes_the_partner(name: str) -> None:
    assert targets(name, channel_of(name), PAYLOADS[name], [A, B]) == [PushTarget(B, A)]


@pytest.mark.parametrize(
    ("name", "channel", "payload", "members", "expected"),
    [
        # The first ACTOR_KEY wins over excludeUserId.
        (
            events.SESSION_PAUSED,
            SESSION,
            {"pausedBy": A, "excludeUserId": B},
            [A, B],
            [PushTarget(B, A)],
        ),
        (events.PARTNER_CONSENT_GRANTED, SESSION, {"excludeUserId": B}, [A, B], [PushTarget(A, B)]),
        # closedBy counts as an actor key.
        (events.SESSION_RESOLVED, SESSION, {"closedBy": A}, [A, B], [PushTarget(B, A)]),
        # No actor on a session row: no push (an anonymous list change).
        (
            events.STRATEGIES_UPDATED,
            SESSION,
            {"stage": 4, "change": "strategy_proposed"},
            [A, B],
            [],
        ),
        # Publish-only variants.
        (
            events.PARTNER_STAGE_COMPLETED,
            events.user_channel(B),
            {"forUserId": B, "previousStage": 2, "currentStage": 3, "triggeredByUserId": A},
            [A, B],
            [],
        ),
        (events.PARTNER_ADVANCED, SESSION, {"fromStage": 1, "toStage": 2}, [A, B], []),
        (
            events.STRATEGIES_UPDATED,
            SESSION,
            {"updatedBy": A, "appliedOperationCount": 1},
            [A, B],
            [],
        ),
        # Not a push event at all.
        (events.MESSAGE_AI_RESPONSE, events.user_channel(B), {"forUserId": B}, [A, B], []),
        (events.PARTNER_ACTIVITY, SESSION, {"excludeUserId": A}, [A, B], []),
        # A user row: its owner, never about their own action.
        (
            events.EMPATHY_STATUS_UPDATED,
            events.user_channel(B),
            {"forUserId": B, "triggeredByUserId": B},
            [A, B],
            [],
        ),
        (
            events.EMPATHY_REVEALED,
            events.user_channel(B),
            {"forUserId": B},
            [A, B],
            [PushTarget(B, A)],
        ),
        # Without forUserId the channel names the owner; no partner known → no actor.
        (
            events.INVITATION_DECLINED,
            events.user_channel(B),
            {"reason": None},
            [B],
            [PushTarget(B, None)],
        ),
        # The one who declined is no member yet: the payload names them.
        (
            events.INVITATION_DECLINED,
            events.user_channel(B),
            {"reason": None, "declinedBy": A},
            [B],
            [PushTarget(B, A)],
        ),
        # Rows outside session:/user: channels never push.
        (events.SESSION_PAUSED, "push:user_b", {"pausedBy": A}, [A, B], []),
    ],
)
def test_targets(
    name: str, channel: str, payload: dict[str, Any], members: list[str], expected: list[PushTarget]
) -> None:
    assert targets(name, channel, payload, members) == expected


@pytest.mark.parametrize(
    ("status", "pushes"),
    [
        ("REFINING", True),  # feedback: the guesser has something to do, and no other notice
        ("VALIDATED", False),  # partner.stage_completed says it (one action, one push)
        ("AWAITING_SHARING", False),  # the partner is considering sharing: nothing to do yet
        ("READY", False),  # the partner declined to share more: wait for the reveal
        (None, False),
    ],
)
def test_empathy_status_updates_push_only_when_the_guesser_must_act(
    status: str | None, pushes: bool
) -> None:
    payload = {"forUserId": B, "status": status, "triggeredByUserId": A}
    expected = [PushTarget(B, A)] if pushes else []
    assert (
        targets(events.EMPATHY_STATUS_UPDATED, events.user_channel(B), payload, [A, B]) == expected
    )


def test_validating_the_partners_statement_is_one_push() -> None:
    """The two rows a validation writes to the guesser (as empathy_answers._confirm does)."""
    rows = [
        (
            events.EMPATHY_STATUS_UPDATED,
            {
                "forUserId": B,
                "status": "VALIDATED",
                "validatedBy": A,
                "feedbackShared": False,
                "triggeredByUserId": A,
            },
        ),
        (
            events.PARTNER_STAGE_COMPLETED,
            {
                "forUserId": B,
                "stage": 2,
                "validated": True,
                "completedBy": A,
                "triggeredByUserId": A,
            },
        ),
    ]
    pushed = [
        (name, target)
        for name, payload in rows
        for target in targets(name, events.user_channel(B), payload, [A, B])
    ]
    assert pushed == [(events.PARTNER_STAGE_COMPLETED, PushTarget(B, A))]


@pytest.mark.parametrize(
    ("name", "prefs", "blocked"),
    [
        (events.SESSION_PAUSED, {}, None),
        (events.SESSION_PAUSED, {"pushEnabled": False}, "pushEnabled"),
        (events.SESSION_PAUSED, {"partnerActions": False}, "partnerActions"),
        (events.SESSION_PAUSED, {"newInvitations": False}, None),
        (events.SESSION_JOINED, {"newInvitations": False}, "newInvitations"),
        (events.INVITATION_DECLINED, {"partnerActions": False}, None),
        (events.SESSION_JOINED, {"pushEnabled": False, "newInvitations": True}, "pushEnabled"),
        (events.SESSION_PAUSED, {"partnerActions": "no"}, None),  # junk ignored: default on
    ],
)
def test_preferences(name: str, prefs: dict[str, Any], blocked: str | None) -> None:
    assert preference_blocks(name, prefs) == blocked


def source(name: str, event_id: str = "evt_1") -> OutboxEvent:
    payload = {"sessionId": SID, "timestamp": 1, **PAYLOADS[name]}
    return OutboxEvent(event_id, SID, channel_of(name), name, payload, T0, stream_key=SID, seq=7)


def test_planner_rows_are_deterministic() -> None:
    planner = RulePushPlanner()
    first = planner.derive(source(events.SESSION_PAUSED), [A, B])
    again = planner.derive(source(events.SESSION_PAUSED), [A, B])
    assert first == again
    [row] = first
    assert row.id == push_row_id("evt_1", B) and len(row.id) == 32
    assert row.id != push_row_id("evt_2", B) != push_row_id("evt_1", A)
    assert (row.channel, row.stream_key, row.parent_id, row.session_id, row.name) == (
        "push:user_b",
        "push:user_b",
        "evt_1",
        SID,
        events.SESSION_PAUSED,
    )
    assert row.payload == source(events.SESSION_PAUSED).payload
    assert row.seq is None and row.created_at == T0 and row.attempts == 0


def test_planner_ignores_non_realtime_rows_and_non_push_events() -> None:
    planner = RulePushPlanner()
    pushed = dataclasses.replace(source(events.SESSION_PAUSED), channel="push:user_b")
    assert planner.derive(pushed, [A, B]) == []
    email = dataclasses.replace(source(events.SESSION_PAUSED), channel="email:inv1")
    assert planner.derive(email, [A, B]) == []
    typing = dataclasses.replace(source(events.SESSION_PAUSED), name="typing.start")
    assert planner.derive(typing, [A, B]) == []


# ---- the notification preferences use case ----------------------------------------------


def make_user(user_id: str = "user_a", **values: Any) -> User:
    return User(user_id, f"sub_{user_id}", None, "A", "A", None, T0, T0, **values)


async def stored(deps: Dependencies, user_id: str) -> User:
    async with deps.uow() as uow:
        user = await uow.users.get(user_id)
    assert user is not None
    return user


@pytest.fixture
async def prefs(deps: Dependencies) -> NotificationPreferenceUseCases:
    async with deps.uow() as uow:
        await uow.users.insert_if_absent(make_user())
        await uow.commit()
    return NotificationPreferenceUseCases(deps)


async def test_preferences_default_to_the_originals(
    prefs: NotificationPreferenceUseCases, deps: Dependencies
) -> None:
    assert await prefs.get(make_user()) == {
        "pushEnabled": True,
        "emailEnabled": False,
        "newInvitations": True,
        "partnerActions": True,
        "followUpReminders": True,
    }


async def test_update_merges_over_the_stored_values(
    prefs: NotificationPreferenceUseCases, deps: Dependencies
) -> None:
    actor = make_user()
    first = await prefs.update(actor, {"pushEnabled": False})
    second = await prefs.update(actor, {"emailEnabled": True})
    assert first["pushEnabled"] is False
    assert second == {
        "pushEnabled": False,
        "emailEnabled": True,
        "newInvitations": True,
        "partnerActions": True,
        "followUpReminders": True,
    }
    assert (await stored(deps, actor.id)).notification_preferences == second
    assert await prefs.get(actor) == second
    assert await prefs.update(actor, {}) == second


@pytest.mark.parametrize(
    ("patch", "fields"),
    [
        ({"pushEnabled": "yes"}, {"pushEnabled"}),
        ({"sms": True}, {"sms"}),
        ({"pushEnabled": 1, "other": False}, {"pushEnabled", "other"}),
        (["pushEnabled"], {"preferences"}),
    ],
)
async def test_update_validates_every_field(
    prefs: NotificationPreferenceUseCases, deps: Dependencies, patch: Any, fields: set[str]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await prefs.update(make_user(), patch)
    assert set(raised.value.details) == fields
    assert (await stored(deps, "user_a")).notification_preferences == {}
