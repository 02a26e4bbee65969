"""A loopback stand-in for Resend's `POST /emails`, for the real `resend` SDK.

Records every request; like Resend, a repeated Idempotency-Key is answered with the first
response and sends nothing new. Faults: `fail_next` (e.g. 422 validation_error, 503),
`hang_next`, `refuse`/`resume`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .tls import LoopbackServer

TEST_API_KEY = "re_test_fake_key"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeResend(LoopbackServer):
    def __init__(self, api_key: str = TEST_API_KEY) -> None:
        super().__init__(None)
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.sent: list[dict[str, Any]] = []  # one entry per distinct email (key)
        self._by_key: dict[str, str] = {}

    def validation_error(self, count: int = 1, message: str = "Invalid `to` field") -> None:
        self.fail_next(
            count, 422, {"statusCode": 422, "name": "validation_error", "message": message}
        )

    def server_error(self, count: int = 1, status: int = 500) -> None:
        self.fail_next(
            count,
            status,
            {"statusCode": status, "name": "application_error", "message": "Something went wrong"},
        )

    def record(self, request: web.Request, body: bytes) -> None:
        self.requests.append(
            RecordedRequest(
                request.method,
                request.path,
                dict(request.headers),
                json.loads(body) if body else None,
            )
        )

    async def handle(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return web.json_response(
                {"statusCode": 403, "name": "invalid_api_key", "message": "API key is invalid"},
                status=403,
            )
        if request.method != "POST" or request.path != "/emails":
            return web.json_response(
                {"statusCode": 404, "name": "not_found", "message": "Not found"}, status=404
            )
        key = request.headers.get("Idempotency-Key")
        if key and key in self._by_key:
            return web.json_response({"id": self._by_key[key]})
        email_id = f"email_{len(self.sent) + 1}"
        if key:
            self._by_key[key] = email_id
        self.sent.append({"id": email_id, "idempotency_key": key, **self.requests[-1].body})
        return web.json_response({"id": email_id})


@asynccontextmanager
async def running_fake_resend(api_key: str = TEST_API_KEY) -> AsyncIterator[FakeResend]:
    fake = FakeResend(api_key)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
