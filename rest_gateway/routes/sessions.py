"""/sessions: create, list, read and the lifecycle actions (partner-journey.md §3.2)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import sessions_pb2 as svc
from mwf.v1 import types_pb2
from rest_gateway import shapes
from rest_gateway.convert import enum_value
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, idempotency_key, json_object, path_id

# The REST names of SessionStatus, in the order the original's enum lists them.
SESSION_STATUSES = tuple(
    value.name.removeprefix("SESSION_STATUS_")
    for value in types_pb2.SessionStatus.DESCRIPTOR.values
    if value.number != types_pb2.SESSION_STATUS_UNSPECIFIED
)
CURSOR_MAX = 1024


async def create_session(request: web.Request) -> web.Response:
    fields = Fields(await json_object(request))
    person_id = fields.id("personId")
    invite_name = fields.string("inviteName", min_len=1, max_len=100, not_blank=True)
    context = fields.string("context", max_len=5000)
    invite_email = fields.email("inviteEmail")
    request_id = idempotency_key(request, fields)
    if person_id is None and invite_name is None and not fields.errors:
        # The original's zod refine: one of the two is required.
        fields.fail("personId", "Either personId or inviteName is required")
    fields.check()
    message = svc.CreateSessionRequest(
        request_id=request_id,
        person_id=person_id or "",
        invite_name=invite_name or "",
        context=context or "",
        invite_email=invite_email or "",
    )
    resp = await call(request, stub(request).CreateSession, message)
    status, data = shapes.created_session(resp)
    return ok(data, status=status)


async def list_sessions(request: web.Request) -> web.Response:
    fields = Fields(request.query)
    status = fields.choice("status", SESSION_STATUSES)
    limit = fields.query_integer("limit", default=20, minimum=1, maximum=100)
    cursor = fields.string("cursor", max_len=CURSOR_MAX)
    fields.check()
    message = svc.ListSessionsRequest(
        page_size=limit,
        page_token=cursor or "",
        status=enum_value(types_pb2.SessionStatus, "SESSION_STATUS_", status),
    )
    resp = await call(request, stub(request).ListSessions, message)
    return ok(shapes.session_list(resp))


async def get_session(request: web.Request) -> web.Response:
    message = svc.GetSessionRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetSession, message)
    return ok({"session": shapes.session_detail(resp.session)})


async def get_session_state(request: web.Request) -> web.Response:
    message = svc.GetSessionStateRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetSessionState, message)
    return ok(shapes.session_state(resp))


async def get_progress(request: web.Request) -> web.Response:
    message = svc.GetProgressRequest(session_id=path_id(request))
    resp = await call(request, stub(request).GetProgress, message)
    return ok(shapes.progress_response(resp))


async def pause_session(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    reason = fields.string("reason", max_len=500)
    fields.check()
    message = svc.PauseSessionRequest(session_id=session_id, reason=reason or "")
    resp = await call(request, stub(request).PauseSession, message)
    return ok(shapes.paused(resp))


async def resume_session(request: web.Request) -> web.Response:
    message = svc.ResumeSessionRequest(session_id=path_id(request))
    resp = await call(request, stub(request).ResumeSession, message)
    return ok(shapes.resumed(resp))


async def archive_session(request: web.Request) -> web.Response:
    message = svc.ArchiveSessionRequest(session_id=path_id(request))
    resp = await call(request, stub(request).ArchiveSession, message)
    return ok(shapes.archived(resp))


async def delete_session(request: web.Request) -> web.Response:
    message = svc.DeleteSessionRequest(session_id=path_id(request))
    resp = await call(request, stub(request).DeleteSession, message)
    return ok(shapes.deleted(resp))


ROUTES: tuple[Route, ...] = (
    ("POST", "/sessions", create_session),
    ("GET", "/sessions", list_sessions),
    ("GET", "/sessions/{id}", get_session),
    ("DELETE", "/sessions/{id}", delete_session),
    ("GET", "/sessions/{id}/state", get_session_state),
    ("GET", "/sessions/{id}/progress", get_progress),
    ("POST", "/sessions/{id}/pause", pause_session),
    ("POST", "/sessions/{id}/resume", resume_session),
    ("POST", "/sessions/{id}/archive", archive_session),
)
