"""A loopback stand-in for Ably's REST API, for the real `ably` SDK.

Serves HTTPS with a self-signed 127.0.0.1 certificate (key auth is refused over plain HTTP by
the SDK), checks the Basic key, decodes JSON or msgpack publishes, and, like Ably's idempotent
publishing, drops a repeated message id on a channel - but only within `dedup_window` seconds
of the accepted one (Ably documents 2 minutes); later the same id is delivered again. The
fake's clock is the monotonic one plus whatever `advance()` added, so a test can step past the
window without waiting. Presence is whatever the test sets. Faults: `fail_next`, `hang_next`,
`refuse`/`resume`; `publish_delay` makes every publish take that long, and `publish_spans`
records when each one started and finished (to see whether publishes overlapped).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import msgpack
from aiohttp import web

from .tls import LoopbackServer, make_loopback_cert

TEST_KEY = "fakeapp.fakekey:fake-secret-do-not-use"
# Ably detects a repeated message id only within 2 minutes of the original publish.
ABLY_DEDUP_WINDOW_S = 120.0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # percent-decoded
    headers: dict[str, str]
    body: Any  # decoded JSON / msgpack, or None


@dataclass(frozen=True)
class PublishSpan:
    channel: str
    started: float  # time.monotonic()
    finished: float


@dataclass(frozen=True)
class PublishedMessage:
    channel: str
    name: str | None
    id: str | None
    data: Any
    client_id: str | None = None  # as sent by the publisher


def _decode_data(data: Any, encoding: str | None) -> Any:
    for step in reversed((encoding or "").split("/")):
        if step == "json" and isinstance(data, (str, bytes)):
            data = json.loads(data)
        elif step == "base64" and isinstance(data, str):
            data = base64.b64decode(data)
        elif step == "utf-8" and isinstance(data, bytes):
            data = data.decode()
    return data


class FakeAbly(LoopbackServer):
    def __init__(
        self, cert_dir: Path, key: str = TEST_KEY, dedup_window: float = ABLY_DEDUP_WINDOW_S
    ) -> None:
        self.cert = make_loopback_cert(cert_dir)
        super().__init__(self.cert.server_context())
        self.key = key
        self.requests: list[RecordedRequest] = []
        self.accepted: list[PublishedMessage] = []  # delivered, in arrival order
        self.duplicates: list[PublishedMessage] = []  # repeated ids Ably would drop
        self.dedup_window = dedup_window
        self.present: dict[str, list[str]] = {}  # presence channel name -> client ids
        self.publish_delay = 0.0  # seconds each publish takes before it is answered
        self.publish_spans: list[PublishSpan] = []
        self._accepted_at: dict[tuple[str, str], float] = {}  # (channel, id) -> fake clock
        self._clock_offset = 0.0

    # ---- what tests read ----
    @property
    def key_name(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def key_secret(self) -> str:
        return self.key.split(":", 1)[1]

    def on(self, channel: str) -> list[PublishedMessage]:
        return [m for m in self.accepted if m.channel == channel]

    def ids(self) -> list[str]:
        return [m.id for m in self.accepted if m.id]

    def set_present(self, channel: str, *client_ids: str) -> None:
        self.present[channel] = list(client_ids)

    def advance(self, seconds: float) -> None:
        """Moves the fake's clock on (dedup windows run out), without waiting."""
        self._clock_offset += seconds

    def now(self) -> float:
        return time.monotonic() + self._clock_offset

    # ---- server ----
    @staticmethod
    def _decode(request: web.Request, body: bytes) -> Any:
        if not body:
            return None
        if "msgpack" in request.content_type:
            return msgpack.unpackb(body, raw=False)
        return json.loads(body)

    def record(self, request: web.Request, body: bytes) -> None:
        self.requests.append(
            RecordedRequest(
                request.method,
                unquote(request.path),
                dict(request.headers),
                self._decode(request, body),
            )
        )

    def _authorised(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(self.key.encode()).decode()
        return request.headers.get("Authorization") == expected

    async def handle(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if not self._authorised(request):
            return web.json_response(
                {"error": {"code": 40101, "statusCode": 401, "message": "Invalid credentials"}},
                status=401,
            )
        parts = unquote(request.path).strip("/").split("/")
        if (
            len(parts) == 3
            and parts[0] == "channels"
            and parts[2] == "messages"
            and request.method == "POST"
        ):
            started = time.monotonic()
            await asyncio.sleep(self.publish_delay)
            response = self._publish(parts[1], self._decode(request, body))
            self.publish_spans.append(PublishSpan(parts[1], started, time.monotonic()))
            return response
        if (
            len(parts) == 3
            and parts[0] == "channels"
            and parts[2] == "presence"
            and request.method == "GET"
        ):
            members = [
                {
                    "clientId": client_id,
                    "connectionId": f"conn-{i}",
                    "action": 1,
                    "id": f"conn-{i}:0:0",
                    "timestamp": 0,
                }
                for i, client_id in enumerate(self.present.get(parts[1], []))
            ]
            return web.json_response(members)
        return web.json_response(
            {"error": {"code": 40400, "statusCode": 404, "message": "Not found"}}, status=404
        )

    def _publish(self, channel: str, body: Any) -> web.StreamResponse:
        messages = body if isinstance(body, list) else [body]
        for raw in messages:
            message = PublishedMessage(
                channel,
                raw.get("name"),
                raw.get("id"),
                _decode_data(raw.get("data"), raw.get("encoding")),
                raw.get("clientId"),
            )
            now = self.now()
            if message.id is not None:
                # The window runs from the accepted publish; a dropped repeat does not renew it.
                accepted_at = self._accepted_at.get((channel, message.id))
                if accepted_at is not None and now - accepted_at < self.dedup_window:
                    self.duplicates.append(message)
                    continue
                self._accepted_at[(channel, message.id)] = now
            self.accepted.append(message)
        return web.json_response({}, status=201)


@asynccontextmanager
async def running_fake_ably(
    cert_dir: Path, key: str = TEST_KEY, dedup_window: float = ABLY_DEDUP_WINDOW_S
) -> AsyncIterator[FakeAbly]:
    fake = FakeAbly(cert_dir, key, dedup_window)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
