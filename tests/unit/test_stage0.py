"""Stage0UseCases: the Curiosity Compact, the topic frame and the invitation confirm."""

from __future__ import annotations

import pytest

from mwf_core.domain import events
from mwf_core.domain.enums import InvitationStatus, SessionStatus, Stage, StageStatus
from mwf_core.domain.errors import (
    Conflict,
    Forbidden,
    GateNotSatisfied,
    SessionNotActive,
    ValidationFailed,
)
from mwf_core.domain.records import User
from mwf_core.domain.timefmt import js_iso
from mwf_core.usecases.session_creation import CreateSessionRequest

from .conftest import App


def rows(app: App, session_id: str, user_id: str) -> dict[int, StageStatus]:
    return {p.stage: p.status for p in app.store.progress.values()
            if p.session_id == session_id and p.user_id == user_id}


async def new_session(app: App, alice: User) -> tuple[str, str]:
    created = await app.create(alice, "Bob", "We argue about money.")
    return created.view.session.id, created.invitation_id


async def test_sign_compact_records_the_signature(app: App, alice: User) -> None:
    sid, _ = await new_session(app, alice)
    signed = await app.stage0.sign_compact(alice, sid, True)
    assert signed.signed_at == app.clock.now()
    assert (signed.partner_signed, signed.can_advance) == (False, True)
    [row] = [p for p in app.store.progress.values() if p.user_id == alice.id]
    assert row.gates_satisfied == {"compactSigned": True, "signedAt": js_iso(app.clock.now())}
    assert row.status is StageStatus.IN_PROGRESS  # the inviter moves on by confirming
    [event] = app.events(events.PARTNER_SIGNED_COMPACT)
    assert event.channel == f"session:{sid}" and event.payload["signedBy"] == alice.id


async def test_signing_twice_is_a_conflict(app: App, alice: User) -> None:
    sid, _ = await new_session(app, alice)
    await app.stage0.sign_compact(alice, sid, True)
    app.clock.advance(minutes=1)
    with pytest.raises(Conflict):
        await app.stage0.sign_compact(alice, sid, True)
    assert len(app.events(events.PARTNER_SIGNED_COMPACT)) == 1


async def test_signing_after_moving_on_is_still_a_conflict(app: App, alice: User,
                                                          invited: tuple[str, str]) -> None:
    with pytest.raises(Conflict):
        await app.stage0.sign_compact(alice, invited[0], True)


@pytest.mark.parametrize("agreed", [False, None, 1, "true"])
async def test_compact_needs_literal_agreement(app: App, alice: User, agreed: object) -> None:
    sid, _ = await new_session(app, alice)
    with pytest.raises(ValidationFailed) as caught:
        await app.stage0.sign_compact(alice, sid, agreed)  # type: ignore[arg-type]
    assert list(caught.value.details) == ["agreed"]
    assert (await app.stage0.compact_status(alice, sid)).my_signed is False


async def test_invitee_moves_to_stage_one_when_the_inviter_has_signed(
    app: App, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    await app.invitations.accept(bob, invitation_id)
    assert rows(app, sid, bob.id) == {0: StageStatus.IN_PROGRESS}
    signed = await app.stage0.sign_compact(bob, sid, True)
    assert (signed.partner_signed, signed.can_advance) == (True, True)
    assert rows(app, sid, bob.id) == {0: StageStatus.COMPLETED, 1: StageStatus.IN_PROGRESS}
    assert app.store.sessions[sid].status is SessionStatus.ACTIVE


async def test_invitee_stays_in_stage_zero_while_the_inviter_has_not_signed(
    app: App, alice: User, bob: User
) -> None:
    sid, invitation_id = await new_session(app, alice)
    await app.stage0.confirm_topic_frame(alice, sid)  # enough for Bob to accept
    await app.invitations.accept(bob, invitation_id)
    signed = await app.stage0.sign_compact(bob, sid, True)
    assert (signed.partner_signed, signed.can_advance) == (False, False)
    assert rows(app, sid, bob.id) == {0: StageStatus.IN_PROGRESS}
    status = await app.stage0.compact_status(bob, sid)
    assert (status.my_signed, status.partner_signed, status.can_advance) == (True, False, False)


async def test_partner_compact_status_is_hidden_until_i_sign(
    app: App, alice: User, bob: User, invited: tuple[str, str]
) -> None:
    sid, invitation_id = invited
    await app.invitations.accept(bob, invitation_id)
    before = await app.stage0.compact_status(bob, sid)
    assert (before.my_signed, before.my_signed_at) == (False, None)
    assert (before.partner_signed, before.partner_signed_at) == (False, None)
    assert before.can_advance is False and before.is_first_session is True
    app.clock.advance(minutes=3)
    await app.stage0.sign_compact(bob, sid, True)
    after = await app.stage0.compact_status(bob, sid)
    assert (after.my_signed, after.my_signed_at) == (True, app.clock.now())
    assert after.partner_signed is True and after.partner_signed_at is not None
    assert after.partner_signed_at < app.clock.now()
    assert after.can_advance is True


async def test_compact_status_knows_a_second_session(app: App, alice: User, bob: User,
                                                     active: tuple[str, str]) -> None:
    await app.set_status(active[0], SessionStatus.RESOLVED)
    created = await app.sessions.create(alice, CreateSessionRequest(person_id=bob.id))
    status = await app.stage0.compact_status(alice, created.view.session.id)
    assert status.is_first_session is False


async def test_confirm_topic_frame_invites_and_is_idempotent(app: App, alice: User) -> None:
    sid, invitation_id = await new_session(app, alice)
    frame = app.store.sessions[sid].topic_frame
    first_at = app.clock.now()
    assert await app.stage0.confirm_topic_frame(alice, sid) == (frame, first_at)
    assert app.store.sessions[sid].status is SessionStatus.INVITED
    invitation = app.store.invitations[invitation_id]
    assert invitation.message_confirmed and invitation.message_confirmed_at == first_at
    [event] = app.events(events.TOPIC_FRAME_UPDATED)
    assert event.channel == f"user:{alice.id}" and event.payload["topicFrame"] == frame
    app.clock.advance(hours=1)
    assert await app.stage0.confirm_topic_frame(alice, sid) == (frame, first_at)
    assert len(app.events(events.TOPIC_FRAME_UPDATED)) == 1


async def test_only_the_creator_confirms(app: App, alice: User, bob: User) -> None:
    sid, invitation_id = await new_session(app, alice)
    await app.stage0.sign_compact(alice, sid, True)
    await app.stage0.confirm_topic_frame(alice, sid)
    await app.invitations.accept(bob, invitation_id)
    with pytest.raises(Forbidden):
        await app.stage0.confirm_topic_frame(bob, sid)
    with pytest.raises(Forbidden):
        await app.stage0.confirm_invitation(bob, sid)
    assert rows(app, sid, alice.id) == {0: StageStatus.IN_PROGRESS}


async def test_confirm_topic_frame_needs_a_frame(app: App, alice: User) -> None:
    sid, _ = await new_session(app, alice)
    async with app.db() as uow:
        session = await uow.sessions.get(sid)
        assert session is not None
        session.topic_frame = None
        await uow.sessions.update(session)
        await uow.commit()
    with pytest.raises(ValidationFailed):
        await app.stage0.confirm_topic_frame(alice, sid)
    assert app.store.sessions[sid].status is SessionStatus.CREATED


async def test_confirm_invitation_gates(app: App, alice: User) -> None:
    sid, _ = await new_session(app, alice)
    with pytest.raises(GateNotSatisfied):
        await app.stage0.confirm_invitation(alice, sid)  # nothing done yet
    await app.stage0.confirm_topic_frame(alice, sid)
    with pytest.raises(GateNotSatisfied):
        await app.stage0.confirm_invitation(alice, sid)  # compact missing
    sid2, _ = await new_session(app, alice)
    await app.stage0.sign_compact(alice, sid2, True)
    with pytest.raises(GateNotSatisfied):
        await app.stage0.confirm_invitation(alice, sid2)  # frame missing
    assert rows(app, sid, alice.id) == {0: StageStatus.IN_PROGRESS}
    assert rows(app, sid2, alice.id) == {0: StageStatus.IN_PROGRESS}
    assert app.events(events.INVITATION_CONFIRMED) == []


async def test_confirm_invitation_moves_the_inviter_to_stage_one(app: App, alice: User) -> None:
    sid, invitation_id = await new_session(app, alice)
    await app.stage0.sign_compact(alice, sid, True)
    await app.stage0.confirm_topic_frame(alice, sid)
    invitation = await app.stage0.confirm_invitation(alice, sid)
    assert invitation.id == invitation_id and invitation.message_confirmed
    assert invitation.status is InvitationStatus.PENDING
    assert rows(app, sid, alice.id) == {0: StageStatus.COMPLETED, 1: StageStatus.IN_PROGRESS}
    stage0 = next(p for p in app.store.progress.values()
                  if p.user_id == alice.id and p.stage == Stage.ONBOARDING)
    assert stage0.gates_satisfied["invitationSent"] is True
    assert stage0.gates_satisfied["compactSigned"] is True
    assert app.store.sessions[sid].status is SessionStatus.INVITED
    [event] = app.events(events.INVITATION_CONFIRMED)
    assert event.channel == f"session:{sid}" and event.payload["confirmedBy"] == alice.id
    again = await app.stage0.confirm_invitation(alice, sid)
    assert again.id == invitation_id
    assert len(app.events(events.INVITATION_CONFIRMED)) == 1
    assert rows(app, sid, alice.id) == {0: StageStatus.COMPLETED, 1: StageStatus.IN_PROGRESS}


async def test_stage0_is_closed_once_the_session_ended(app: App, alice: User, bob: User) -> None:
    sid, invitation_id = await new_session(app, alice)
    await app.invitations.decline(bob, invitation_id)
    with pytest.raises(SessionNotActive):
        await app.stage0.sign_compact(alice, sid, True)
    with pytest.raises(SessionNotActive):
        await app.stage0.confirm_topic_frame(alice, sid)
    with pytest.raises(SessionNotActive):
        await app.stage0.confirm_invitation(alice, sid)
    assert app.events(events.PARTNER_SIGNED_COMPACT) == []


async def test_a_member_who_has_not_accepted_yet_cannot_sign(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    await app.set_status(active[0], SessionStatus.RESOLVED)
    created = await app.sessions.create(alice, CreateSessionRequest(person_id=bob.id))
    # Bob is Alice's partner in the relationship, but has not joined this session yet.
    with pytest.raises(Forbidden):
        await app.stage0.sign_compact(bob, created.view.session.id, True)
    assert rows(app, created.view.session.id, bob.id) == {}
