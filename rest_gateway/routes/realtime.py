"""Live events without Ably, the Ably token, and notification preferences.

GET /sessions/:id/events streams the session's events as server-sent events (gRPC
RealtimeService.WatchSession): `id:` is the event's seq in the session's log, so a browser's
EventSource resumes gap-free after a reconnect by sending `Last-Event-ID` (or `?lastEventId=`).
The opening keep-alive and every reset carry an `id:` too (the stream's cursor), so a client
that reconnects before its first event misses nothing. Errors before the stream starts are
plain JSON without the envelope (`{"error": …}`), as on the message stream; after it started,
an `error` event ({code, message, retryable}) and the end of the stream. The stream ends after
an hour (the gRPC deadline) and the client reconnects; a client that hangs up cancels the
call; a client too slow to keep up gets a retryable error (it resumes with Last-Event-ID)
instead of the gateway buffering without bound, and one that takes nothing at all for
STALL_SECONDS has its connection closed.
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
# Replies buffered per stream for a client that reads slower than events come. When full, the
# gateway stops reading (grpc flow control then holds the server back); a client that takes
# nothing for STALL_SECONDS more is cut off with a retryable error. A write the client does not
# take within STALL_SECONDS closes the connection: nothing could carry the error to it.
QUEUE_LIMIT = 1000
STALL_SECONDS = 30.0
_SEQ = re.compile(r"\d{1,18}")
_END = object()
_OVERFLOW = object()
_BAD = -1

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
    """Last-Event-ID (header first, then the query) → the seq to resume after; None = live
    events only; _BAD if malformed."""
    raw = request.headers.get("Last-Event-ID")
    if raw is None:
        raw = request.query.get("lastEventId", "")
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if _SEQ.fullmatch(raw) else _BAD


def _sse(event: str, data: dict[str, Any], seq: int | None = None) -> bytes:
    head = "" if seq is None else f"id: {seq}\n"
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _frame(reply: rt.WatchSessionResponse) -> bytes:
    kind = reply.WhichOneof("item")
    if kind == "event":
        event = reply.event
        return _sse(event.name, struct(event, "payload") or {}, event.seq)
    if kind == "reset":
        return _sse("reset", {"oldestSeq": reply.reset.oldest_seq}, reply.reset.seq)
    # The `id:` alone sets EventSource's Last-Event-ID without dispatching an event.
    return f": keep-alive\nid: {reply.heartbeat.seq}\n\n".encode()


def _stream_error(item: Exception | object) -> bytes:
    """The `error` event that ends a started stream (shaped as on the message stream)."""
    if item is _OVERFLOW:
        return _sse(
            "error",
            {
                "code": "SLOW_CONSUMER",
                "retryable": True,
                "message": "Events came faster than they were read: reconnect with Last-Event-ID",
            },
        )
    if isinstance(item, grpc.aio.AioRpcError):
        api = from_rpc_error(item)
        if api.code in ("FORBIDDEN", "NOT_FOUND", "UNAUTHORIZED"):
            return _sse(
                "error",
                {
                    "code": api.code,
                    "retryable": False,
                    "message": api.message or _EARLY[api.code][1],
                },
            )
    return _sse(
        "error",
        {
            "code": "STREAM_ENDED",
            "retryable": True,
            "message": "The event stream ended: reconnect with Last-Event-ID",
        },
    )


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
    if after == _BAD:
        return _plain_error(
            400, "Invalid request", {"lastEventId": ["Must be a non-negative integer"]}
        )
    rpc = realtime_stub(request).WatchSession(
        rt.WatchSessionRequest(session_id=session_id, after_seq=after),
        metadata=outgoing_metadata(request),
        timeout=WATCH_DEADLINE_SECONDS,
    )
    try:
        first = await rpc.read()  # the server answers at once: a heartbeat or an error
    except grpc.aio.AioRpcError as err:
        return _early_error(err)
    if first is grpc.aio.EOF:
        return _plain_error(500, "Failed to open the event stream")
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_LIMIT)
    reader = asyncio.create_task(_pump(rpc, queue))
    try:
        if not await _send(request, response, f"retry: {RETRY_MS}\n\n".encode() + _frame(first)):
            return response
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                if not await _send(request, response, b": keep-alive\n\n"):
                    return response
                continue
            if item is _END:
                break
            if isinstance(item, grpc.aio.AioRpcError) and (
                item.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            ):
                break  # the hour is up: the client reconnects with Last-Event-ID
            if item is _OVERFLOW or isinstance(item, Exception):
                if item is not _OVERFLOW and not _is_refusal(item):
                    log.warning("event stream ended after start: %r", item)
                if not await _send(request, response, _stream_error(item)):
                    return response
                break
            if not await _send(request, response, _frame(item)):
                return response
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


async def _send(request: web.Request, response: web.StreamResponse, data: bytes) -> bool:
    """Write one frame; False when the client took nothing for STALL_SECONDS, and its
    connection is closed (aborted: a graceful close would wait for it to read the buffer)."""
    try:
        await asyncio.wait_for(response.write(data), STALL_SECONDS)
    except TimeoutError:
        log.info("event stream: client stalled, closing its connection")
        if request.transport is not None:
            request.transport.abort()
        return False
    return True


def _is_refusal(item: object) -> bool:
    return isinstance(item, grpc.aio.AioRpcError) and item.code() in (
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.NOT_FOUND,
    )


async def _pump(rpc: Any, queue: asyncio.Queue[Any]) -> None:
    try:
        while (reply := await rpc.read()) is not grpc.aio.EOF:
            try:
                await asyncio.wait_for(queue.put(reply), STALL_SECONDS)
            except TimeoutError:
                log.info("event stream: client stalled, cutting it off")
                rpc.cancel()
                _last_word(queue, _OVERFLOW)
                return
    except grpc.aio.AioRpcError as err:
        _last_word(queue, err)
        return
    except Exception as err:
        log.exception("reading the event stream failed")
        _last_word(queue, err)
        return
    _last_word(queue, _END)


def _last_word(queue: asyncio.Queue[Any], item: object) -> None:
    """Queue how the stream ended without waiting for room: when the client has not made any,
    what it has not read is dropped. Nothing is lost: its Last-Event-ID is the last event it
    got, and the log replays the rest on reconnect."""
    if queue.full():
        while not queue.empty():
            queue.get_nowait()
    queue.put_nowait(item)


async def ably_token(request: web.Request) -> web.Response:
    resp = await call(
        request, realtime_stub(request).GetRealtimeToken, rt.GetRealtimeTokenRequest()
    )
    t = resp.token_request
    return ok(
        {
            "tokenRequest": {
                "keyName": t.key_name,
                "clientId": t.client_id,
                "ttl": t.ttl,
                "nonce": t.nonce,
                "capability": t.capability,
                "timestamp": t.timestamp,
                "mac": t.mac,
            }
        }
    )


def _preferences(message: rt.NotificationPreferences) -> dict[str, bool]:
    return {key: getattr(message, field) for key, field in PREFERENCES}


async def get_notification_preferences(request: web.Request) -> web.Response:
    resp = await call(
        request,
        realtime_stub(request).GetNotificationPreferences,
        rt.GetNotificationPreferencesRequest(),
    )
    return ok({"preferences": _preferences(resp.preferences)})


async def update_notification_preferences(request: web.Request) -> web.Response:
    fields = Fields(await json_object(request))
    values = {field: fields.boolean(key) for key, field in PREFERENCES}
    fields.check()
    message = rt.UpdateNotificationPreferencesRequest(
        **{field: value for field, value in values.items() if value is not None}
    )
    resp = await call(request, realtime_stub(request).UpdateNotificationPreferences, message)
    return ok({"preferences": _preferences(resp.preferences)})


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/events", session_events),
    ("GET", "/auth/ably-token", ably_token),
    ("GET", "/auth/me/notification-preferences", get_notification_preferences),
    ("PATCH", "/auth/me/notification-preferences", update_notification_preferences),
)
