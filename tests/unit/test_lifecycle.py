"""LifecycleUseCases: pause, resume, archive and leave."""

from __future__ import annotations

import pytest

from mwf_core.domain import events
from mwf_core.domain.enums import MessageRole, SessionStatus
from mwf_core.domain.errors import Forbidden, SessionNotActive, ValidationFailed
from mwf_core.domain.records import EmotionalReading, Message, User

from .conftest import App


async def test_pause_and_resume_by_either_partner(app: App, alice: User, bob: User,
                                                  active: tuple[str, str]) -> None:
    sid = active[0]
    app.clock.advance(minutes=1)
    paused_at, status = await app.lifecycle.pause(bob, sid, "need a break")
    assert (paused_at, status) == (app.clock.now(), SessionStatus.PAUSED)
    assert app.store.sessions[sid].status is SessionStatus.PAUSED
    assert (await app.sessions.get(alice, sid)).self_action_needed == ["resume"]
    [event] = app.events(events.SESSION_PAUSED)
    assert event.channel == f"session:{sid}"
    assert (event.payload["pausedBy"], event.payload["excludeUserId"]) == (bob.id, bob.id)

    app.clock.advance(minutes=1)
    resumed_at, status = await app.lifecycle.resume(alice, sid)
    assert (resumed_at, status) == (app.clock.now(), SessionStatus.ACTIVE)
    assert app.store.sessions[sid].status is SessionStatus.ACTIVE
    [event] = app.events(events.SESSION_RESUMED)
    assert event.payload["resumedBy"] == alice.id


async def test_pause_needs_an_active_session_and_resume_a_paused_one(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    with pytest.raises(SessionNotActive):
        await app.lifecycle.resume(alice, sid)
    await app.lifecycle.pause(alice, sid)
    with pytest.raises(SessionNotActive):
        await app.lifecycle.pause(bob, sid)
    assert app.events(events.SESSION_RESUMED) == []
    assert len(app.events(events.SESSION_PAUSED)) == 1


async def test_an_invited_session_cannot_be_paused(app: App, alice: User,
                                                   invited: tuple[str, str]) -> None:
    with pytest.raises(SessionNotActive):
        await app.lifecycle.pause(alice, invited[0])
    assert app.store.sessions[invited[0]].status is SessionStatus.INVITED


async def test_pause_reason_limit(app: App, alice: User, active: tuple[str, str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.lifecycle.pause(alice, active[0], "x" * 501)
    assert list(caught.value.details) == ["reason"]
    await app.lifecycle.pause(alice, active[0], "x" * 500)


async def test_archive_is_personal_until_both_have_archived(app: App, alice: User, bob: User,
                                                            active: tuple[str, str]) -> None:
    sid = active[0]
    await app.set_status(sid, SessionStatus.RESOLVED)
    app.clock.advance(minutes=1)
    archived_at = await app.lifecycle.archive(alice, sid)
    assert archived_at == app.clock.now()
    assert app.store.sessions[sid].status is SessionStatus.RESOLVED
    assert (await app.sessions.list(alice))[0] == []
    assert [v.session.id for v in (await app.sessions.list(bob))[0]] == [sid]
    app.clock.advance(minutes=1)
    assert await app.lifecycle.archive(alice, sid) == archived_at  # again: the first time
    await app.lifecycle.archive(bob, sid)
    assert app.store.sessions[sid].status is SessionStatus.ARCHIVED
    assert (await app.sessions.list(bob))[0] == []


async def test_archiving_a_session_nobody_joined_archives_it(app: App, alice: User,
                                                            invited: tuple[str, str]) -> None:
    await app.lifecycle.archive(alice, invited[0])
    assert app.store.sessions[invited[0]].status is SessionStatus.ARCHIVED


@pytest.mark.parametrize("status", [SessionStatus.ACTIVE, SessionStatus.PAUSED,
                                    SessionStatus.WAITING])
async def test_a_running_session_cannot_be_archived(app: App, alice: User,
                                                    active: tuple[str, str],
                                                    status: SessionStatus) -> None:
    await app.set_status(active[0], status)
    with pytest.raises(ValidationFailed):
        await app.lifecycle.archive(alice, active[0])
    assert all(v.archived_at is None for v in app.store.user_vessels.values())


async def seed_private_data(app: App, sid: str, alice: User, bob: User) -> None:
    now = app.clock.now()
    async with app.db() as uow:
        for mid, sender, for_user in [("a1", alice.id, None), ("a2", None, alice.id),
                                      ("b1", bob.id, None), ("b2", None, bob.id),
                                      ("b-to-a", bob.id, alice.id)]:
            await uow.messages.add(Message(mid, sid, sender, for_user, MessageRole.USER,
                                           mid, 1, now))
        for user in (alice, bob):
            vessel = await uow.vessels.user_vessel(sid, user.id)
            assert vessel is not None
            await uow.emotions.add(EmotionalReading(f"r-{user.id}", vessel.id, 5, 1, now))
        await uow.commit()


async def test_leave_deletes_only_my_data_and_tells_my_partner(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    await seed_private_data(app, sid, alice, bob)
    left = await app.lifecycle.leave(bob, sid)
    assert left.session_abandoned is True and left.partner_notified is True
    # b1, b2, Bob's two progress rows and his vessel
    assert left.data_records_deleted == 5
    store = app.store
    assert store.sessions[sid].status is SessionStatus.ABANDONED
    assert sorted(store.messages) == ["a1", "a2", "b-to-a"]
    assert {p.user_id for p in store.progress.values()} == {alice.id}
    assert {v.user_id for v in store.user_vessels.values()} == {alice.id}
    assert [r.id for r in store.emotions.values()] == [f"r-{alice.id}"]
    assert [m.id for m in (await app.sessions.state(alice, sid)).messages] == ["a1", "a2",
                                                                              "b-to-a"]
    [abandoned] = app.events(events.SESSION_ABANDONED)
    assert abandoned.channel == f"session:{sid}" and abandoned.payload["leftBy"] == bob.id
    assert abandoned.payload["excludeUserId"] == bob.id  # Alice is told, not Bob
    # No row of its own: the realtime sink derives Alice's `session.updated` from this one.
    assert app.events(events.SESSION_UPDATED) == []
    assert (await app.sessions.list(bob))[0] == []
    assert [v.session.id for v in (await app.sessions.list(alice))[0]] == [sid]


async def test_leaving_before_anyone_joined_notifies_nobody(app: App, alice: User,
                                                           invited: tuple[str, str]) -> None:
    left = await app.lifecycle.leave(alice, invited[0])
    assert (left.session_abandoned, left.partner_notified) == (True, False)
    assert left.data_records_deleted == 3  # stage 0, stage 1, vessel
    assert app.events(events.SESSION_ABANDONED) == []


async def test_leaving_a_resolved_session_keeps_its_status(app: App, alice: User, bob: User,
                                                          active: tuple[str, str]) -> None:
    await app.set_status(active[0], SessionStatus.RESOLVED)
    left = await app.lifecycle.leave(alice, active[0])
    assert left.session_abandoned is False
    assert app.store.sessions[active[0]].status is SessionStatus.RESOLVED
    with pytest.raises(Forbidden):
        await app.lifecycle.archive(alice, active[0])  # having left, nothing is hers to see
