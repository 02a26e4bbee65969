"""Outbox events: written with the change, handed over only after commit, original names."""

from __future__ import annotations

import pytest

from mwf_core.domain import events
from mwf_core.domain.errors import Conflict, Forbidden
from mwf_core.domain.records import User
from mwf_core.usecases import runtime

from .conftest import App


def test_event_names_are_the_originals() -> None:
    assert (events.PARTNER_SIGNED_COMPACT, events.SESSION_JOINED, events.INVITATION_DECLINED,
            events.INVITATION_CONFIRMED, events.SESSION_PAUSED, events.SESSION_RESUMED,
            events.TOPIC_FRAME_UPDATED) == (
        "partner.signed_compact", "session.joined", "invitation.declined",
        "invitation.confirmed", "session.paused", "session.resumed",
        "session.topic_frame_updated")


async def test_each_committed_change_publishes_its_event_once_and_stores_it(
    app: App, alice: User, bob: User
) -> None:
    sid, invitation_id = await app.invite(alice)
    await app.invitations.accept(bob, invitation_id)
    await app.stage0.sign_compact(bob, sid, True)
    await app.lifecycle.pause(alice, sid)
    await app.lifecycle.resume(bob, sid)
    names = ["partner.signed_compact", "session.topic_frame_updated", "invitation.confirmed",
             "session.joined", "partner.signed_compact", "session.paused", "session.resumed"]
    assert app.db.published_names() == names
    stored = sorted(app.store.outbox.values(), key=lambda e: e.id)
    assert [e.name for e in stored] == names
    assert all(e.payload["sessionId"] == sid and "timestamp" in e.payload for e in stored)


async def test_a_refused_change_publishes_nothing(app: App, alice: User, carol: User,
                                                  invited: tuple[str, str]) -> None:
    published = list(app.db.published)
    with pytest.raises(Conflict):
        await app.stage0.sign_compact(alice, invited[0], True)
    with pytest.raises(Forbidden):
        await app.lifecycle.leave(carol, invited[0])
    assert app.db.published == published


async def test_decline_event_goes_to_the_inviter_only(app: App, alice: User, bob: User,
                                                     invited: tuple[str, str]) -> None:
    await app.invitations.decline(bob, invited[1], "no")
    [event] = app.events("invitation.declined")
    assert event.channel == f"user:{alice.id}"
    assert not [e for e in app.events() if e.channel == f"session:{invited[0]}"
                and e.name == "invitation.declined"]


async def test_a_retried_transaction_publishes_the_event_once(
    app: App, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.random, "uniform", lambda low, high: 0.0)  # sleep(0)
    sid = (await app.create(alice)).view.session.id
    app.db.fail_commits = 2
    await app.stage0.sign_compact(alice, sid, True)
    assert app.db.fail_commits == 0  # both injected failures were used up
    assert len(app.events("partner.signed_compact")) == 1
    assert len(app.store.outbox) == 1
    assert (await app.stage0.compact_status(alice, sid)).my_signed is True
