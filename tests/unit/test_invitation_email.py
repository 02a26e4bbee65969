"""CreateSession with an invite email writes one `email:{invitationId}` outbox row."""

from __future__ import annotations

from mwf_core.domain import events
from mwf_core.domain.records import User
from mwf_core.domain.timefmt import js_iso
from mwf_core.usecases.session_creation import CreateSessionRequest

from .conftest import APP_URL, App


async def test_invite_email_adds_an_email_row(app: App, alice: User) -> None:
    created = await app.create(alice, "Bob", invite_email=" bob@example.com ")

    [row] = app.events(events.INVITATION_EMAIL)
    invitation_id = created.invitation_id
    assert row.channel == events.email_channel(invitation_id) == f"email:{invitation_id}"
    assert row.session_id == created.view.session.id
    async with app.db() as uow:
        invitation = await uow.invitations.get(invitation_id)
    assert invitation is not None
    assert row.payload == {
        "sessionId": created.view.session.id,
        "timestamp": int(app.clock.now().timestamp() * 1000),
        "to": "bob@example.com",
        "inviterName": alice.name,
        "invitationId": invitation_id,
        "invitationUrl": f"{APP_URL}/invitation/{invitation_id}",
        "expiresAt": js_iso(invitation.expires_at),
    }
    assert row.payload["invitationUrl"] == created.invitation_url


async def test_no_email_no_row(app: App, alice: User) -> None:
    await app.create(alice, "Bob")
    assert app.events(events.INVITATION_EMAIL) == []
    assert not [e for e in app.events() if e.channel.startswith("email:")]


async def test_a_replayed_request_sends_one_email(app: App, alice: User) -> None:
    request = CreateSessionRequest(invite_name="Bob", invite_email="bob@example.com",
                                   request_id="req-1")
    first = await app.sessions.create(alice, request)
    again = await app.sessions.create(alice, request)

    assert again.view.session.id == first.view.session.id
    assert len(app.events(events.INVITATION_EMAIL)) == 1
