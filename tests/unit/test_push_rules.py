"""Push rules, table-driven: which events push and to whom, the wording (every event, the
context overrides, actor names, possessives), preferences, planner ids, and the notification
preferences use case (with the in-memory fakes)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from mwf_core.adapters.push.planner import RulePushPlanner, push_row_id
from mwf_core.domain import events, push_rules
from mwf_core.domain.enums import StageStatus
from mwf_core.domain.errors import ValidationFailed
from mwf_core.domain.push_rules import (
    PUSH_EVENTS,
    TEMPLATES,
    PushTarget,
    RecipientContext,
    StageView,
    actor_display_name,
    possessive,
    preference_blocks,
    push_data,
    render,
    targets,
)
from mwf_core.domain.records import OutboxEvent, User
from mwf_core.usecases.notification_prefs import NotificationPreferenceUseCases
from mwf_core.usecases.runtime import Dependencies

A, B = "user_a", "user_b"
SID = "ses_1"
SESSION = events.session_channel(SID)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# The events of integrations §5.1, each with a payload as our use cases write it.
PAYLOADS: dict[str, dict[str, Any]] = {
    events.PARTNER_SIGNED_COMPACT: {"signedBy": A, "signedAt": "t", "triggeredByUserId": A},
    events.PARTNER_STAGE_COMPLETED: {"stage": 1, "completedBy": A, "excludeUserId": A},
    events.PARTNER_ADVANCED: {"toStage": 2, "advancedAt": "t", "triggeredByUserId": A,
                              "excludeUserId": A},
    events.PARTNER_EMPATHY_SHARED: {"stage": 2, "sharedBy": A, "empathyStatus": {}},
    events.PARTNER_SKIPPED_REFINEMENT: {"willingToAccept": True, "excludeUserId": A},
    events.EMPATHY_SHARE_SUGGESTION: {"forUserId": B, "triggeredByUserId": A,
                                      "guesserName": "A"},
    events.EMPATHY_CONTEXT_SHARED: {"forUserId": B, "stage": 2, "sharedBy": A,
                                    "triggeredByUserId": A, "content": "words"},
    events.EMPATHY_REVEALED: {"forUserId": B, "direction": "outgoing", "guesserUserId": B},
    events.EMPATHY_STATUS_UPDATED: {"forUserId": B, "status": "REFINING", "validatedBy": A,
                                    "feedbackShared": True, "triggeredByUserId": A},
    events.PARTNER_NEEDS_CONFIRMED: {"stage": 3, "confirmedBy": A, "excludeUserId": A},
    events.PARTNER_NEEDS_SHARED: {"stage": 3, "sharedBy": A, "excludeUserId": A},
    events.PARTNER_NEEDS_VALIDATED: {"stage": 3, "validatedBy": A, "excludeUserId": A},
    events.STRATEGIES_UPDATED: {"stage": 4, "submittedBy": A, "change": "x"},
    events.PARTNER_RANKING_SUBMITTED: {"stage": 4, "submittedBy": A, "excludeUserId": A},
    events.PARTNER_READY_TO_RANK: {"stage": 4, "readyBy": A, "excludeUserId": A},
    events.AGREEMENT_PROPOSED: {"agreementId": "g", "proposedBy": A, "excludeUserId": A},
    events.AGREEMENT_CONFIRMED: {"agreementId": "g", "confirmedBy": A, "confirmed": True},
    events.SESSION_RESOLVED: {"resolvedBy": A, "closedBy": A, "agreementIds": []},
    events.SESSION_PAUSED: {"pausedBy": A, "pausedAt": "t"},
    events.SESSION_RESUMED: {"resumedBy": A, "resumedAt": "t"},
    events.SESSION_JOINED: {"joinedBy": A, "userId": A, "userName": "A"},
    events.PARTNER_CONSENT_GRANTED: {"contentType": "x", "excludeUserId": A},
    events.PARTNER_CONSENT_REVOKED: {"contentType": "x", "excludeUserId": A},
    events.INVITATION_DECLINED: {"forUserId": B, "reason": None, "declinedBy": A},
}

EXPECTED = {  # (title, body) for actor "Sam", recipient with no particular context
    events.PARTNER_SIGNED_COMPACT: ("Sam is ready",
                                    "Sam signed the compact. Start whenever you are ready."),
    events.PARTNER_STAGE_COMPLETED: ("Sam feels heard",
                                     "Sam finished the first part. Carry on at your own pace."),
    events.PARTNER_ADVANCED: ("Ready for the next part",
                              "You are both ready for the next part of the session."),
    events.PARTNER_NEEDS_SHARED: ("Sam shared their needs",
                                  "Sam's needs are ready to look at together."),
    events.PARTNER_RANKING_SUBMITTED: ("Sam ranked the ideas", "Sam's ranking is in."),
    events.SESSION_PAUSED: ("Session paused", "Sam paused the session for now."),
    events.INVITATION_DECLINED: ("Invitation declined", "Sam declined your invitation for now."),
    events.EMPATHY_SHARE_SUGGESTION: ("Help Sam understand you",
                                      "A little more context could help Sam see your side."),
    events.EMPATHY_STATUS_UPDATED: ("Sam responded to your understanding",
                                    "Sam left a note on how you described their side. "
                                    "Have a look and try again."),
}


def channel_of(name: str) -> str:
    payload = PAYLOADS[name]
    return events.user_channel(payload["forUserId"]) if "forUserId" in payload else SESSION


def test_the_push_events_are_the_originals_and_each_has_a_template() -> None:
    assert set(PAYLOADS) == PUSH_EVENTS
    assert set(TEMPLATES) == PUSH_EVENTS
    assert len(PUSH_EVENTS) == 24


@pytest.mark.parametrize("name", sorted(PUSH_EVENTS))
def test_every_push_event_pushes_the_partner_with_filled_wording(name: str) -> None:
    assert targets(name, channel_of(name), PAYLOADS[name], [A, B]) == [PushTarget(B, A)]
    text = render(name, PAYLOADS[name], "Sam")
    assert text.title and text.body
    assert (text.title, text.body) != (push_rules.FALLBACK_TITLE, push_rules.FALLBACK_BODY)
    assert not re.search(r"[{}]", text.title + text.body)


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_wording(name: str, expected: tuple[str, str]) -> None:
    text = render(name, PAYLOADS[name], "Sam")
    assert (text.title, text.body) == expected


def test_unknown_events_fall_back_to_a_neutral_text() -> None:
    text = render("something.new", {}, "Sam")
    assert (text.title, text.body) == ("Meet Without Fear", "You have an update")


@pytest.mark.parametrize(("name", "payload", "ctx", "title"), [
    (events.PARTNER_SIGNED_COMPACT, {}, RecipientContext(is_inviter=True),
     "Sam accepted your invitation"),
    (events.PARTNER_SIGNED_COMPACT, {}, RecipientContext(is_inviter=False), "Sam is ready"),
    (events.PARTNER_STAGE_COMPLETED, {"stage": 1},
     RecipientContext(stages={1: StageView(StageStatus.GATE_PENDING)}), "Sam feels heard too"),
    (events.PARTNER_STAGE_COMPLETED, {"stage": 1},
     RecipientContext(stages={1: StageView(StageStatus.COMPLETED)}), "Sam feels heard too"),
    (events.PARTNER_STAGE_COMPLETED, {"stage": 1},
     RecipientContext(stages={1: StageView(StageStatus.IN_PROGRESS)}), "Sam feels heard"),
    (events.PARTNER_STAGE_COMPLETED, {"stage": 2},
     RecipientContext(stages={2: StageView(StageStatus.COMPLETED)}), "Sam is with you"),
    (events.PARTNER_STAGE_COMPLETED, {"stage": 2}, RecipientContext(),
     "Sam accepted your understanding"),
    (events.PARTNER_STAGE_COMPLETED, {"stage": 3}, RecipientContext(), "Sam finished a step"),
    (events.PARTNER_READY_TO_RANK, {"stage": 4},
     RecipientContext(stages={4: StageView(StageStatus.IN_PROGRESS, {"readyToRank": True})}),
     "Time to rank"),
    (events.PARTNER_READY_TO_RANK, {"stage": 4}, RecipientContext(), "Sam is ready to rank"),
    (events.EMPATHY_CONTEXT_SHARED, {"stage": 2},
     RecipientContext(stages={2: StageView(StageStatus.GATE_PENDING)}),
     "Sam shared more context"),
])
def test_context_overrides(name: str, payload: dict[str, Any], ctx: RecipientContext,
                           title: str) -> None:
    assert render(name, payload, "Sam", ctx).title == title


def test_waiting_context_changes_the_body_of_context_shared() -> None:
    waiting = RecipientContext(stages={2: StageView(StageStatus.GATE_PENDING)})
    assert render(events.EMPATHY_CONTEXT_SHARED, {}, "Sam", waiting).body.startswith(
        "While you wait")
    assert not render(events.EMPATHY_CONTEXT_SHARED, {}, "Sam").body.startswith(
        "While you wait")


def test_stage_name_placeholder() -> None:
    assert render(events.PARTNER_STAGE_COMPLETED, {"stage": 3}, "Sam").body == (
        "Sam completed Needs.")
    assert render(events.PARTNER_STAGE_COMPLETED, {"stage": 9}, "Sam").body == (
        "Sam completed a step.")


@pytest.mark.parametrize(("name", "possessive_form"), [
    ("They", "Their"), ("James", "James'"), ("CHRIS", "CHRIS'"), ("Sam", "Sam's"),
    ("Lexi", "Lexi's"),
])
def test_possessive(name: str, possessive_form: str) -> None:
    assert possessive(name) == possessive_form


@pytest.mark.parametrize(("nickname", "first", "name", "expected"), [
    ("Lexi", "Alexandra", "Alexandra Archer", "Lexi"),
    (None, "Alexandra", "Alexandra Archer", "Alexandra"),
    ("", "Alexandra", "Alexandra Archer", "Alexandra"),
    (None, None, "Alexandra Archer", "Alexandra Archer"),
    (None, "  ", None, "They"),
    (None, None, None, "They"),
])
def test_actor_name_order(nickname: str | None, first: str | None, name: str | None,
                          expected: str) -> None:
    assert actor_display_name(nickname, first, name) == expected


@pytest.mark.parametrize(("name", "channel", "payload", "members", "expected"), [
    # The first ACTOR_KEY wins over excludeUserId.
    (events.SESSION_PAUSED, SESSION, {"pausedBy": A, "excludeUserId": B}, [A, B],
     [PushTarget(B, A)]),
    (events.PARTNER_CONSENT_GRANTED, SESSION, {"excludeUserId": B}, [A, B], [PushTarget(A, B)]),
    # closedBy counts as an actor key.
    (events.SESSION_RESOLVED, SESSION, {"closedBy": A}, [A, B], [PushTarget(B, A)]),
    # No actor on a session row: no push (an anonymous list change).
    (events.STRATEGIES_UPDATED, SESSION, {"stage": 4, "change": "strategy_proposed"}, [A, B],
     []),
    # Publish-only variants.
    (events.PARTNER_STAGE_COMPLETED, events.user_channel(B),
     {"forUserId": B, "previousStage": 2, "currentStage": 3, "triggeredByUserId": A}, [A, B],
     []),
    (events.PARTNER_ADVANCED, SESSION, {"fromStage": 1, "toStage": 2}, [A, B], []),
    (events.STRATEGIES_UPDATED, SESSION, {"updatedBy": A, "appliedOperationCount": 1}, [A, B],
     []),
    # Not a push event at all.
    (events.MESSAGE_AI_RESPONSE, events.user_channel(B), {"forUserId": B}, [A, B], []),
    (events.PARTNER_ACTIVITY, SESSION, {"excludeUserId": A}, [A, B], []),
    # A user row: its owner, never about their own action.
    (events.EMPATHY_STATUS_UPDATED, events.user_channel(B),
     {"forUserId": B, "triggeredByUserId": B}, [A, B], []),
    (events.EMPATHY_REVEALED, events.user_channel(B), {"forUserId": B}, [A, B],
     [PushTarget(B, A)]),
    # Without forUserId the channel names the owner; no partner known → no actor.
    (events.INVITATION_DECLINED, events.user_channel(B), {"reason": None}, [B],
     [PushTarget(B, None)]),
    # The one who declined is no member yet: the payload names them.
    (events.INVITATION_DECLINED, events.user_channel(B), {"reason": None, "declinedBy": A},
     [B], [PushTarget(B, A)]),
    # Rows outside session:/user: channels never push.
    (events.SESSION_PAUSED, "push:user_b", {"pausedBy": A}, [A, B], []),
])
def test_targets(name: str, channel: str, payload: dict[str, Any], members: list[str],
                 expected: list[PushTarget]) -> None:
    assert targets(name, channel, payload, members) == expected


@pytest.mark.parametrize(("status", "pushes"), [
    ("REFINING", True),  # feedback: the guesser has something to do, and no other notice
    ("VALIDATED", False),  # partner.stage_completed says it (one action, one push)
    ("AWAITING_SHARING", False),  # the partner is considering sharing: nothing to do yet
    ("READY", False),  # the partner declined to share more: wait for the reveal
    (None, False),
])
def test_empathy_status_updates_push_only_when_the_guesser_must_act(
    status: str | None, pushes: bool
) -> None:
    payload = {"forUserId": B, "status": status, "triggeredByUserId": A}
    expected = [PushTarget(B, A)] if pushes else []
    assert targets(events.EMPATHY_STATUS_UPDATED, events.user_channel(B), payload,
                   [A, B]) == expected


def test_validating_the_partners_statement_is_one_push() -> None:
    """The two rows a validation writes to the guesser (as empathy_answers._confirm does)."""
    rows = [
        (events.EMPATHY_STATUS_UPDATED, {"forUserId": B, "status": "VALIDATED",
                                         "validatedBy": A, "feedbackShared": False,
                                         "triggeredByUserId": A}),
        (events.PARTNER_STAGE_COMPLETED, {"forUserId": B, "stage": 2, "validated": True,
                                          "completedBy": A, "triggeredByUserId": A}),
    ]
    pushed = [(name, target) for name, payload in rows
              for target in targets(name, events.user_channel(B), payload, [A, B])]
    assert pushed == [(events.PARTNER_STAGE_COMPLETED, PushTarget(B, A))]


@pytest.mark.parametrize(("name", "prefs", "blocked"), [
    (events.SESSION_PAUSED, {}, None),
    (events.SESSION_PAUSED, {"pushEnabled": False}, "pushEnabled"),
    (events.SESSION_PAUSED, {"partnerActions": False}, "partnerActions"),
    (events.SESSION_PAUSED, {"newInvitations": False}, None),
    (events.SESSION_JOINED, {"newInvitations": False}, "newInvitations"),
    (events.INVITATION_DECLINED, {"partnerActions": False}, None),
    (events.SESSION_JOINED, {"pushEnabled": False, "newInvitations": True}, "pushEnabled"),
    (events.SESSION_PAUSED, {"partnerActions": "no"}, None),  # junk ignored: default on
])
def test_preferences(name: str, prefs: dict[str, Any], blocked: str | None) -> None:
    assert preference_blocks(name, prefs) == blocked


def test_push_data_carries_ids_flags_and_times_but_never_words() -> None:
    small = push_data("session.paused", "evt1", SID, {"pausedBy": A, "sessionId": SID})
    assert small == {"pausedBy": A, "sessionId": SID, "screen": "session",
                     "event": "session.paused", "eventId": "evt1"}
    private = push_data("empathy.context_shared", "evt2", SID, {
        "content": "I was scared", "sharedBy": B, "stage": 2, "forUserId": A,
        "empathyStatus": {"mySharedContext": "words"}, "note": "x",
        "label": "two words", "long": "y" * 65})
    assert private == {"sharedBy": B, "stage": 2, "forUserId": A, "screen": "session",
                       "sessionId": SID, "event": "empathy.context_shared", "eventId": "evt2"}


def source(name: str, event_id: str = "evt_1") -> OutboxEvent:
    payload = {"sessionId": SID, "timestamp": 1, **PAYLOADS[name]}
    return OutboxEvent(event_id, SID, channel_of(name), name, payload, T0, stream_key=SID,
                       seq=7)


def test_planner_rows_are_deterministic() -> None:
    planner = RulePushPlanner()
    first = planner.derive(source(events.SESSION_PAUSED), [A, B])
    again = planner.derive(source(events.SESSION_PAUSED), [A, B])
    assert first == again
    [row] = first
    assert row.id == push_row_id("evt_1", B) and len(row.id) == 32
    assert row.id != push_row_id("evt_2", B) != push_row_id("evt_1", A)
    assert (row.channel, row.stream_key, row.parent_id, row.session_id, row.name) == (
        "push:user_b", "push:user_b", "evt_1", SID, events.SESSION_PAUSED)
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


async def test_preferences_default_to_the_originals(prefs: NotificationPreferenceUseCases,
                                                    deps: Dependencies) -> None:
    assert await prefs.get(make_user()) == {"pushEnabled": True, "emailEnabled": False,
                                            "newInvitations": True, "partnerActions": True,
                                            "followUpReminders": True}


async def test_update_merges_over_the_stored_values(prefs: NotificationPreferenceUseCases,
                                                    deps: Dependencies) -> None:
    actor = make_user()
    first = await prefs.update(actor, {"pushEnabled": False})
    second = await prefs.update(actor, {"emailEnabled": True})
    assert first["pushEnabled"] is False
    assert second == {"pushEnabled": False, "emailEnabled": True, "newInvitations": True,
                      "partnerActions": True, "followUpReminders": True}
    assert (await stored(deps, actor.id)).notification_preferences == second
    assert await prefs.get(actor) == second
    assert await prefs.update(actor, {}) == second


@pytest.mark.parametrize(("patch", "fields"), [
    ({"pushEnabled": "yes"}, {"pushEnabled"}),
    ({"sms": True}, {"sms"}),
    ({"pushEnabled": 1, "other": False}, {"pushEnabled", "other"}),
    (["pushEnabled"], {"preferences"}),
])
async def test_update_validates_every_field(prefs: NotificationPreferenceUseCases,
                                            deps: Dependencies, patch: Any,
                                            fields: set[str]) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await prefs.update(make_user(), patch)
    assert set(raised.value.details) == fields
    assert (await stored(deps, "user_a")).notification_preferences == {}
