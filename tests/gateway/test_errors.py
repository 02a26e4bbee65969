"""gRPC failures → HTTP status + envelope code/message/details."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from rest_gateway.errors import rest_field_path

from .conftest import Backend, MakeClient

Client = TestClient[Any, Any]


async def _error(client: Client, session_id: str) -> tuple[int, dict[str, Any], Any]:
    resp = await client.get(f"/api/v1/sessions/{session_id}")
    body = await resp.json()
    assert body["success"] is False
    return resp.status, body["error"], resp.headers


@pytest.mark.parametrize(
    ("session_id", "status", "code", "message"),
    [
        ("missing", 404, "NOT_FOUND", "Session not found"),
        ("expired", 410, "EXPIRED", "Invitation expired"),
        ("not-active", 400, "SESSION_NOT_ACTIVE", "Session is not active"),
        ("server-bug", 500, "INTERNAL_ERROR", "Failed to get session"),
        # A reason this gateway does not know keeps its code; the status comes from the gRPC code.
        ("new-reason", 409, "BRAND_NEW", "Something new"),
    ],
)
async def test_error_info_reason_picks_status_and_code(
    client: Client, session_id: str, status: int, code: str, message: str
) -> None:
    got_status, error, _ = await _error(client, session_id)
    assert got_status == status
    assert error == {"code": code, "message": message}


async def test_http_status_metadata_overrides_the_reason(client: Client) -> None:
    status, error, _ = await _error(client, "blocked")
    assert status == 403
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"] == "This person does not accept invitations"


async def test_bad_request_violations_become_camel_case_details(client: Client) -> None:
    status, error, _ = await _error(client, "bad-fields")
    assert status == 400
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"] == {
        "inviteName": ["Too long", "Must not be blank"],
        "myProgress.gatesSatisfied": ["Bad gate"],
        "limit": ["Too big"],
    }


async def test_rate_limit_retry_info_sets_retry_after(client: Client) -> None:
    status, error, headers = await _error(client, "rate")
    assert status == 429
    assert error["code"] == "RATE_LIMITED"
    assert headers["Retry-After"] == "7"


async def test_status_without_error_info_falls_back_to_the_grpc_code(client: Client) -> None:
    status, error, _ = await _error(client, "plain-denied")
    assert status == 403
    assert error == {"code": "FORBIDDEN", "message": "denied by interceptor"}


async def test_unexpected_server_failure_hides_its_message(client: Client) -> None:
    status, error, _ = await _error(client, "crash")
    assert status == 500
    assert error["code"] == "INTERNAL_ERROR"
    assert "hunter2" not in error["message"]
    assert "db.internal" not in error["message"]


async def test_deadline_is_504(make_client: MakeClient, backend: Backend) -> None:
    backend.service.delay = 1.0
    client = await make_client(rpc_timeout=0.1)
    status, error, _ = await _error(client, "s1")
    assert status == 504
    assert error["code"] == "SERVICE_UNAVAILABLE"


async def test_gateway_bug_is_a_500_without_internals(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_gateway import shapes

    def broken(_: object) -> object:
        raise KeyError("secret internals")

    monkeypatch.setattr(shapes, "me", broken)
    resp = await client.get("/api/auth/me")
    assert resp.status == 500
    body = await resp.json()
    assert body["success"] is False
    assert body["error"]["code"] == "INTERNAL_ERROR"
    assert "secret" not in body["error"]["message"]


@pytest.mark.parametrize(
    ("proto", "rest"),
    [
        ("invite_name", "inviteName"),
        ("push_token", "pushToken"),
        ("intensity", "intensity"),
        ("my_progress.gates_satisfied", "myProgress.gatesSatisfied"),
        ("page_token", "cursor"),
        ("last_mood_2", "lastMood2"),
    ],
)
def test_rest_field_path(proto: str, rest: str) -> None:
    assert rest_field_path(proto) == rest
