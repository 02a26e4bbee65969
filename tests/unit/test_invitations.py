"""InvitationUseCases: the member and public views, accepting and declining."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from mwf_core.domain import events
from mwf_core.domain.enums import InvitationStatus, SessionStatus, Stage, StageStatus
from mwf_core.domain.errors import (
    Expired,
    Forbidden,
    InvitesBlocked,
    NotFound,
    ValidationFailed,
)
from mwf_core.domain.records import User
from mwf_core.usecases.session_creation import CreateSessionRequest

from .conftest import BOB, App


def all_values(value: Any) -> list[Any]:
    """Every leaf value inside nested dataclasses."""
    if dataclasses.is_dataclass(value):
        return [
            leaf for f in dataclasses.fields(value) for leaf in all_values(getattr(value, f.name))
        ]
    return [value]


async def test_public_view_shows_the_inviter_but_never_the_topic(
    app: App, alice: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    frame = app.store.sessions[sid].topic_frame
    view = await app.invitations.public(invitation_id)
    assert view.inviter_name == "Alice"
    assert view.status is InvitationStatus.PENDING
    assert view.session_status is SessionStatus.INVITED
    assert frame and frame not in all_values(view)
    assert "topic_frame" not in {f.name for f in dataclasses.fields(view)}


async def test_public_view_reads_expired_lazily(app: App, invited: tuple[str, str]) -> None:
    app.clock.advance(days=7)
    assert (await app.invitations.public(invited[1])).status is InvitationStatus.EXPIRED
    assert app.store.invitations[invited[1]].status is InvitationStatus.PENDING


async def test_unknown_invitation_is_not_found(app: App, bob: User) -> None:
    with pytest.raises(NotFound):
        await app.invitations.public("nope")
    with pytest.raises(NotFound):
        await app.invitations.accept(bob, "nope")
    with pytest.raises(NotFound):
        await app.invitations.decline(bob, "nope")


async def test_member_view(app: App, alice: User, bob: User, invited: tuple[str, str]) -> None:
    sid, invitation_id = invited
    mine = await app.invitations.for_session(alice, sid)
    assert (mine.invitation.id, mine.is_inviter, mine.inviter_name) == (
        invitation_id,
        True,
        "Alice",
    )
    await app.invitations.accept(bob, invitation_id)
    theirs = await app.invitations.for_session(bob, sid)
    assert theirs.is_inviter is False and theirs.status is InvitationStatus.ACCEPTED


async def test_accept_joins_the_session(
    app: App, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    app.clock.advance(hours=2)
    joined = await app.invitations.accept(bob, invitation_id)
    assert joined.session.id == sid and joined.session.status is SessionStatus.ACTIVE
    assert joined.members == [(alice.id, "Alice"), (bob.id, "Bob")]
    invitation = app.store.invitations[invitation_id]
    assert invitation.status is InvitationStatus.ACCEPTED
    assert invitation.accepted_at == app.clock.now()
    [row] = [p for p in app.store.progress.values() if p.user_id == bob.id]
    assert (row.stage, row.status) == (Stage.ONBOARDING, StageStatus.IN_PROGRESS)
    assert any(v.user_id == bob.id for v in app.store.user_vessels.values())
    [event] = app.events(events.SESSION_JOINED)
    assert event.channel == f"session:{sid}"
    assert (event.payload["joinedBy"], event.payload["userName"]) == (bob.id, "Bob")


async def test_accepting_twice_returns_the_session(
    app: App, bob: User, invited: tuple[str, str]
) -> None:
    first = await app.invitations.accept(bob, invited[1])
    again = await app.invitations.accept(bob, invited[1])
    assert again.session.id == first.session.id and again.members == first.members
    assert len(app.events(events.SESSION_JOINED)) == 1
    assert len([p for p in app.store.progress.values() if p.user_id == bob.id]) == 1


async def test_cannot_accept_or_decline_your_own_invitation(
    app: App, alice: User, invited: tuple[str, str]
) -> None:
    with pytest.raises(ValidationFailed):
        await app.invitations.accept(alice, invited[1])
    with pytest.raises(ValidationFailed):
        await app.invitations.decline(alice, invited[1])
    assert app.store.invitations[invited[1]].status is InvitationStatus.PENDING


async def test_not_ready_until_the_topic_is_confirmed(app: App, alice: User, bob: User) -> None:
    created = await app.create(alice, "Bob")
    await app.stage0.sign_compact(alice, created.view.session.id, True)
    with pytest.raises(ValidationFailed):
        await app.invitations.accept(bob, created.invitation_id)
    assert app.store.invitations[created.invitation_id].status is InvitationStatus.PENDING
    await app.stage0.confirm_topic_frame(alice, created.view.session.id)
    assert (await app.invitations.accept(bob, created.invitation_id)).session.status is (
        SessionStatus.ACTIVE
    )


async def test_expired_invitation_is_refused_and_stored_expired(
    app: App, bob: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    app.clock.advance(days=7)
    with pytest.raises(Expired):
        await app.invitations.accept(bob, invitation_id)
    assert app.store.invitations[invitation_id].status is InvitationStatus.EXPIRED
    assert bob.id not in {m.user_id for m in app.store.members.values()}
    assert app.store.sessions[sid].status is SessionStatus.INVITED
    with pytest.raises(Expired):
        await app.invitations.accept(bob, invitation_id)
    with pytest.raises(Expired):
        await app.invitations.decline(bob, invitation_id)


@pytest.mark.parametrize("attempt", ["decline", "resend"])
async def test_declining_or_resending_an_expired_invitation_stores_expired(
    app: App, alice: User, bob: User, invited: tuple[str, str], attempt: str
) -> None:
    # Whichever action finds it past its expiry records it, as accept does.
    sid, invitation_id = invited
    app.clock.advance(days=7)
    queued_before = len(app.store.outbox)
    with pytest.raises(Expired):
        if attempt == "decline":
            await app.invitations.decline(bob, invitation_id)
        else:
            await app.invitations.resend(alice, invitation_id)
    assert app.store.invitations[invitation_id].status is InvitationStatus.EXPIRED
    assert app.store.sessions[sid].status is SessionStatus.INVITED
    assert len(app.store.outbox) == queued_before  # no decline event, no email


async def test_just_before_expiry_still_works(
    app: App, bob: User, invited: tuple[str, str]
) -> None:
    app.clock.advance(days=7, seconds=-1)
    assert (await app.invitations.accept(bob, invited[1])).session.id == invited[0]


async def test_privacy_settings_can_block_invites(
    app: App, bob: User, invited: tuple[str, str]
) -> None:
    async with app.db() as uow:
        row = await uow.users.get(bob.id)
        assert row is not None
        row.privacy_preferences = {"allowSessionInvites": False}
        await uow.users.update(row)
        await uow.commit()
    private_bob = await app.identity.ensure_user(BOB)
    with pytest.raises(InvitesBlocked):
        await app.invitations.accept(private_bob, invited[1])
    assert app.store.invitations[invited[1]].status is InvitationStatus.PENDING
    assert app.events(events.SESSION_JOINED) == []


async def person_session(app: App, alice: User, bob: User, active: tuple[str, str]) -> str:
    """A second session of Alice and Bob's relationship, invited by person id."""
    await app.set_status(active[0], SessionStatus.RESOLVED)
    created = await app.sessions.create(alice, CreateSessionRequest(person_id=bob.id))
    await app.stage0.confirm_topic_frame(alice, created.view.session.id)
    assert created.invitation_id is not None
    return created.invitation_id


async def test_a_third_person_cannot_take_the_partners_place(
    app: App, alice: User, bob: User, carol: User, active: tuple[str, str]
) -> None:
    invitation_id = await person_session(app, alice, bob, active)
    with pytest.raises(Forbidden):
        await app.invitations.accept(carol, invitation_id)
    assert carol.id not in {m.user_id for m in app.store.members.values()}
    joined = await app.invitations.accept(bob, invitation_id)  # the partner still can
    assert [m for m, _ in joined.members] == [alice.id, bob.id]


async def test_a_third_person_cannot_decline_for_the_partner(
    app: App, alice: User, bob: User, carol: User, active: tuple[str, str]
) -> None:
    invitation_id = await person_session(app, alice, bob, active)
    session_id = app.store.invitations[invitation_id].session_id
    with pytest.raises(Forbidden):
        await app.invitations.decline(carol, invitation_id, "not interested")
    assert app.store.sessions[session_id].status is SessionStatus.INVITED


async def test_once_accepted_nobody_else_can_accept(
    app: App, bob: User, carol: User, invited: tuple[str, str]
) -> None:
    await app.invitations.accept(bob, invited[1])
    # Carol is not the invitee of a taken invitation: she may neither accept nor decline it.
    with pytest.raises(Forbidden):
        await app.invitations.accept(carol, invited[1])
    with pytest.raises(Forbidden):
        await app.invitations.decline(carol, invited[1])


async def test_decline_abandons_and_tells_only_the_inviter_why(
    app: App, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    app.clock.advance(minutes=10)
    await app.invitations.decline(bob, invitation_id, "  I need some space  ")
    invitation = app.store.invitations[invitation_id]
    assert invitation.status is InvitationStatus.DECLINED
    assert (invitation.decline_reason, invitation.declined_at) == (
        "I need some space",
        app.clock.now(),
    )
    assert app.store.sessions[sid].status is SessionStatus.ABANDONED
    [event] = app.events(events.INVITATION_DECLINED)
    assert event.channel == f"user:{alice.id}"
    assert event.payload["reason"] == "I need some space"
    carrying_reason = [e for e in app.db.published if "I need some space" in str(e.payload)]
    assert carrying_reason == [event]
    with pytest.raises(ValidationFailed):
        await app.invitations.decline(bob, invitation_id)
    with pytest.raises(ValidationFailed):
        await app.invitations.accept(bob, invitation_id)


async def test_decline_without_reason_and_reason_limit(
    app: App, bob: User, invited: tuple[str, str]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.invitations.decline(bob, invited[1], "x" * 501)
    assert list(caught.value.details) == ["reason"]
    await app.invitations.decline(bob, invited[1], "   ")
    assert app.store.invitations[invited[1]].decline_reason is None


async def test_accept_after_the_inviter_left_is_refused(
    app: App, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    await app.lifecycle.leave(alice, invited[0])
    with pytest.raises(Expired):
        await app.invitations.accept(bob, invited[1])


async def test_accept_is_idempotent_even_later(
    app: App, bob: User, invited: tuple[str, str]
) -> None:
    await app.invitations.accept(bob, invited[1])
    app.clock.advance(timedelta(days=30))
    assert (await app.invitations.accept(bob, invited[1])).session.id == invited[0]
