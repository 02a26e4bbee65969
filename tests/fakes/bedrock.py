"""A loopback stand-in for the Amazon Bedrock runtime, for the real boto3 client to talk to.

Serves, on 127.0.0.1 (a free port):
* `POST /model/{modelId}/converse`        - a JSON answer (text and toolUse blocks);
* `POST /model/{modelId}/converse-stream` - `application/vnd.amazon.eventstream` frames, written
  one by one with a small pause, so a client going away mid-stream can be observed;
* `POST /model/{modelId}/invoke`           - Titan embeddings (`embedding`, `inputTextTokenCount`).

Every request is recorded (`FakeBedrock.requests`). Answers are scripted per test with a queue
of `Reply` values built by `text`, `tool_use`, `usage`, `error`, `stream_error_after`, `hang`
and `stop`, combined with `+`:

    fake.script(text("Hello there", chunks=3) + usage(input=12, output=3, cache_read=900))
    fake.script(error(429, "ThrottlingException"), text("after a retry"))
    fake.script(tool_use("update_session_state", {"stage": 2}), model=HAIKU_ID)

A reply scripted for a model id is used for that model first; then the shared queue; then
`fake.default_reply`. A client that drops the connection mid-answer is recorded as the event
"client_disconnected" (the server runs with `handler_cancellation=True`).

The replies and their builders live in `tests.fakes.bedrock_replies`, the event-stream
frame encoding in `tests.fakes.bedrock_frames`; both are re-exported from here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.bedrock_frames import (
    EVENTSTREAM_CONTENT_TYPE,
    _header,
    event_frame,
    exception_frame,
    frame,
)
from tests.fakes.bedrock_replies import (
    Block,
    Reply,
    embedding,
    error,
    hang,
    stop,
    stream_error_after,
    text,
    tool_use,
    usage,
)

__all__ = [
    "CLIENT_DISCONNECTED",
    "EVENTSTREAM_CONTENT_TYPE",
    "Block",
    "FakeBedrock",
    "RecordedRequest",
    "Reply",
    "_header",
    "embedding",
    "error",
    "event_frame",
    "exception_frame",
    "frame",
    "hang",
    "serve_fake_bedrock",
    "stop",
    "stream_error_after",
    "text",
    "tool_use",
    "usage",
]

CLIENT_DISCONNECTED = "client_disconnected"


# The HTTP status Bedrock uses for each event-stream exception, for `stream_error_after` on
# the non-streaming endpoint.
_STREAM_ERROR_HTTP = {
    "throttlingException": (429, "ThrottlingException"),
    "modelStreamErrorException": (424, "ModelStreamErrorException"),
    "validationException": (400, "ValidationException"),
    "serviceUnavailableException": (503, "ServiceUnavailableException"),
    "internalServerException": (500, "InternalServerException"),
}


@dataclass(frozen=True)
class RecordedRequest:
    operation: str  # converse | converse-stream | invoke
    model_id: str
    path: str
    headers: dict[str, str]
    raw_body: bytes
    body: Any


@dataclass
class FakeBedrock:
    """The running fake: where it listens, what it was asked, what it will answer."""

    base_url: str = ""
    chunk_pause: float = 0.01
    default_reply: Reply = field(default_factory=lambda: text("Okay.", chunks=2))
    # Optional: compute a reply from the request (used before the queues when it returns one).
    responder: Callable[[RecordedRequest], Reply | None] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    _queue: deque[Reply] = field(default_factory=deque)
    _model_queues: dict[str, deque[Reply]] = field(default_factory=dict)
    _embedding_queue: deque[Reply] = field(default_factory=deque)
    _disconnected: asyncio.Event = field(default_factory=asyncio.Event)

    # --- scripting API ---

    def script(self, *replies: Reply, model: str | None = None) -> None:
        """Queue answers for converse / converse-stream, for one model id or any."""
        target = self._queue if model is None else self._model_queues.setdefault(model, deque())
        target.extend(replies)

    def script_embedding(self, *replies: Reply) -> None:
        """Queue answers for invoke (e.g. `error(...)` or `embedding([...])`)."""
        self._embedding_queue.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        return len(self._queue) + sum(len(q) for q in self._model_queues.values())

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.operation == operation]

    @property
    def disconnects(self) -> int:
        return self.events.count(CLIENT_DISCONNECTED)

    async def wait_for_disconnect(self, within: float = 5.0) -> bool:
        """True once a client has dropped a connection mid-answer (waits up to `within` s)."""
        try:
            await asyncio.wait_for(self._disconnected.wait(), within)
        except TimeoutError:
            return False
        return True

    # --- serving ---

    def _next_reply(self, recorded: RecordedRequest) -> Reply:
        if self.responder is not None:
            reply = self.responder(recorded)
            if reply is not None:
                return reply
        model_queue = self._model_queues.get(recorded.model_id)
        if model_queue:
            return model_queue.popleft()
        if self._queue:
            return self._queue.popleft()
        return self.default_reply

    def _client_gone(self) -> None:
        self.events.append(CLIENT_DISCONNECTED)
        self._disconnected.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        operation = request.match_info["operation"]
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        recorded = RecordedRequest(
            operation=operation,
            model_id=unquote(request.match_info["model_id"]),
            path=request.path,
            headers=dict(request.headers),
            raw_body=raw,
            body=body,
        )
        self.requests.append(recorded)
        self.events.append(f"request:{operation}:{recorded.model_id}")
        if operation == "invoke":
            reply = self._embedding_queue.popleft() if self._embedding_queue else Reply()
        elif operation in ("converse", "converse-stream"):
            reply = self._next_reply(recorded)
        else:
            return _error_response(404, "UnknownOperationException", f"no {operation}")
        try:
            if reply.hang_seconds and not (
                operation == "converse-stream" and reply.hang_after_chunks
            ):
                await asyncio.sleep(reply.hang_seconds)
            if reply.error_status is not None:
                return _error_response(
                    reply.error_status,
                    reply.error_type or "InternalServerException",
                    reply.error_message or f"scripted {reply.error_type}",
                )
            if operation == "invoke":
                return _embedding_response(recorded, reply)
            if operation == "converse":
                return _converse_response(recorded, reply)
            return await self._stream(request, recorded, reply)
        except asyncio.CancelledError:
            self._client_gone()
            raise
        except ConnectionResetError:
            self._client_gone()
            return web.Response(status=499)

    async def _stream(
        self, request: web.Request, recorded: RecordedRequest, reply: Reply
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=200,
            headers={
                "Content-Type": EVENTSTREAM_CONTENT_TYPE,
                "x-amzn-RequestId": str(uuid.uuid4()),
            },
        )
        await response.prepare(request)
        blocks = reply.blocks
        if not blocks and reply.stream_error:
            words = [f"part{i} " for i in range(reply.stream_error_after + 2)]
            blocks = (Block(text="".join(words), chunks=len(words)),)
        deltas = 0

        async def send(data: bytes) -> None:
            await response.write(data)
            await asyncio.sleep(self.chunk_pause)

        async def after_delta() -> bool:
            """Hang and/or fail at the scripted points; True when the stream must end."""
            if reply.hang_after_chunks and reply.hang_after_chunks == deltas:
                await asyncio.sleep(reply.hang_seconds)
            if reply.stream_error and reply.stream_error_after == deltas:
                await send(exception_frame(reply.stream_error, f"scripted {reply.stream_error}"))
                return True
            return False

        await send(event_frame("messageStart", {"role": "assistant"}))
        if await after_delta():
            await response.write_eof()
            return response
        for index, block in enumerate(blocks):
            if block.tool_name is not None:
                tool_id = _tool_use_id(block, index)
                start = {"toolUse": {"toolUseId": tool_id, "name": block.tool_name}}
                await send(
                    event_frame("contentBlockStart", {"contentBlockIndex": index, "start": start})
                )
                pieces = _split(json.dumps(block.tool_input or {}), block.chunks)
                deltas_of = [{"toolUse": {"input": piece}} for piece in pieces]
            else:
                deltas_of = [{"text": piece} for piece in _split(block.text or "", block.chunks)]
            for delta in deltas_of:
                await send(
                    event_frame("contentBlockDelta", {"contentBlockIndex": index, "delta": delta})
                )
                deltas += 1
                if await after_delta():
                    await response.write_eof()
                    return response
            await send(event_frame("contentBlockStop", {"contentBlockIndex": index}))
        await send(event_frame("messageStop", {"stopReason": _stop_reason(reply)}))
        await send(
            event_frame(
                "metadata",
                {"usage": _usage(recorded, reply), "metrics": {"latencyMs": 12}},
            )
        )
        await response.write_eof()
        return response


def _split(value: str, chunks: int) -> list[str]:
    if not value:
        return [""]
    size = max(1, math.ceil(len(value) / max(1, chunks)))
    return [value[i : i + size] for i in range(0, len(value), size)]


def _tool_use_id(block: Block, index: int) -> str:
    return block.tool_use_id or f"tooluse_{index}_{block.tool_name}"


def _stop_reason(reply: Reply) -> str:
    if reply.stop_reason:
        return reply.stop_reason
    return "tool_use" if any(b.tool_name for b in reply.blocks) else "end_turn"


def _words(value: Any) -> int:
    """A deterministic token-ish count of every text in a JSON value."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(_words(v) for v in value.values())
    if isinstance(value, list):
        return sum(_words(v) for v in value)
    return 0


def _usage(recorded: RecordedRequest, reply: Reply) -> dict[str, int]:
    if reply.usage is not None:
        return dict(reply.usage)
    body = recorded.body if isinstance(recorded.body, dict) else {}
    prompt = _words(body.get("system")) + _words(body.get("messages"))
    answer = sum(
        _words(b.text or "") + len(json.dumps(b.tool_input or {})) // 4 for b in reply.blocks
    )
    return {"inputTokens": prompt, "outputTokens": answer, "totalTokens": prompt + answer}


def _error_response(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response(
        {"message": message},
        status=status,
        headers={
            "x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "x-amzn-RequestId": str(uuid.uuid4()),
        },
    )


def _converse_response(recorded: RecordedRequest, reply: Reply) -> web.Response:
    if reply.stream_error:
        status, error_type = _STREAM_ERROR_HTTP.get(
            reply.stream_error, (500, "InternalServerException")
        )
        return _error_response(status, error_type, f"scripted {error_type}")
    content: list[dict[str, Any]] = []
    for index, block in enumerate(reply.blocks):
        if block.tool_name is not None:
            content.append(
                {
                    "toolUse": {
                        "toolUseId": _tool_use_id(block, index),
                        "name": block.tool_name,
                        "input": block.tool_input or {},
                    }
                }
            )
        else:
            content.append({"text": block.text or ""})
    return web.json_response(
        {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": _stop_reason(reply),
            "usage": _usage(recorded, reply),
            "metrics": {"latencyMs": 12},
        },
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )


def _embedding_response(recorded: RecordedRequest, reply: Reply) -> web.Response:
    body = recorded.body if isinstance(recorded.body, dict) else {}
    input_text = str(body.get("inputText", ""))
    if reply.embedding is not None:
        vector = list(reply.embedding)
    else:
        dimensions = int(body.get("dimensions", 1024))
        seed = hashlib.sha256(input_text.encode()).digest()
        raw = [((seed[i % len(seed)] + i) % 255) / 127.0 - 1.0 for i in range(dimensions)]
        norm = math.sqrt(sum(x * x for x in raw)) or 1.0
        vector = [x / norm for x in raw] if body.get("normalize", True) else raw
    return web.json_response(
        {
            "embedding": vector,
            "inputTextTokenCount": len(input_text.split()),
            "embeddingsByType": {"float": vector},
        }
    )


@asynccontextmanager
async def serve_fake_bedrock(chunk_pause: float = 0.01) -> AsyncIterator[FakeBedrock]:
    """Serve the fake on 127.0.0.1 (a free port) until the block ends."""
    fake = FakeBedrock(chunk_pause=chunk_pause)
    app = web.Application()
    app.router.add_post("/model/{model_id}/{operation}", fake.handle)
    # handler_cancellation: a client going away cancels the handler, which records it.
    # A short shutdown_timeout: a handler still hanging at teardown is cancelled, not awaited.
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield fake
    finally:
        await runner.cleanup()
