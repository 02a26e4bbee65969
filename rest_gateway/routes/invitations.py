"""/invitations: the invitee's side (partner-journey.md §3.2)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import invitations_pb2 as inv_pb
from rest_gateway import shapes
from rest_gateway.convert import when
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id


async def get_invitation(request: web.Request) -> web.Response:
    # Public: an invitee opens the link before signing in. Auth headers are forwarded only
    # when the client sent them, which is what `call` does for every route.
    message = inv_pb.GetInvitationRequest(invitation_id=path_id(request))
    resp = await call(request, stub(request).GetInvitation, message)
    return ok(shapes.public_invitation(resp))


async def accept_invitation(request: web.Request) -> web.Response:
    message = inv_pb.AcceptInvitationRequest(invitation_id=path_id(request))
    resp = await call(request, stub(request).AcceptInvitation, message)
    return ok(shapes.accepted_invitation(resp))


async def decline_invitation(request: web.Request) -> web.Response:
    invitation_id = path_id(request)
    fields = Fields(await json_object(request))
    reason = fields.string("reason", max_len=500)
    fields.check()
    message = inv_pb.DeclineInvitationRequest(invitation_id=invitation_id, reason=reason or "")
    resp = await call(request, stub(request).DeclineInvitation, message)
    return ok({"declined": resp.declined})


async def resend_invitation(request: web.Request) -> web.Response:
    # Called by the mobile app (partner-journey.md §6.4); the shape is the shared contract's
    # ResendInvitationResponse.
    message = inv_pb.ResendInvitationRequest(invitation_id=path_id(request))
    resp = await call(request, stub(request).ResendInvitation, message)
    return ok(
        {
            "sent": resp.sent,
            "sentAt": when(resp, "send_time"),
            "expiresAt": when(resp, "expire_time"),
        }
    )


ROUTES: tuple[Route, ...] = (
    ("GET", "/invitations/{id}", get_invitation),
    ("POST", "/invitations/{id}/accept", accept_invitation),
    ("POST", "/invitations/{id}/decline", decline_invitation),
    ("POST", "/invitations/{id}/resend", resend_invitation),
)
