"""Request validation at the edge: field-level details, and nothing reaches the server."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from mwf.v1 import types_pb2

from .conftest import Backend

Client = TestClient[Any, Any]


async def _rejected(resp: Any) -> dict[str, list[str]]:
    assert resp.status == 400, await resp.text()
    body = await resp.json()
    assert body["success"] is False
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert body["error"]["message"] == "Validation failed"
    details: dict[str, list[str]] = body["error"]["details"]
    return details


@pytest.mark.parametrize(
    ("intensity", "message"),
    [
        (11, "Number must be less than or equal to 10"),
        (0, "Number must be greater than or equal to 1"),
        ("5", "Expected number, received string"),
        (True, "Expected number, received boolean"),
        (5.5, "Expected integer, received float"),
        (5.0, "Expected integer, received float"),
        (None, "Required"),
    ],
)
async def test_emotion_intensity(
    client: Client, backend: Backend, intensity: Any, message: str
) -> None:
    resp = await client.post("/api/sessions/s1/emotions", json={"intensity": intensity})
    assert await _rejected(resp) == {"intensity": [message]}
    assert not backend.service.received


async def test_emotion_context_limit_and_happy_path(client: Client, backend: Backend) -> None:
    resp = await client.post(
        "/api/sessions/s1/emotions", json={"intensity": 3, "context": "x" * 501}
    )
    assert "context" in await _rejected(resp)

    resp = await client.post(
        "/api/sessions/s1/emotions",
        json={"intensity": 9, "context": "tense"},
        headers={"Idempotency-Key": "key-1"},
    )
    assert resp.status == 200
    data = (await resp.json())["data"]
    assert data["reading"]["intensity"] == 9
    assert data["suggestExercise"] is True
    sent = backend.service.last("RecordEmotion").request
    assert (sent.session_id, sent.intensity, sent.context, sent.request_id) == (
        "s1",
        9,
        "tense",
        "key-1",
    )


async def test_create_session_needs_a_person_or_a_name(client: Client) -> None:
    resp = await client.post("/api/sessions", json={"context": "about chores"})
    assert await _rejected(resp) == {"personId": ["Either personId or inviteName is required"]}


async def test_create_session_field_errors_are_collected(client: Client, backend: Backend) -> None:
    resp = await client.post(
        "/api/sessions",
        json={"inviteName": "n" * 101, "inviteEmail": "not-an-email", "context": 5},
    )
    details = await _rejected(resp)
    assert details == {
        "inviteName": ["String must contain at most 100 character(s)"],
        "inviteEmail": ["Invalid email"],
        "context": ["Expected string, received number"],
    }
    assert not backend.service.received


async def test_create_session_passes_the_idempotency_key(client: Client, backend: Backend) -> None:
    resp = await client.post(
        "/api/sessions",
        json={"inviteName": "Bo", "inviteEmail": "bo@example.com"},
        headers={"Idempotency-Key": "idem-1"},
    )
    assert resp.status == 201
    sent = backend.service.last("CreateSession").request
    assert sent.request_id == "idem-1"
    assert sent.invite_email == "bo@example.com"

    await client.post("/api/sessions", json={"inviteName": "Bo", "requestId": "body-wins"})
    assert backend.service.last("CreateSession").request.request_id == "body-wins"


@pytest.mark.parametrize("agreed", [False, "true", 1, None])
async def test_compact_sign_needs_literal_true(client: Client, agreed: Any) -> None:
    body = {} if agreed is None else {"agreed": agreed}
    resp = await client.post("/api/sessions/s1/compact/sign", json=body)
    assert await _rejected(resp) == {"agreed": ["Invalid literal value, expected true"]}


async def test_compact_sign_with_true(client: Client, backend: Backend) -> None:
    resp = await client.post("/api/sessions/s1/compact/sign", json={"agreed": True})
    assert resp.status == 200
    data = (await resp.json())["data"]
    assert data == {
        "signed": True,
        "signedAt": data["signedAt"],
        "partnerSigned": False,
        "canAdvance": True,
    }
    assert backend.service.last("SignCompact").request.agreed is True


@pytest.mark.parametrize(
    "path",
    [
        "/api/sessions/bad.id",
        "/api/sessions/" + "a" * 65 + "/state",
        "/api/invitations/%C3%A9t%C3%A9",
        "/api/v1/relationships/r%201/nickname",
    ],
)
async def test_bad_path_ids(client: Client, backend: Backend, path: str) -> None:
    method = "PATCH" if path.endswith("nickname") else "GET"
    resp = await client.request(method, path, json={"nickname": "x"})
    assert set(await _rejected(resp)) == {"id"}
    assert not backend.service.received


async def test_push_token(client: Client, backend: Backend) -> None:
    resp = await client.post("/api/auth/push-token", json={"pushToken": "", "platform": "web"})
    details = await _rejected(resp)
    assert set(details) == {"pushToken", "platform"}

    resp = await client.post("/api/auth/push-token", json={"pushToken": "t" * 513})
    assert set(await _rejected(resp)) == {"pushToken"}

    resp = await client.post(
        "/api/auth/push-token", json={"pushToken": "ExponentPushToken[x]", "platform": "ios"}
    )
    assert resp.status == 200
    assert (await resp.json())["data"] == {"registered": True}
    sent = backend.service.last("RegisterPushToken").request
    assert (sent.push_token, sent.platform) == ("ExponentPushToken[x]", "ios")


async def test_nickname_string_or_null(client: Client, backend: Backend) -> None:
    resp = await client.patch("/api/relationships/r1/nickname", json={"nickname": "Bobby"})
    assert (await resp.json())["data"] == {"nickname": "Bobby"}
    assert backend.service.last("UpdateNickname").request.nickname == "Bobby"

    resp = await client.patch("/api/relationships/r1/nickname", json={"nickname": None})
    assert (await resp.json())["data"] == {"nickname": None}
    assert not backend.service.last("UpdateNickname").request.HasField("nickname")

    for bad in ({"nickname": ""}, {"nickname": "n" * 101}, {"nickname": 3}, {}):
        resp = await client.patch("/api/relationships/r1/nickname", json=bad)
        assert set(await _rejected(resp)) == {"nickname"}


async def test_decline_reason_limit(client: Client, backend: Backend) -> None:
    resp = await client.post("/api/invitations/inv-1/decline", json={"reason": "r" * 501})
    assert set(await _rejected(resp)) == {"reason"}

    resp = await client.post("/api/invitations/inv-1/decline")
    assert (await resp.json())["data"] == {"declined": True}
    assert backend.service.last("DeclineInvitation").request.reason == ""


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=2.5", "limit"),
        ("status=NOPE", "status"),
    ],
)
async def test_list_query_validation(client: Client, query: str, field: str) -> None:
    resp = await client.get(f"/api/sessions?{query}")
    assert set(await _rejected(resp)) == {field}


async def test_list_query_defaults_and_mapping(client: Client, backend: Backend) -> None:
    resp = await client.get("/api/sessions")
    assert resp.status == 200
    sent = backend.service.last("ListSessions").request
    assert (sent.page_size, sent.page_token, sent.status) == (20, "", 0)

    await client.get("/api/sessions?limit=5&status=PAUSED&cursor=abc")
    sent = backend.service.last("ListSessions").request
    assert (sent.page_size, sent.page_token) == (5, "abc")
    assert sent.status == types_pb2.SESSION_STATUS_PAUSED
