"""Stage 0 of a session: its invitation, the Curiosity Compact and the topic frame
(partner-journey.md §3.2 and §3.3)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import sessions_pb2 as svc
from rest_gateway import shapes
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id


async def get_session_invitation(request: web.Request) -> web.Response:
    message = svc.GetSessionInvitationRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetSessionInvitation, message)
    invitation = shapes.session_invitation(resp.invitation) if resp.HasField("invitation") else None
    return ok({"invitation": invitation})


async def confirm_invitation(request: web.Request) -> web.Response:
    message = svc.ConfirmInvitationRequest(session_id=path_id(request))
    resp = await call(request, stub(request).ConfirmInvitation, message)
    return ok(shapes.confirmed_invitation(resp))


async def sign_compact(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    # `agreed` is the literal true in the original's contract: a missing or false value must
    # not reach the server as proto3's default false and read as a refusal to sign.
    fields.literal_true("agreed")
    fields.check()
    message = svc.SignCompactRequest(session_id=session_id, agreed=True)
    resp = await call(request, stub(request).SignCompact, message)
    return ok(shapes.signed_compact(resp))


async def get_compact_status(request: web.Request) -> web.Response:
    message = svc.GetCompactStatusRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetCompactStatus, message)
    return ok(shapes.compact(resp.compact))


async def confirm_topic_frame(request: web.Request) -> web.Response:
    # The contract's `steer` field was never read by the original, so the body is ignored.
    message = svc.ConfirmTopicFrameRequest(session_id=path_id(request))
    resp = await call(request, stub(request).ConfirmTopicFrame, message)
    return ok(shapes.confirmed_topic_frame(resp))


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/invitation", get_session_invitation),
    ("POST", "/sessions/{id}/invitation/confirm", confirm_invitation),
    ("POST", "/sessions/{id}/compact/sign", sign_compact),
    ("GET", "/sessions/{id}/compact/status", get_compact_status),
    ("POST", "/sessions/{id}/topic-frame/confirm", confirm_topic_frame),
)
