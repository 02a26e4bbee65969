"""POST /sessions/:id/messages/stream: a send as server-sent events (partner-journey.md §5).

Errors before the stream starts are plain JSON without the envelope, as the mobile app
expects (`{"error": …}`); once the first event is out, failures arrive as an `error` event.
A client that hangs up cancels the gRPC call, which cancels the model call upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import grpc
from aiohttp import web

from mwf.v1 import conversation_service_pb2 as conv
from rest_gateway.convert import struct, when
from rest_gateway.errors import from_rpc_error, rest_field_path
from rest_gateway.rpc import conversation_stub, has_credentials, outgoing_metadata
from rest_gateway.validation import REQUEST_ID_MAX, path_id

log = logging.getLogger(__name__)

SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache, no-transform",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",  # nginx and friends must not hold chunks back
}
KEEPALIVE_SECONDS = 15.0
STREAM_TIMEOUT_SECONDS = 600.0
_END = object()

# Early errors: (HTTP status, the `error` text the original sends) by envelope code.
_EARLY = {
    "UNAUTHORIZED": (401, "Authentication required"),
    "NOT_FOUND": (404, "Session not found"),
    "FORBIDDEN": (403, "Access denied"),
    "SESSION_NOT_ACTIVE": (400, "Session is not active"),
    "VALIDATION_ERROR": (400, "Invalid request body"),
}


def _plain_error(status: int, error: str, details: Any = None) -> web.Response:
    body: dict[str, Any] = {"error": error}
    if details:
        body["details"] = details
    return web.json_response(body, status=status)


def frame(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _event(reply: conv.SendMessageResponse, refining_need_id: str | None) -> bytes:
    kind = reply.WhichOneof("event")
    if kind == "user_message":
        m = reply.user_message
        return frame("user_message", {"id": m.id, "content": m.content,
                                      "timestamp": when(m, "create_time"),
                                      "refiningNeedId": refining_need_id})
    if kind == "chunk":
        return frame("chunk", {"text": reply.chunk.text})
    if kind == "metadata":
        return frame("metadata", {"metadata": struct(reply.metadata, "metadata") or {}})
    if kind == "text_complete":
        return frame("text_complete",
                     {"metadata": struct(reply.text_complete, "metadata") or {}})
    if kind == "complete":
        return frame("complete", {"messageId": reply.complete.message_id,
                                  "metadata": struct(reply.complete, "metadata") or {}})
    if kind == "error":
        return frame("error", {"message": reply.error.message,
                               "retryable": reply.error.retryable})
    raise ValueError(f"unknown stream event {kind!r}")


async def _read_body(request: web.Request) -> tuple[conv.SendMessageRequest | None,
                                                     web.Response | None]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None, _plain_error(400, "Invalid request body", {"body": ["Malformed JSON"]})
    if not isinstance(body, dict):
        return None, _plain_error(400, "Invalid request body", {"body": ["Expected object"]})
    details: dict[str, list[str]] = {}
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        details["content"] = ["String must contain at least 1 character(s)"]
    elif len(content) > 5000:
        details["content"] = ["String must contain at most 5000 character(s)"]
    need = body.get("refiningNeedId")
    if need is not None and not isinstance(need, str):
        details["refiningNeedId"] = ["Expected string or null"]
    request_id = body.get("requestId") or request.headers.get("Idempotency-Key", "")
    if not isinstance(request_id, str) or len(request_id) > REQUEST_ID_MAX:
        details["requestId"] = [f"Expected a string of at most {REQUEST_ID_MAX} characters"]
    if details:
        return None, _plain_error(400, "Invalid request body", details)
    return conv.SendMessageRequest(content=content, refining_need_id=need or "",
                                   request_id=request_id.strip()), None


def _early_rpc_error(err: grpc.aio.AioRpcError) -> web.Response:
    api = from_rpc_error(err)
    if api.details and "refiningNeedId" in api.details:
        return _plain_error(400, "Invalid refiningNeedId")
    status, text = _EARLY.get(api.code, (500, "Failed to process message"))
    if api.code in ("FORBIDDEN", "VALIDATION_ERROR"):
        text = api.message or text
    details = {rest_field_path(k): v for k, v in (api.details or {}).items()} or None
    return _plain_error(status, text, details if status == 400 else None)


async def stream_message(request: web.Request) -> web.StreamResponse:
    if not has_credentials(request):
        return _plain_error(401, "Authentication required")
    try:
        session_id = path_id(request)
    except Exception:
        return _plain_error(404, "Session not found")
    message, problem = await _read_body(request)
    if problem is not None:
        return problem
    assert message is not None
    message.session_id = session_id
    refining = message.refining_need_id or None
    call = conversation_stub(request).SendMessage(
        message, metadata=outgoing_metadata(request), timeout=STREAM_TIMEOUT_SECONDS
    )
    try:
        first = await call.read()
    except grpc.aio.AioRpcError as err:
        return _early_rpc_error(err)
    if first is grpc.aio.EOF:
        return _plain_error(500, "Failed to process message")
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    queue: asyncio.Queue[Any] = asyncio.Queue()
    reader = asyncio.create_task(_pump(call, queue))
    try:
        await response.write(_event(first, refining))
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")  # proxies drop idle streams
                continue
            if item is _END:
                break
            if isinstance(item, Exception):
                log.warning("stream failed after start: %r", item)
                await response.write(frame("error", {"message": "Failed to process message",
                                                     "retryable": True}))
                break
            await response.write(_event(item, refining))
    except (ConnectionResetError, asyncio.CancelledError):
        call.cancel()  # the client left: stop the model upstream
        raise
    finally:
        call.cancel()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


async def _pump(call: Any, queue: asyncio.Queue[Any]) -> None:
    # read() rather than `async for`: grpc.aio forbids mixing the two on one call, and the
    # first event was already taken with read().
    try:
        while (reply := await call.read()) is not grpc.aio.EOF:
            await queue.put(reply)
    except grpc.aio.AioRpcError as err:
        await queue.put(err)
        return
    except Exception as err:  # surfaced to the client as a stream error, never swallowed
        log.exception("reading the reply stream failed")
        await queue.put(err)
        return
    await queue.put(_END)
