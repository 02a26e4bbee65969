"""/auth/me and /auth/push-token, plus the envelope and prefix conventions the app relies on."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import Stack, both_at_stage1
from .rest_helpers import count_users, create_session, parse_iso


async def test_me_shape_on_first_sight(stack: Stack) -> None:
    before = await count_users()
    me = await stack.ok("GET", "/api/auth/me", "alice")
    assert set(me) == {"user", "activeSessions", "pushNotificationsEnabled"}
    user = me["user"]
    assert set(user) == {"id", "email", "name", "firstName", "lastName", "biometricEnabled",
                         "lastMoodIntensity", "createdAt"}
    assert user["id"] and user["name"] == "Alice"
    assert user["email"] is None and user["lastMoodIntensity"] is None
    assert user["biometricEnabled"] is False
    parse_iso(user["createdAt"])
    assert me["activeSessions"] == 0 and me["pushNotificationsEnabled"] is False
    assert await count_users() == before + 1
    # The same identity is the same user, however often it signs in.
    again = await stack.ok("GET", "/api/auth/me", "alice")
    assert again["user"] == user
    assert await count_users() == before + 1
    other = await stack.ok("GET", "/api/auth/me", "bob")
    assert other["user"]["id"] != user["id"]


async def test_me_counts_active_sessions(stack: Stack) -> None:
    await create_session(stack, invite_name="Carl")  # CREATED does not count
    assert (await stack.ok("GET", "/api/auth/me", "alice"))["activeSessions"] == 0
    sid = (await both_at_stage1(stack))["session_id"]
    for who in ("alice", "bob"):
        assert (await stack.ok("GET", "/api/auth/me", who))["activeSessions"] == 1
    await stack.ok("POST", f"/api/sessions/{sid}/pause", "alice")
    assert (await stack.ok("GET", "/api/auth/me", "bob"))["activeSessions"] == 1  # PAUSED counts
    await stack.ok("DELETE", f"/api/sessions/{sid}", "bob")
    assert (await stack.ok("GET", "/api/auth/me", "alice"))["activeSessions"] == 0


async def test_push_token_register_and_clear(stack: Stack) -> None:
    token = "ExponentPushToken[abc123]"
    data = await stack.ok("POST", "/api/auth/push-token", "alice",
                          {"pushToken": token, "platform": "ios"})
    assert data == {"registered": True}
    assert (await stack.ok("GET", "/api/auth/me", "alice"))["pushNotificationsEnabled"] is True
    assert (await stack.ok("GET", "/api/auth/me", "bob"))["pushNotificationsEnabled"] is False
    # Re-registering (a new device token) and registering without a platform both work.
    await stack.ok("POST", "/api/auth/push-token", "alice", {"pushToken": token + "2"})
    assert await stack.ok("DELETE", "/api/auth/push-token", "alice") == {"registered": False}
    assert (await stack.ok("GET", "/api/auth/me", "alice"))["pushNotificationsEnabled"] is False
    # Clearing twice is harmless.
    assert await stack.ok("DELETE", "/api/auth/push-token", "alice") == {"registered": False}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "pushToken"),
    ({"pushToken": ""}, "pushToken"),
    ({"pushToken": "   "}, "pushToken"),
    ({"pushToken": "x" * 513}, "pushToken"),
    ({"pushToken": 12345}, "pushToken"),
    ({"pushToken": "ExponentPushToken[a]", "platform": "web"}, "platform"),
])
async def test_push_token_validation(stack: Stack, body: dict[str, Any], field: str) -> None:
    error = await stack.error("POST", "/api/auth/push-token", "alice", body, status=400,
                              code="VALIDATION_ERROR")
    assert list(error["details"]) == [field], error
    assert (await stack.ok("GET", "/api/auth/me", "alice"))["pushNotificationsEnabled"] is False


async def test_push_token_at_the_length_limit(stack: Stack) -> None:
    await stack.ok("POST", "/api/auth/push-token", "alice",
                   {"pushToken": "x" * 512, "platform": "android"})
    assert (await stack.ok("GET", "/api/auth/me", "alice"))["pushNotificationsEnabled"] is True


async def test_v1_prefix_reaches_the_same_user_and_sessions(stack: Stack) -> None:
    plain = await stack.ok("GET", "/api/auth/me", "alice")
    versioned = await stack.ok("GET", "/api/v1/auth/me", "alice")
    assert versioned["user"]["id"] == plain["user"]["id"]
    created = await stack.ok("POST", "/api/v1/sessions", "alice", {"inviteName": "Bob"},
                             status=201)
    sid = created["session"]["id"]
    assert (await stack.ok("GET", f"/api/sessions/{sid}", "alice"))["session"]["id"] == sid
    listed = await stack.ok("GET", "/api/v1/sessions?limit=1", "alice")
    assert [i["id"] for i in listed["items"]] == [sid]
    await stack.ok("POST", f"/api/v1/sessions/{sid}/compact/sign", "alice", {"agreed": True})
    status = await stack.ok("GET", f"/api/v1/sessions/{sid}/compact/status", "alice")
    assert status["mySigned"] is True
    public = await stack.ok("GET", f"/api/v1/invitations/{created['invitationId']}")
    assert public["invitation"]["session"]["id"] == sid


async def test_unknown_route_and_wrong_method(sqlite_stack: Stack) -> None:
    code, payload = await sqlite_stack.call("GET", "/api/nope", "alice")
    assert code == 404 and payload["success"] is False
    assert payload["error"] == {"code": "NOT_FOUND", "message": "Route GET /api/nope not found"}
    code, payload = await sqlite_stack.call("PUT", "/api/auth/me", "alice")
    assert code == 404 and payload["error"]["code"] == "NOT_FOUND"


async def test_every_response_carries_a_request_id(sqlite_stack: Stack) -> None:
    response = await sqlite_stack.http.get("/api/auth/me",
                                           headers={"X-Request-Id": "trace-123"})
    assert response.status == 401
    assert response.headers["X-Request-Id"] == "trace-123"
    response = await sqlite_stack.http.get("/api/auth/me", headers=sqlite_stack.auth("alice"))
    assert response.status == 200 and response.headers["X-Request-Id"]
