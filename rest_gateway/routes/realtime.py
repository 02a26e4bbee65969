"""Live events without Ably, the Ably token, and notification preferences.

GET /sessions/:id/events streams the session's events as server-sent events (gRPC
RealtimeService.WatchSession): `id:` is the event's seq in the session's log, so a browser's
EventSource resumes gap-free after a reconnect by sending `Last-Event-ID` (or `?lastEventId=`).
Errors before the stream starts are plain JSON without the envelope (`{"error": …}`), as on
the message stream. The stream ends after an hour (the gRPC deadline) and the client
reconnects; a client that hangs up cancels the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any

import grpc
from aiohttp import web

from mwf.v1 import realtime_service_pb2 as rt
from rest_gateway.convert import struct
from rest_gateway.errors import from_rpc_error, ok
from rest_gateway.routes.common import Route
from rest_gateway.routes.stream import SSE_HEADERS, _plain_error
from rest_gateway.rpc import call, has_credentials, outgoing_metadata, realtime_stub
from rest_gateway.validation import Fields, json_object, path_id

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
WATCH_DEADLINE_SECONDS = 3600.0
RETRY_MS = 3000
_SEQ = re.compile(r"\d{1,18}")
_END = object()

_EARLY = {
    "UNAUTHORIZED": (401, "Authentication required"),
    "NOT_FOUND": (404, "Session not found"),
    "FORBIDDEN": (403, "Access denied"),
    "VALIDATION_ERROR": (400, "Invalid request"),
    "SERVICE_UNAVAILABLE": (503, "Live events are not available"),
}

PREFERENCES = (
    ("pushEnabled", "push_enabled"),
    ("emailEnabled", "email_enabled"),
    ("newInvitations", "new_invitations"),
    ("partnerActions", "partner_actions"),
    ("followUpReminders", "follow_up_reminders"),
)


def _after_seq(request: web.Request) -> int | None:
    """Last-Event-ID (header first, then the query) → the seq to resume after; None if bad."""
    raw = request.headers.get("Last-Event-ID")
    if raw is None:
        raw = request.query.get("lastEventId", "")
    raw = raw.strip()
    if not raw:
        return 0
    return int(raw) if _SEQ.fullmatch(raw) else None


def _frame(reply: rt.WatchSessionResponse) -> bytes:
    kind = reply.WhichOneof("item")
    if kind == "event":
        event = reply.event
        payload = struct(event, "payload") or {}
        data = json.dumps(payload, separators=(",", ":"))
        return f"id: {event.seq}\nevent: {event.name}\ndata: {data}\n\n".encode()
    if kind == "reset":
        data = json.dumps({"oldestSeq": reply.reset.oldest_seq}, separators=(",", ":"))
        return f"event: reset\ndata: {data}\n\n".encode()
    return b": keep-alive\n\n"


def _early_error(err: grpc.aio.AioRpcError) -> web.Response:
    api = from_rpc_error(err)
    status, text = _EARLY.get(api.code, (500, "Failed to open the event stream"))
    if api.code == "FORBIDDEN":
        text = api.message or text
    return _plain_error(status, text)


async def session_events(request: web.Request) -> web.StreamResponse:
    if not has_credentials(request):
        return _plain_error(401, "Authentication required")
    try:
        session_id = path_id(request)
    except Exception:
        return _plain_error(404, "Session not found")
    after = _after_seq(request)
    if after is None:
        return _plain_error(400, "Invalid request",
                            {"lastEventId": ["Must be a non-negative integer"]})
    rpc = realtime_stub(request).WatchSession(
        rt.WatchSessionRequest(session_id=session_id, after_seq=after),
        metadata=outgoing_metadata(request), timeout=WATCH_DEADLINE_SECONDS,
    )
    try:
        first = await rpc.read()  # the server answers at once: a heartbeat or an error
    except grpc.aio.AioRpcError as err:
        return _early_error(err)
    if first is grpc.aio.EOF:
        return _plain_error(500, "Failed to open the event stream")
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    queue: asyncio.Queue[Any] = asyncio.Queue()
    reader = asyncio.create_task(_pump(rpc, queue))
    try:
        await response.write(f"retry: {RETRY_MS}\n\n".encode() + _frame(first))
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if item is _END:
                break
            if isinstance(item, Exception):
                if not (isinstance(item, grpc.aio.AioRpcError)
                        and item.code() == grpc.StatusCode.DEADLINE_EXCEEDED):
                    log.warning("event stream failed after start: %r", item)
                break  # the client reconnects with Last-Event-ID
            await response.write(_frame(item))
    except ConnectionResetError:
        return response  # the client left; `finally` cancels the call
    finally:
        rpc.cancel()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


async def _pump(rpc: Any, queue: asyncio.Queue[Any]) -> None:
    try:
        while (reply := await rpc.read()) is not grpc.aio.EOF:
            await queue.put(reply)
    except grpc.aio.AioRpcError as err:
        await queue.put(err)
        return
    except Exception as err:
        log.exception("reading the event stream failed")
        await queue.put(err)
        return
    await queue.put(_END)


async def ably_token(request: web.Request) -> web.Response:
    resp = await call(request, realtime_stub(request).GetRealtimeToken,
                      rt.GetRealtimeTokenRequest())
    t = resp.token_request
    return ok({"tokenRequest": {
        "keyName": t.key_name, "clientId": t.client_id, "ttl": t.ttl, "nonce": t.nonce,
        "capability": t.capability, "timestamp": t.timestamp, "mac": t.mac,
    }})


def _preferences(message: rt.NotificationPreferences) -> dict[str, bool]:
    return {key: getattr(message, field) for key, field in PREFERENCES}


async def get_notification_preferences(request: web.Request) -> web.Response:
    resp = await call(request, realtime_stub(request).GetNotificationPreferences,
                      rt.GetNotificationPreferencesRequest())
    return ok({"preferences": _preferences(resp.preferences)})


async def update_notification_preferences(request: web.Request) -> web.Response:
    fields = Fields(await json_object(request))
    values = {field: fields.boolean(key) for key, field in PREFERENCES}
    fields.check()
    message = rt.UpdateNotificationPreferencesRequest(
        **{field: value for field, value in values.items() if value is not None})
    resp = await call(request, realtime_stub(request).UpdateNotificationPreferences, message)
    return ok({"preferences": _preferences(resp.preferences)})


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/events", session_events),
    ("GET", "/auth/ably-token", ably_token),
    ("GET", "/auth/me/notification-preferences", get_notification_preferences),
    ("PATCH", "/auth/me/notification-preferences", update_notification_preferences),
)
