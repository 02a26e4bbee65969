"""Around the stages with the in-memory fakes: the gate table, POST /stages/advance, read
state and exercises (consent: test_journey_consent.py; the timeline, pending actions and the
badge count: test_journey_timeline.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mwf_core.domain.enums import (
    SessionStatus,
    StageStatus,
)
from mwf_core.domain.errors import (
    DomainError,
    ErrorCode,
    Forbidden,
    NotFound,
    SessionNotActive,
    ValidationFailed,
)
from mwf_core.domain.gates import BlockedReason, check_advance, missing_gates
from mwf_core.domain.records import User
from mwf_core.usecases.journey import JourneyUseCases

from .conftest import App
from .journey_seed import merge, move_to

NEEDS_DONE = {"needsConfirmed": True, "needsShared": True, "needsValidated": True}

# --- the gate table ------------------------------------------------------------------------


def test_gate_table_is_the_originals() -> None:
    assert missing_gates(0, {}) == ("compactSigned",)
    assert missing_gates(1, {"feelHeardConfirmed": True}) == ()
    assert missing_gates(3, {"needsConfirmed": True}) == ("needsShared", "needsValidated")
    # Stage 4 has no exit gates (the original's `agreementCreated` was never set): the
    # generic route answers INVALID_STAGE there, whatever the gates say.
    assert missing_gates(4, {}) == ()
    # The inviter leaves stage 0 by confirming the invitation, not by signing alone.
    assert missing_gates(0, {"compactSigned": True}, inviter=True) == ("invitationSent",)


def test_joint_exits_need_the_partner() -> None:
    def check(stage: int, partner_stage: int | None, partner_gates: dict[str, Any]) -> Any:
        mine = NEEDS_DONE | {"empathyValidated": True, "feelHeardConfirmed": True}
        return check_advance(stage, mine, inviter=False,
                             partner_stage=partner_stage, partner_gates_at_stage=partner_gates,
                             partner_signed_compact=True)

    blocked = check(3, 3, {"needsConfirmed": True})
    assert (blocked.blocked_reason, blocked.unsatisfied) == (
        BlockedReason.PARTNER_NOT_READY, ("needsShared", "needsValidated"))
    assert check(3, 3, NEEDS_DONE).allowed
    assert check(3, 4, {}).allowed  # the partner is already at stage 4
    assert check(2, 2, {}).blocked_reason is BlockedReason.PARTNER_NOT_READY
    assert check(2, 1, {}).unsatisfied == ("empathyValidated",)
    assert check(1, None, {}).allowed  # stage 1 is per person
    last = check_advance(4, {"rankingSubmitted": True, "agreementCreated": True},
                         inviter=True, partner_stage=4, partner_gates_at_stage={},
                         partner_signed_compact=True)
    assert last.last_stage and not last.allowed
    bare = check_advance(4, {}, inviter=False, partner_stage=4, partner_gates_at_stage={},
                         partner_signed_compact=True)
    assert bare.last_stage and bare.blocked_reason is None and not bare.allowed


# --- POST /stages/advance ------------------------------------------------------------------


async def test_advance_is_blocked_until_my_gates_are_met(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    blocked = await journey.advance_stage(alice, sid)
    assert (blocked.advanced, blocked.new_stage, blocked.new_status) == (
        False, 1, StageStatus.IN_PROGRESS)
    assert blocked.blocked_reason is BlockedReason.GATES_NOT_SATISFIED
    assert blocked.unsatisfied_gates == ("feelHeardConfirmed",)
    assert blocked.advanced_at is None
    assert app.events("partner.advanced") == []
    assert (await app.sessions.progress(alice, sid)).can_advance is False

    await merge(app, sid, alice, 1, {"feelHeardConfirmed": True})
    assert (await app.sessions.progress(alice, sid)).can_advance is True
    moved = await journey.advance_stage(alice, sid)
    assert (moved.advanced, moved.new_stage, moved.new_status, moved.blocked_reason) == (
        True, 2, StageStatus.IN_PROGRESS, None)
    assert moved.advanced_at == app.clock.now()
    [event] = app.events("partner.advanced")
    assert event.payload["toStage"] == 2 and event.payload["excludeUserId"] == alice.id
    assert event.payload["triggeredByUserId"] == alice.id
    progress = await app.sessions.progress(alice, sid)
    assert progress.view.my_progress is not None and progress.view.my_progress.stage == 2
    # Bob stays where he is: stage 1 is per person.
    assert (await app.sessions.progress(bob, sid)).view.my_progress.stage == 1  # type: ignore


async def test_advance_to_stage_four_needs_the_partners_stage_three_gates(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    await merge(app, sid, alice, 3, NEEDS_DONE)
    blocked = await journey.advance_stage(alice, sid)
    assert blocked.blocked_reason is BlockedReason.PARTNER_NOT_READY
    assert blocked.unsatisfied_gates == ("needsConfirmed", "needsShared", "needsValidated")
    await merge(app, sid, bob, 3, NEEDS_DONE)
    moved = await journey.advance_stage(alice, sid)
    assert (moved.advanced, moved.new_stage) == (True, 4)
    # At stage 4 there is nowhere further to go through this route.
    await merge(app, sid, alice, 4, {"rankingSubmitted": True, "agreementCreated": True})
    with pytest.raises(DomainError) as raised:
        await journey.advance_stage(alice, sid)
    assert raised.value.code is ErrorCode.INVALID_STAGE


async def test_advance_refuses_paused_sessions_and_strangers(
    app: App, journey: JourneyUseCases, alice: User, carol: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    with pytest.raises(Forbidden):
        await journey.advance_stage(carol, sid)
    with pytest.raises(NotFound):
        await journey.advance_stage(alice, "no-such-session")
    await app.set_status(sid, SessionStatus.PAUSED)
    with pytest.raises(SessionNotActive):
        await journey.advance_stage(alice, sid)


async def test_stage_zero_is_left_by_its_own_routes(
    app: App, journey: JourneyUseCases, alice: User, bob: User
) -> None:
    created = await app.create(alice)
    sid = created.view.session.id
    drafting = await journey.advance_stage(alice, sid)
    assert drafting.unsatisfied_gates == ("compactSigned", "invitationSent")
    await app.stage0.sign_compact(alice, sid, True)
    signed = await journey.advance_stage(alice, sid)
    assert (signed.advanced, signed.unsatisfied_gates) == (False, ("invitationSent",))
    await app.stage0.confirm_topic_frame(alice, sid)
    await app.stage0.confirm_invitation(alice, sid)
    # The invitee who signed first waits for the inviter (here: already signed, so the
    # accept + sign path moves him at once and the route has nothing left to do).
    await app.invitations.accept(bob, created.invitation_id)
    waiting = await journey.advance_stage(bob, sid)
    assert (waiting.blocked_reason, waiting.unsatisfied_gates) == (
        BlockedReason.GATES_NOT_SATISFIED, ("compactSigned",))


# --- read state ----------------------------------------------------------------------------


async def test_viewed_records_my_view_and_tells_the_partner(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    before = (await app.sessions.get(alice, sid)).session.updated_at
    viewed = await journey.mark_viewed(alice, sid, "msg-1")
    assert (viewed.viewed_at, viewed.last_seen_chat_item_id) == (app.clock.now(), "msg-1")
    again = await journey.mark_viewed(alice, sid)
    assert again.last_seen_chat_item_id == "msg-1"  # kept when not given
    view = await app.sessions.get(alice, sid)
    assert view.last_viewed_at == app.clock.now() and view.session.updated_at == before
    [first, _] = app.events("partner.session_viewed")
    assert first.payload["excludeUserId"] == alice.id
    assert first.payload["activeAt"] is not None and "presenceVisible" not in first.payload
    with pytest.raises(ValidationFailed):
        await journey.mark_viewed(alice, sid, "x" * 65)


async def test_hidden_activity_is_not_reported(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    async with app.db() as uow:
        await uow.users.patch(bob.id, app.clock.now(),
                              privacy_preferences={"showActivityStatus": False})
        await uow.commit()
    async with app.db() as uow:
        hidden = await uow.users.get(bob.id)
    assert hidden is not None
    viewed = await journey.mark_viewed(hidden, sid)
    at = await journey.mark_share_tab_viewed(hidden, sid)
    assert viewed.viewed_at == at == app.clock.now()  # still recorded for Bob himself
    # Nothing goes out: even with blanked times, an event would say "he looked just now".
    assert app.events("partner.session_viewed") == []
    assert app.events("partner.share_tab_viewed") == []


# --- exercises -----------------------------------------------------------------------------


async def test_exercise_completion(app: App, journey: JourneyUseCases, alice: User,
                                   carol: User, active: tuple[str, str]) -> None:
    sid = active[0]
    done = await journey.complete_exercise(alice, sid, "BREATHING_EXERCISE", 8, 5)
    assert (done.type.value, done.intensity_delta, done.completed_at) == (
        "BREATHING_EXERCISE", -3, app.clock.now())
    bare = await journey.complete_exercise(alice, sid, "GROUNDING")
    assert bare.intensity_delta is None
    with pytest.raises(ValidationFailed) as bad_type:
        await journey.complete_exercise(alice, sid, "YOGA")
    assert "type" in bad_type.value.details
    with pytest.raises(ValidationFailed) as bad_range:
        await journey.complete_exercise(alice, sid, "BODY_SCAN", 0, 11)
    assert set(bad_range.value.details) == {"intensity_before", "intensity_after"}
    with pytest.raises(Forbidden):
        await journey.complete_exercise(carol, sid, "GROUNDING")


async def test_intensity_eight_suggests_an_exercise(app: App, alice: User,
                                                    active: tuple[str, str]) -> None:
    sid = active[0]
    assert (await app.emotions.record(alice, sid, 7)).suggest_exercise is False
    assert (await app.emotions.record(alice, sid, 8)).suggest_exercise is True
