"""Stage 0 from start to finish, as two people would live it."""

from __future__ import annotations

from mwf_core.domain.enums import InvitationStatus, SessionStatus, Stage, StageStatus
from mwf_core.domain.records import User

from .conftest import App


async def test_full_stage_zero(app: App, alice: User, bob: User) -> None:
    created = await app.create(alice, "Bob", "Bob keeps forgetting our plans. It hurts.")
    sid, invitation_id = created.view.session.id, created.invitation_id
    assert created.view.session.status is SessionStatus.CREATED
    frame = created.view.session.topic_frame or ""
    assert "bob" not in frame.lower() and len(frame.split()) <= 20

    app.clock.advance(minutes=2)
    assert (await app.stage0.sign_compact(alice, sid, True)).can_advance is True
    app.clock.advance(minutes=2)
    confirmed_frame, _ = await app.stage0.confirm_topic_frame(alice, sid)
    assert confirmed_frame == frame
    app.clock.advance(minutes=1)
    await app.stage0.confirm_invitation(alice, sid)
    alice_view = await app.sessions.get(alice, sid)
    assert alice_view.my_progress is not None
    assert (alice_view.my_progress.stage, alice_view.my_progress.status) == (
        Stage.WITNESS, StageStatus.IN_PROGRESS)
    assert alice_view.session.status is SessionStatus.INVITED

    public = await app.invitations.public(invitation_id)
    assert (public.inviter_name, public.status) == ("Alice", InvitationStatus.PENDING)

    app.clock.advance(hours=3)
    joined = await app.invitations.accept(bob, invitation_id)
    assert joined.session.status is SessionStatus.ACTIVE
    status = await app.stage0.compact_status(bob, sid)
    assert (status.my_signed, status.partner_signed) == (False, False)  # hidden until I sign
    app.clock.advance(minutes=1)
    signed = await app.stage0.sign_compact(bob, sid, True)
    assert (signed.partner_signed, signed.can_advance) == (True, True)

    bob_report = await app.sessions.progress(bob, sid)
    assert bob_report.view.my_progress is not None
    assert bob_report.view.my_progress.stage == Stage.WITNESS
    assert bob_report.view.partner_progress is not None
    assert bob_report.view.partner_progress.stage == Stage.WITNESS
    assert bob_report.view.session.status is SessionStatus.ACTIVE
    alice_report = await app.sessions.progress(alice, sid)
    assert alice_report.view.partner_progress is not None
    assert alice_report.view.partner_progress.stage == Stage.WITNESS
    assert alice_report.view.status_summary == "Stage 1: Witness"
    assert alice_report.view.self_action_needed == []
    assert alice_report.view.partner_action_needed == []
    assert app.store.sessions[sid].status is SessionStatus.ACTIVE
    assert (await app.identity.me(alice)).active_sessions == 1
    assert app.db.published_names() == [
        "partner.signed_compact", "session.topic_frame_updated", "invitation.confirmed",
        "session.joined", "partner.signed_compact",
    ]
