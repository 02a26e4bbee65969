"""Envelope, mounting, routing fallbacks, body limits, header forwarding, health, runner."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from rest_gateway.app import run_gateway

from .conftest import Backend, MakeClient

Client = TestClient[Any, Any]
ISO_NOW = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.mark.parametrize("prefix", ["/api", "/api/v1"])
async def test_success_is_enveloped_under_both_mounts(client: Client, prefix: str) -> None:
    resp = await client.get(f"{prefix}/auth/me")
    assert resp.status == 200
    body = await resp.json()
    assert body["success"] is True
    assert body["data"]["user"]["id"] == "u1"


async def test_unknown_route_is_an_enveloped_404(client: Client) -> None:
    resp = await client.get("/api/nope/deeper?x=1")
    assert resp.status == 404
    assert await resp.json() == {
        "success": False,
        "error": {"code": "NOT_FOUND", "message": "Route GET /api/nope/deeper not found"},
    }


async def test_wrong_method_keeps_the_route_message(client: Client) -> None:
    resp = await client.put("/api/v1/auth/me")
    assert resp.status == 404  # as Express answers
    assert "GET" in resp.headers["Allow"]
    body = await resp.json()
    assert body["error"] == {
        "code": "NOT_FOUND",
        "message": "Route PUT /api/v1/auth/me not found",
    }


async def test_body_over_the_limit_is_413(make_client: MakeClient, backend: Backend) -> None:
    client = await make_client(max_body_bytes=1024)
    resp = await client.post("/api/sessions", json={"inviteName": "x", "context": "y" * 2000})
    assert resp.status == 413
    body = await resp.json()
    assert body["success"] is False
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert "1024" in body["error"]["message"]
    assert not backend.service.received


async def test_chunked_body_over_the_limit_is_413(make_client: MakeClient) -> None:
    client = await make_client(max_body_bytes=1024)

    async def chunks() -> Any:
        for _ in range(4):
            yield b'{"context": "' + b"y" * 400 + b'",'
        yield b'"inviteName": "x"}'

    resp = await client.post(
        "/api/sessions", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "VALIDATION_ERROR"


async def test_body_at_the_default_limit_passes(client: Client) -> None:
    resp = await client.post("/api/sessions", json={"inviteName": "Bo", "context": "c" * 5000})
    assert resp.status == 201


async def test_malformed_json_is_400(client: Client, backend: Backend) -> None:
    resp = await client.post(
        "/api/sessions", data=b'{"inviteName": ', headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
    body = await resp.json()
    assert body["success"] is False
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert not backend.service.received


async def test_json_body_must_be_an_object(client: Client) -> None:
    resp = await client.post("/api/sessions", json=["inviteName"])
    assert resp.status == 400
    assert (await resp.json())["error"]["details"] == {"value": ["Expected object, received array"]}


async def test_auth_and_e2e_headers_are_forwarded_as_metadata(
    client: Client, backend: Backend
) -> None:
    headers = {
        "Authorization": "Bearer tok-123",
        "X-E2E-User-Id": "e2e-user",
        "X-E2E-User-Email": "e2e@example.com",
        "X-E2E-Fixture-Id": "fixture-7",
        "X-Request-Id": "req-abc.1",
        "Cookie": "not=forwarded",
    }
    resp = await client.get("/api/auth/me", headers=headers)
    assert resp.status == 200
    assert resp.headers["X-Request-Id"] == "req-abc.1"
    md = backend.service.last("GetMe").metadata
    assert md["authorization"] == "Bearer tok-123"
    assert md["x-e2e-user-id"] == "e2e-user"
    assert md["x-e2e-user-email"] == "e2e@example.com"
    assert md["x-e2e-fixture-id"] == "fixture-7"
    assert md["x-request-id"] == "req-abc.1"
    assert "cookie" not in md


async def test_request_id_is_generated_when_missing_or_unsafe(
    client: Client, backend: Backend
) -> None:
    resp = await client.get("/api/auth/me")
    generated = resp.headers["X-Request-Id"]
    assert uuid.UUID(generated).version == 4
    assert backend.service.last("GetMe").metadata["x-request-id"] == generated

    resp = await client.get("/api/auth/me", headers={"X-Request-Id": "bad id with spaces"})
    assert resp.headers["X-Request-Id"] != "bad id with spaces"
    uuid.UUID(resp.headers["X-Request-Id"])


async def test_request_id_is_echoed_on_errors_too(client: Client) -> None:
    resp = await client.get("/api/missing", headers={"X-Request-Id": "r-404"})
    assert resp.status == 404
    assert resp.headers["X-Request-Id"] == "r-404"


async def test_public_invitation_works_without_authorization(
    make_client: MakeClient, backend: Backend
) -> None:
    client = await make_client(signed_in=False)
    resp = await client.get("/api/invitations/inv-9")
    assert resp.status == 200
    data = (await resp.json())["data"]
    assert data["invitation"]["id"] == "inv-9"
    assert data["invitation"]["invitedBy"] == {"name": "Ada"}
    assert data["invitation"]["session"] == {"id": "s1", "status": "INVITED"}
    md = backend.service.last("GetInvitation").metadata
    assert "authorization" not in md
    assert md["x-request-id"]


@pytest.mark.parametrize("path", ["/health", "/api/health", "/api/v1/health"])
async def test_health_is_unwrapped_and_follows_grpc_health(
    client: Client, backend: Backend, path: str
) -> None:
    resp = await client.get(path)
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok"
    assert ISO_NOW.fullmatch(body["timestamp"])
    assert "success" not in body

    await backend.set_serving(False)
    resp = await client.get(path)
    assert resp.status == 503
    body = await resp.json()
    assert body["status"] == "unavailable"
    assert "success" not in body


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_server_gives_503(make_client: MakeClient) -> None:
    client = await make_client(target=f"127.0.0.1:{_unused_port()}", health_timeout=0.5)
    resp = await client.get("/health")
    assert resp.status == 503
    assert (await resp.json())["status"] == "unavailable"

    resp = await client.get("/api/auth/me")
    assert resp.status == 503
    body = await resp.json()
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"


async def test_run_gateway_serves_until_stopped(backend: Backend) -> None:
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run_gateway(backend.target, "127.0.0.1", 0, stop, on_listening=port.set_result)
    )
    bound = await asyncio.wait_for(port, 5)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{bound}/api/auth/me",
                            headers={"Authorization": "Bearer t"}) as resp:
            assert resp.status == 200
        async with http.get(f"http://127.0.0.1:{bound}/health") as resp:
            assert resp.status == 200
    stop.set()
    await asyncio.wait_for(task, 15)
