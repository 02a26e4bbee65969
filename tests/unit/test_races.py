"""Two people acting at the same instant.

`uow_factory.on_lock` runs another use case while the next `relationships.lock()` waits, the
way PostgreSQL (READ COMMITTED + SELECT ... FOR UPDATE) serialises them: afterwards the waiting
transaction reads what the other committed, but records it read *before* the lock are stale.
"""

from __future__ import annotations

import pytest

from mwf_core.domain.enums import InvitationStatus, SessionStatus
from mwf_core.domain.errors import Expired, Forbidden, SessionNotActive, ValidationFailed
from mwf_core.domain.records import User

from .conftest import App


async def test_two_people_accepting_one_link_only_one_joins(
    app: App, alice: User, bob: User, carol: User, invited: tuple[str, str]
) -> None:
    app.db.on_lock = lambda: app.invitations.accept(carol, invited[1])
    with pytest.raises(Forbidden):
        await app.invitations.accept(bob, invited[1])
    members = {m.user_id for m in app.store.members.values()}
    assert members == {alice.id, carol.id}


async def test_both_partners_pausing_at_once(app: App, alice: User, bob: User,
                                             active: tuple[str, str]) -> None:
    app.db.on_lock = lambda: app.lifecycle.pause(bob, active[0])
    with pytest.raises(SessionNotActive):
        await app.lifecycle.pause(alice, active[0])
    assert app.events("session.paused")[0].payload["pausedBy"] == bob.id


async def test_signing_while_the_inviter_confirms(app: App, alice: User, bob: User) -> None:
    created = await app.create(alice)
    sid = created.view.session.id
    await app.stage0.confirm_topic_frame(alice, sid)
    await app.invitations.accept(bob, created.invitation_id)
    app.db.on_lock = lambda: app.stage0.sign_compact(alice, sid, True)
    signed = await app.stage0.sign_compact(bob, sid, True)
    assert signed.partner_signed is True  # Bob's transaction saw Alice's signature


async def test_a_decline_racing_an_accept_does_not_undo_it(
    app: App, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    app.db.on_lock = lambda: app.invitations.accept(bob, invitation_id)
    with pytest.raises(ValidationFailed):
        await app.invitations.decline(bob, invitation_id, "changed my mind")
    assert app.store.invitations[invitation_id].status is InvitationStatus.ACCEPTED
    assert app.store.sessions[sid].status is SessionStatus.ACTIVE


async def test_accepting_while_the_inviter_leaves_does_not_revive_the_session(
    app: App, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    app.db.on_lock = lambda: app.lifecycle.leave(alice, sid)
    with pytest.raises(Expired):
        await app.invitations.accept(bob, invitation_id)
    assert app.store.sessions[sid].status is SessionStatus.ABANDONED
