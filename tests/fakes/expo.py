"""A loopback stand-in for Expo's push API, for the real `exponent-server-sdk`.

    async with running_fake_expo() as expo:
        PushClient(host=expo.url) ...
        expo.ticket_errors["ExponentPushToken[dead]"] = "DeviceNotRegistered"
        expo.fail_next(2, 503)           # the next two requests answer 503
        expo.hang_next(1)                # the next request never answers (until stop)
        expo.send_delay = 1.5            # every send takes 1.5 s to answer (a slow Expo)

Records every request (method, path, headers, JSON body). `POST /--/api/v2/push/send` answers
`{"data": [one ticket per message]}` like Expo (tickets "ok" with an id unless the token is in
`ticket_errors`); `POST /--/api/v2/push/getReceipts` answers `{"data": {id: receipt}}` for the
ids in `receipts` (others are left out, as Expo does while a receipt is not ready).
`answered` lists the sends answered so far (their request, in answer order).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

SEND_PATH = "/--/api/v2/push/send"
RECEIPTS_PATH = "/--/api/v2/push/getReceipts"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeExpo:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.ticket_errors: dict[str, str] = {}  # token -> details.error
        self.receipts: dict[str, dict[str, Any]] = {}  # ticket id -> receipt
        self.send_delay = 0.0  # seconds a send takes, after it is recorded, before its answer
        self.answered: list[RecordedRequest] = []
        self._faults: list[tuple[int, Any, dict[str, str]] | str] = []
        self._hung: list[asyncio.Event] = []
        self._tickets = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- scripting ---------------------------------------------------------------------------
    def fail_next(
        self,
        count: int,
        status: int,
        body: Any | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = (
            body
            if body is not None
            else {"errors": [{"code": "INTERNAL_SERVER_ERROR", "message": "fake outage"}]}
        )
        self._faults.extend((status, body, headers or {}) for _ in range(count))

    def hang_next(self, count: int = 1) -> None:
        self._faults.extend("hang" for _ in range(count))

    def receipt_error(self, ticket_id: str, error: str) -> None:
        self.receipts[ticket_id] = {
            "status": "error",
            "message": f"fake {error}",
            "details": {"error": error},
        }

    def receipt_ok(self, ticket_id: str) -> None:
        self.receipts[ticket_id] = {"status": "ok"}

    # -- what was sent -----------------------------------------------------------------------
    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every push message received (one per message of every send request)."""
        found: list[dict[str, Any]] = []
        for request in self.requests:
            if request.path == SEND_PATH and isinstance(request.body, list):
                found.extend(request.body)
        return found

    @property
    def sends(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == SEND_PATH]

    @property
    def receipt_checks(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == RECEIPTS_PATH]

    # -- server ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        recorded = RecordedRequest(request.method, request.path, dict(request.headers), body)
        self.requests.append(recorded)
        if self._faults:
            fault = self._faults.pop(0)
            if fault == "hang":
                released = asyncio.Event()
                self._hung.append(released)
                await released.wait()
                return web.json_response(
                    {"errors": [{"code": "GONE", "message": "hung"}]}, status=503
                )
            assert not isinstance(fault, str)
            status, payload, headers = fault
            return web.json_response(payload, status=status, headers=headers)
        if request.method == "POST" and request.path == SEND_PATH:
            await asyncio.sleep(self.send_delay)
            tickets = [self._ticket(m) for m in body or []]
            self.answered.append(recorded)
            return web.json_response({"data": tickets})
        if request.method == "POST" and request.path == RECEIPTS_PATH:
            ids = (body or {}).get("ids", [])
            return web.json_response(
                {"data": {i: self.receipts[i] for i in ids if i in self.receipts}}
            )
        return web.json_response(
            {"errors": [{"code": "NOT_FOUND", "message": "no route"}]}, status=404
        )

    def _ticket(self, message: dict[str, Any]) -> dict[str, Any]:
        error = self.ticket_errors.get(message.get("to", ""))
        if error:
            return {"status": "error", "message": f"fake {error}", "details": {"error": error}}
        self._tickets += 1
        return {"status": "ok", "id": f"ticket-{self._tickets}"}

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def release_hung(self) -> None:
        for event in self._hung:
            event.set()
        self._hung.clear()

    async def stop(self) -> None:
        self.release_hung()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@asynccontextmanager
async def running_fake_expo() -> AsyncIterator[FakeExpo]:
    fake = FakeExpo()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
