"""The timeline, pending actions and the badge count with the in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus, EmpathyValidation
from mwf_core.domain.enums import (
    MessageRole,
    SessionStatus,
)
from mwf_core.domain.errors import (
    ValidationFailed,
)
from mwf_core.domain.reconciler import ShareOffer, ShareOfferStatus
from mwf_core.domain.records import Message, User
from mwf_core.usecases.journey import JourneyUseCases

from .conftest import App
from .journey_seed import merge, move_to, put

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
    await move_to(app.deps, sid, (alice.id, bob.id), 2)
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
