"""A real stack for API tests: gRPC server on port 0 → real channel → real aiohttp gateway."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import grpc
from aiohttp.test_utils import TestClient

from mwf.v1 import session_service_pb2_grpc
from mwf_core.adapters.auth import mint_dev_token
from mwf_core.bootstrap import Container

DEV_SECRET = "api-tests-secret-0123456789abcdefghijklmnop"


@dataclass
class Stack:
    container: Container
    grpc_port: int
    channel: grpc.aio.Channel
    http: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def stub(self) -> session_service_pb2_grpc.SessionServiceStub:
        return session_service_pb2_grpc.SessionServiceStub(self.channel)

    def token(self, user: str) -> str:
        if user not in self.tokens:
            self.tokens[user] = mint_dev_token(DEV_SECRET, user, name=user.title())
        return self.tokens[user]

    def auth(self, user: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"} if user else {}

    def metadata(self, user: str | None) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token(user)}"),) if user else ()

    async def call(
        self, method: str, path: str, user: str | None = None, body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One REST request; returns (status, parsed JSON body)."""
        all_headers = {**self.auth(user), **(headers or {})}
        kwargs: dict[str, Any] = {"headers": all_headers}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            all_headers.setdefault("Content-Type", "application/json")
        response = await self.http.request(method, path, **kwargs)
        return response.status, await response.json()

    async def ok(self, method: str, path: str, user: str | None = None, body: Any = None,
                 status: int = 200, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """A request that must succeed; returns the envelope's data."""
        code, payload = await self.call(method, path, user, body, headers)
        assert code == status, (code, payload)
        assert payload["success"] is True, payload
        return payload["data"]

    async def error(self, method: str, path: str, user: str | None, body: Any = None,
                    *, status: int, code: str) -> dict[str, Any]:
        """A request that must fail with this HTTP status and envelope code."""
        got, payload = await self.call(method, path, user, body)
        assert (got, payload.get("error", {}).get("code")) == (status, code), payload
        assert payload["success"] is False
        return payload["error"]


async def stage0_to_invited(stack: Stack, inviter: str = "alice") -> dict[str, str]:
    """The inviter creates a session, signs, confirms the frame and the invitation."""
    created = await stack.ok("POST", "/api/sessions", inviter,
                             {"inviteName": "Bob", "context": "We argue about chores."},
                             status=201)
    session_id = created["session"]["id"]
    await stack.ok("POST", f"/api/sessions/{session_id}/compact/sign", inviter, {"agreed": True})
    await stack.ok("POST", f"/api/sessions/{session_id}/topic-frame/confirm", inviter)
    await stack.ok("POST", f"/api/sessions/{session_id}/invitation/confirm", inviter)
    return {"session_id": session_id, "invitation_id": created["invitationId"]}


async def both_at_stage1(stack: Stack, inviter: str = "alice",
                         invitee: str = "bob") -> dict[str, str]:
    ids = await stage0_to_invited(stack, inviter)
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", invitee)
    await stack.ok("POST", f"/api/sessions/{ids['session_id']}/compact/sign", invitee,
                   {"agreed": True})
    return ids
