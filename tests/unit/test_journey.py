"""Around the stages with the in-memory fakes: the gate table, POST /stages/advance, read
state, exercises, consent, the timeline, pending actions and the badge count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mwf_core.domain.consent import ConsentedContent
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus, EmpathyValidation
from mwf_core.domain.enums import (
    ConsentContentType,
    ConsentDecision,
    MessageRole,
    SessionStatus,
    StageStatus,
)
from mwf_core.domain.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    Forbidden,
    NotFound,
    SessionNotActive,
    ValidationFailed,
)
from mwf_core.domain.gates import BlockedReason, check_advance, missing_gates
from mwf_core.domain.reconciler import ShareOffer, ShareOfferStatus
from mwf_core.domain.records import ConsentRecord, Message, User
from mwf_core.usecases.journey import JourneyUseCases
from mwf_core.usecases.progression import move_user_to

from .conftest import App


@pytest.fixture
def journey(app: App) -> JourneyUseCases:
    return JourneyUseCases(app.deps, None)  # type: ignore[arg-type]  # no model calls here


async def jump(app: App, sid: str, users: list[User], stage: int,
               gates: dict[str, Any] | None = None) -> None:
    async with app.db() as uow:
        rows = await uow.progress.for_session(sid)
        for user in users:
            await move_user_to(uow, app.deps, sid, rows, user.id, stage, gates=gates)
        await uow.commit()


async def merge(app: App, sid: str, user: User, stage: int, gates: dict[str, Any]) -> None:
    async with app.db() as uow:
        rows = await uow.progress.for_session(sid)
        row = next(r for r in rows if r.user_id == user.id and r.stage == stage)
        row.gates_satisfied = {**row.gates_satisfied, **gates}
        await uow.progress.update(row)
        await uow.commit()


async def put(app: App, *records: Any) -> None:
    async with app.db() as uow:
        for record in records:
            if isinstance(record, Message):
                await uow.messages.add(record)
            elif isinstance(record, ConsentRecord):
                await uow.consents.add(record)
            elif isinstance(record, EmpathyAttempt):
                await uow.empathy_attempts.add(record)
            elif isinstance(record, EmpathyValidation):
                await uow.empathy_validations.upsert(record)
            elif isinstance(record, ShareOffer):
                await uow.reconciler.add_offer(record)
        await uow.commit()


NEEDS_DONE = {"needsConfirmed": True, "needsShared": True, "needsValidated": True}

# --- the gate table ------------------------------------------------------------------------


def test_gate_table_is_the_originals() -> None:
    assert missing_gates(0, {}) == ("compactSigned",)
    assert missing_gates(1, {"feelHeardConfirmed": True}) == ()
    assert missing_gates(3, {"needsConfirmed": True}) == ("needsShared", "needsValidated")
    assert missing_gates(4, {}) == ("rankingSubmitted", "agreementCreated")
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
    await jump(app, sid, [alice, bob], 3)
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
    assert first.payload["activeAt"] is not None and first.payload["presenceVisible"] is True
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
    await journey.mark_viewed(hidden, sid)
    at = await journey.mark_share_tab_viewed(hidden, sid)
    assert at == app.clock.now()
    for name in ("partner.session_viewed", "partner.share_tab_viewed"):
        [event] = app.events(name)
        assert (event.payload["activeAt"], event.payload["viewedAt"],
                event.payload["presenceVisible"]) == (None, None, False)


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


# --- consent -------------------------------------------------------------------------------


def consent(app: App, sid: str, user: User, rid: str, minute: int = 0,
            kind: ConsentContentType = ConsentContentType.EVENT_SUMMARY,
            content: str = "my summary") -> ConsentRecord:
    return ConsentRecord(rid, user.id, sid, kind, None,
                         app.clock.now() + timedelta(minutes=minute),
                         metadata={"content": content})


async def test_consent_decide_and_revoke(app: App, journey: JourneyUseCases, alice: User,
                                         bob: User, active: tuple[str, str]) -> None:
    sid = active[0]
    await put(app, consent(app, sid, alice, "c1"), consent(app, sid, alice, "c2", 1),
              consent(app, sid, bob, "c-bob", 2, content="bob private words"))
    assert [r.id for r in await journey.consent.pending(alice, sid)] == ["c1", "c2"]
    assert [r.id for r in await journey.consent.pending(bob, sid)] == ["c-bob"]

    granted = await journey.consent.decide(alice, sid, "c1", "GRANTED", "  my edited words ")
    assert granted.record.decision is ConsentDecision.GRANTED
    assert isinstance(granted.shared, ConsentedContent)
    assert granted.shared.transformed_content == "my edited words"
    assert granted.shared.shared_vessel_id is not None and granted.shared.consent_active
    denied = await journey.consent.decide(alice, sid, "c2", "DENIED")
    assert denied.shared is None and denied.record.decision is ConsentDecision.DENIED
    assert await journey.consent.pending(alice, sid) == []
    with pytest.raises(Conflict):
        await journey.consent.decide(alice, sid, "c1", "DENIED")
    # Only the giver may decide or revoke: the partner gets 404 (no existence leak).
    for call in (journey.consent.decide(bob, sid, "c1", "GRANTED"),
                 journey.consent.revoke(bob, sid, "c1")):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(ValidationFailed):
        await journey.consent.decide(alice, sid, "c1", "REVOKED")
    with pytest.raises(ValidationFailed):
        await journey.consent.revoke(alice, sid, "c2")  # a denial cannot be revoked

    revoked = await journey.consent.revoke(alice, sid, "c1")
    assert revoked.decision is ConsentDecision.REVOKED and revoked.revoked_at is not None
    app.clock.advance(minutes=1)
    again = await journey.consent.revoke(alice, sid, "c1")
    assert again.revoked_at == revoked.revoked_at
    async with app.db() as uow:
        content = await uow.consents.content_for_record("c1")
    assert content is not None and content.consent_active is False

    history = await journey.consent.history(alice, sid)
    assert [(r.id, r.decision) for r in history] == [
        ("c1", ConsentDecision.REVOKED), ("c2", ConsentDecision.DENIED)]
    [granted_event] = app.events("partner.consent_granted")
    [revoked_event] = app.events("partner.consent_revoked")
    for event in (granted_event, revoked_event):
        assert event.payload["excludeUserId"] == alice.id
        assert "my edited words" not in str(event.payload)
        assert event.payload["contentType"] == "EVENT_SUMMARY"


@pytest.mark.parametrize("kind", [ConsentContentType.IDENTIFIED_NEED,
                                  ConsentContentType.EMPATHY_DRAFT,
                                  ConsentContentType.EMPATHY_ATTEMPT])
async def test_consents_the_stages_rely_on_cannot_be_revoked(
    app: App, journey: JourneyUseCases, alice: User, active: tuple[str, str],
    kind: ConsentContentType,
) -> None:
    # The needs comparison and the empathy reveal never look at consent records: a revoked
    # need would still be shown, so revoking is refused rather than promised.
    sid = active[0]
    await put(app, consent(app, sid, alice, "c-stage", kind=kind),
              consent(app, sid, alice, "c-generic", 1))
    for rid in ("c-stage", "c-generic"):
        await journey.consent.decide(alice, sid, rid, "GRANTED")
    with pytest.raises(ValidationFailed, match="stay shared"):
        await journey.consent.revoke(alice, sid, "c-stage")
    [record] = [r for r in await journey.consent.history(alice, sid) if r.id == "c-stage"]
    assert record.decision is ConsentDecision.GRANTED and record.revoked_at is None
    async with app.db() as uow:
        content = await uow.consents.content_for_record("c-stage")
    assert content is not None and content.consent_active
    assert app.events("partner.consent_revoked") == []
    # A generic consent still can be revoked.
    generic = await journey.consent.revoke(alice, sid, "c-generic")
    assert generic.decision is ConsentDecision.REVOKED


async def test_granted_without_edit_shares_the_givers_own_content(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    await put(app, consent(app, sid, alice, "c1", content="what I agreed to share"))
    granted = await journey.consent.decide(alice, sid, "c1", "GRANTED")
    assert granted.shared is not None
    assert granted.shared.transformed_content == "what I agreed to share"
    with pytest.raises(ValidationFailed):
        await journey.consent.decide(alice, sid, "c1", "GRANTED", "   ")
    with pytest.raises(ValidationFailed):
        await journey.consent.decide(alice, sid, "c1", "GRANTED", "x" * 5001)


# --- timeline ------------------------------------------------------------------------------


def msg(app: App, sid: str, mid: str, sender: str | None, for_user: str | None,
        role: MessageRole, minute: int) -> Message:
    return Message(mid, sid, sender, for_user, role, f"text of {mid}", 2,
                   app.clock.now() + timedelta(minutes=minute))


async def test_timeline_is_my_lane_with_indicators(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    app.clock.advance(minutes=1)
    await put(app,
              msg(app, sid, "a-user", alice.id, None, MessageRole.USER, 1),
              msg(app, sid, "a-ai", None, alice.id, MessageRole.AI, 2),
              msg(app, sid, "b-user", bob.id, None, MessageRole.USER, 3),
              msg(app, sid, "b-ctx", bob.id, alice.id, MessageRole.SHARED_CONTEXT, 4),
              msg(app, sid, "a-sys", None, alice.id, MessageRole.VALIDATION_FEEDBACK, 5))
    app.clock.advance(minutes=10)
    await app.emotions.record(alice, sid, 6)
    app.clock.advance(minutes=1)
    await app.emotions.record(alice, sid, 9)
    await app.emotions.record(bob, sid, 2)
    page = await journey.timeline(alice, sid, limit=100)
    kinds = [(i.type, i.indicator_type) for i in page.items]
    assert ("indicator", "session-start") in kinds
    assert ("indicator", "invitation-sent") in kinds
    assert ("indicator", "invitation-accepted") in kinds
    assert ("indicator", "compact-signed") in kinds
    assert ("indicator", "stage-transition") in kinds
    ids = [i.id for i in page.items]
    assert "b-user" not in ids
    by_id = {i.id: i for i in page.items}
    assert by_id["a-user"].type == "user-message" and by_id["a-ai"].type == "ai-message"
    assert by_id["b-ctx"].type == "shared-context" and by_id["a-sys"].type == "system-message"
    changes = [i for i in page.items if i.type == "emotion-change"]
    assert [(c.intensity, c.previous_intensity) for c in changes] == [(6, None), (9, 6)]
    assert page.items == sorted(page.items, key=lambda i: (i.at, i.id))
    assert not page.has_more

    newest = await journey.timeline(alice, sid, limit=2)
    assert [i.type for i in newest.items] == ["emotion-change", "emotion-change"]
    assert newest.has_more
    older = await journey.timeline(alice, sid, before=newest.items[0].at, limit=3)
    assert [i.id for i in older.items] == ["a-ai", "b-ctx", "a-sys"]
    with pytest.raises(ValidationFailed):
        await journey.timeline(alice, sid, limit=101)


# --- pending actions and badge count -------------------------------------------------------


def attempt(app: App, sid: str, author: User, status: EmpathyStatus) -> EmpathyAttempt:
    now = app.clock.now()
    return EmpathyAttempt(f"att-{author.id}", sid, author.id, "guess", now, status, now, now,
                          revealed_at=now if status is EmpathyStatus.REVEALED else None)


async def test_pending_actions_and_badge_count(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    # Shared context for Alice is held back while she is at stage 1.
    await put(app, msg(app, sid, "ctx", bob.id, alice.id, MessageRole.SHARED_CONTEXT, 1))
    assert (await journey.pending_actions(alice, sid)).actions == []
    await jump(app, sid, [alice, bob], 2)
    await put(app, attempt(app, sid, bob, EmpathyStatus.REVEALED),
              attempt(app, sid, alice, EmpathyStatus.READY))
    now = app.clock.now()
    await put(app, ShareOffer("offer-1", sid, "result-1", alice.id, bob.id,
                              ShareOfferStatus.OFFERED, now, now,
                              suggested_content="alice's own stage-1 words"))
    pending = await journey.pending_actions(alice, sid)
    assert [(a.type, a.id) for a in pending.actions] == [
        ("share_offer", "offer-1"), ("validate_empathy", f"att-{bob.id}"),
        ("context_received", "ctx")]
    assert "alice's own stage-1 words" not in str(pending.actions)
    assert (await journey.pending_actions(bob, sid)).actions == []
    assert pending.sent_tab_updates == 1
    badge = await journey.badge_count(alice)
    assert badge.by_session == {sid: 3} and badge.count == 3

    app.clock.advance(minutes=5)
    await journey.mark_share_tab_viewed(alice, sid)
    await put(app, EmpathyValidation("v1", f"att-{bob.id}", sid, alice.id, True,
                                     app.clock.now()))
    after = await journey.pending_actions(alice, sid)
    assert [a.type for a in after.actions] == ["share_offer"]
    assert after.sent_tab_updates == 0
    async with app.db() as uow:
        offer = await uow.reconciler.open_offer_for(sid, alice.id)
        assert offer is not None
        offer.status = ShareOfferStatus.DECLINED
        await uow.reconciler.update_offer(offer)
        await uow.commit()
    assert (await journey.pending_actions(alice, sid)).actions == []

    # Unread counts one: the session changed after my last view.
    await journey.mark_viewed(alice, sid)
    app.clock.advance(minutes=1)
    await merge(app, sid, bob, 2, {})
    await app.set_status(sid, SessionStatus.ACTIVE)
    async with app.db() as uow:
        session = await uow.sessions.get(sid)
        assert session is not None
        session.updated_at = app.clock.now()
        await uow.sessions.update(session)
        await uow.commit()
    assert (await journey.badge_count(alice)).by_session == {sid: 1}
    assert (await journey.badge_count(bob)).count == 0

    await app.set_status(sid, SessionStatus.RESOLVED)
    assert (await journey.pending_actions(alice, sid)).actions == []


def test_pending_action_event_goes_to_the_recipient_only(app: App) -> None:
    from mwf_core.usecases.journey_actions import pending_action_event

    event = pending_action_event(app.deps, "s1", "u-bob", "share_offer", "offer-1")
    assert (event.name, event.channel) == ("notification.pending_action", "user:u-bob")
    assert event.payload["forUserId"] == "u-bob" and event.payload["actionId"] == "offer-1"
    with pytest.raises(ValueError):
        pending_action_event(app.deps, "s1", "u-bob", "nonsense", "x")
