"""POST /invitations/{id}/resend and ResendInvitation: the inviter emails a pending invitation
again (partner-journey.md §6.4: the mobile app calls it; the original had no route)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from mwf.v1 import invitations_pb2 as inv_pb
from mwf_core.adapters.db.tables import InvitationTable
from mwf_core.domain import events

from .grpc_helpers import EXPIRED, FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, fails
from .harness import Stack
from .journey import outbox
from .rest_helpers import expire_invitation, parse_iso

EMAIL = "bob@example.test"


async def invite_by_email(stack: Stack, email: str | None = EMAIL) -> dict[str, str]:
    body: dict[str, Any] = {"inviteName": "Bob", "context": "We argue about chores."}
    if email:
        body["inviteEmail"] = email
    created = await stack.ok("POST", "/api/sessions", "alice", body, status=201)
    session_id = created["session"]["id"]
    # Ready to be accepted, as in harness.stage0_to_invited.
    await stack.ok("POST", f"/api/sessions/{session_id}/compact/sign", "alice", {"agreed": True})
    await stack.ok("POST", f"/api/sessions/{session_id}/topic-frame/confirm", "alice")
    await stack.ok("POST", f"/api/sessions/{session_id}/invitation/confirm", "alice")
    return {"session_id": session_id, "invitation_id": created["invitationId"]}


async def email_rows(session_id: str) -> list[Any]:
    return [e for e in await outbox(session_id) if e.name == events.INVITATION_EMAIL]


async def test_the_inviter_resends_a_pending_invitation(stack: Stack) -> None:
    ids = await invite_by_email(stack)
    [first] = await email_rows(ids["session_id"])

    data = await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/resend", "alice")

    assert set(data) == {"sent", "sentAt", "expiresAt"}
    assert data["sent"] is True
    public = await stack.ok("GET", f"/api/invitations/{ids['invitation_id']}")
    assert data["expiresAt"] == public["invitation"]["expiresAt"]  # a resend does not extend
    assert parse_iso(data["sentAt"]) < parse_iso(data["expiresAt"])
    rows = await email_rows(ids["session_id"])
    assert len(rows) == 2
    second = rows[1]
    # A new row: a new Resend Idempotency-Key, so the invitee really gets a second email.
    assert second.id != first.id
    assert second.channel == first.channel == events.email_channel(ids["invitation_id"])
    for key in ("to", "inviterName", "invitationId", "invitationUrl", "expiresAt"):
        assert second.payload[key] == first.payload[key]
    assert second.payload["to"] == EMAIL


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("bob", 403, "FORBIDDEN"),  # holds the link, has not joined
        ("carol", 403, "FORBIDDEN"),
        (None, 401, "UNAUTHORIZED"),
    ],
)
async def test_only_the_inviter_may_resend(
    stack: Stack, who: str | None, status: int, code: str
) -> None:
    ids = await invite_by_email(stack)
    await stack.error(
        "POST", f"/api/invitations/{ids['invitation_id']}/resend", who, status=status, code=code
    )
    assert len(await email_rows(ids["session_id"])) == 1


async def test_the_joined_partner_may_not_resend(stack: Stack) -> None:
    ids = await invite_by_email(stack)
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob")
    await stack.error(
        "POST",
        f"/api/invitations/{ids['invitation_id']}/resend",
        "bob",
        status=403,
        code="FORBIDDEN",
    )


async def test_unknown_invitation_is_not_found(stack: Stack) -> None:
    await stack.error(
        "POST", "/api/invitations/no-such-invitation/resend", "alice", status=404, code="NOT_FOUND"
    )


async def test_an_expired_invitation_is_gone(stack: Stack) -> None:
    ids = await invite_by_email(stack)
    await expire_invitation(ids["invitation_id"])
    await stack.error(
        "POST",
        f"/api/invitations/{ids['invitation_id']}/resend",
        "alice",
        status=410,
        code="EXPIRED",
    )
    assert len(await email_rows(ids["session_id"])) == 1


@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_an_answered_invitation_is_not_resent(stack: Stack, answer: str) -> None:
    ids = await invite_by_email(stack)
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/{answer}", "bob")
    error = await stack.error(
        "POST",
        f"/api/invitations/{ids['invitation_id']}/resend",
        "alice",
        status=400,
        code="VALIDATION_ERROR",
    )
    assert "already been processed" in error["message"]
    assert len(await email_rows(ids["session_id"])) == 1


async def test_an_invitation_without_email_cannot_be_resent(stack: Stack) -> None:
    ids = await invite_by_email(stack, email=None)
    error = await stack.error(
        "POST",
        f"/api/invitations/{ids['invitation_id']}/resend",
        "alice",
        status=400,
        code="VALIDATION_ERROR",
    )
    assert "email" in error["message"]
    assert await email_rows(ids["session_id"]) == []


# --- gRPC ------------------------------------------------------------------------------------


def resend(stack: Stack, invitation_id: str, user: str | None) -> Any:
    return stack.stub.ResendInvitation(
        inv_pb.ResendInvitationRequest(invitation_id=invitation_id), metadata=stack.metadata(user)
    )


async def test_grpc_resend_by_the_inviter(stack: Stack) -> None:
    ids = await invite_by_email(stack)
    response = await resend(stack, ids["invitation_id"], "alice")
    assert response.sent
    stored = (
        await InvitationTable.select(InvitationTable.expires_at)
        .where(InvitationTable.id == ids["invitation_id"])
        .first()
        .run()
    )
    assert response.expire_time.ToDatetime().replace(microsecond=0) == stored["expires_at"].replace(
        tzinfo=None, microsecond=0
    )
    assert response.send_time.ToDatetime() < response.expire_time.ToDatetime()
    assert len(await email_rows(ids["session_id"])) == 2


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("bob", FORBIDDEN),
        ("carol", FORBIDDEN),
        (None, UNAUTHENTICATED),
    ],
)
async def test_grpc_resend_refuses_everyone_else(
    stack: Stack, who: str | None, expected: tuple[grpc.StatusCode, str]
) -> None:
    ids = await invite_by_email(stack)
    await fails(resend(stack, ids["invitation_id"], who), *expected)
    assert len(await email_rows(ids["session_id"])) == 1


async def test_grpc_resend_errors(stack: Stack) -> None:
    await fails(resend(stack, "no-such-invitation", "alice"), *NOT_FOUND)
    answered = await invite_by_email(stack)
    await stack.ok("POST", f"/api/invitations/{answered['invitation_id']}/decline", "bob")
    await fails(resend(stack, answered["invitation_id"], "alice"), *INVALID)
    expired = await invite_by_email(stack)
    await expire_invitation(expired["invitation_id"])
    await fails(resend(stack, expired["invitation_id"], "alice"), *EXPIRED)
