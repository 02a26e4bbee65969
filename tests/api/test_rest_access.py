"""Who may call what: every id-taking route × {owner, partner, stranger, anonymous, missing id}.

The session is the slice's end state: alice (owner) invited bob (partner), bob accepted and
signed, both are at stage 1. carol is a signed-in stranger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from .harness import Stack, both_at_stage1
from .rest_helpers import (
    count_users,
    dumps,
    relationship_id,
    set_session_status,
    user_id,
)

MISSING_ID = "no-such-id-0000"
OK = (200, None)
FORBIDDEN = (403, "FORBIDDEN")
NOT_FOUND = (404, "NOT_FOUND")
UNAUTHORIZED = (401, "UNAUTHORIZED")
RULE = (400, "VALIDATION_ERROR")

Prepare = Callable[[Stack, dict[str, str]], Awaitable[None]]


async def _pause(stack: Stack, ids: dict[str, str]) -> None:
    await stack.ok("POST", f"/api/sessions/{ids['sid']}/pause", "alice")


async def _resolve(stack: Stack, ids: dict[str, str]) -> None:
    await set_session_status(ids["sid"], "RESOLVED")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # with {sid}, {iid} or {rid}
    body: Any = None
    owner: tuple[int, str | None] = OK
    partner: tuple[int, str | None] = OK
    stranger: tuple[int, str | None] = FORBIDDEN
    anonymous: tuple[int, str | None] = UNAUTHORIZED
    public: bool = False  # the response may show session ids to anyone
    prepare: Prepare | None = field(default=None, compare=False)


ROUTES = (
    Route("get_session", "GET", "/api/sessions/{sid}"),
    Route("get_state", "GET", "/api/sessions/{sid}/state"),
    Route("get_progress", "GET", "/api/sessions/{sid}/progress"),
    Route("get_session_invitation", "GET", "/api/sessions/{sid}/invitation"),
    # Both have signed already: the documented answer is 409, which proves access passed.
    Route("sign_compact", "POST", "/api/sessions/{sid}/compact/sign", {"agreed": True},
          owner=(409, "CONFLICT"), partner=(409, "CONFLICT")),
    Route("compact_status", "GET", "/api/sessions/{sid}/compact/status"),
    Route("confirm_topic_frame", "POST", "/api/sessions/{sid}/topic-frame/confirm",
          partner=FORBIDDEN),  # creator only
    Route("confirm_invitation", "POST", "/api/sessions/{sid}/invitation/confirm",
          partner=FORBIDDEN),  # creator only
    Route("public_invitation", "GET", "/api/invitations/{iid}", stranger=OK, anonymous=OK,
          public=True),
    # Own invitation → 400 (bob accepting again gets the session back); accepting or
    # declining an invitation someone else has taken → 403.
    Route("accept_invitation", "POST", "/api/invitations/{iid}/accept", owner=RULE),
    Route("decline_invitation", "POST", "/api/invitations/{iid}/decline", {"reason": "no"},
          owner=RULE, partner=RULE),
    Route("pause", "POST", "/api/sessions/{sid}/pause", {"reason": "tea"}),
    Route("resume", "POST", "/api/sessions/{sid}/resume", prepare=_pause),
    Route("archive", "POST", "/api/sessions/{sid}/archive", prepare=_resolve),
    Route("delete_session", "DELETE", "/api/sessions/{sid}"),
    Route("nickname", "PATCH", "/api/relationships/{rid}/nickname", {"nickname": "Sunny"}),
    Route("record_emotion", "POST", "/api/sessions/{sid}/emotions", {"intensity": 5}),
    Route("list_emotions", "GET", "/api/sessions/{sid}/emotions"),
)

ROLES = ("owner", "partner", "stranger", "anonymous", "missing")
CALLER = {"owner": "alice", "partner": "bob", "stranger": "carol", "anonymous": None,
          "missing": "alice"}


async def _setup(stack: Stack) -> dict[str, str]:
    ids = await both_at_stage1(stack)
    await user_id(stack, "carol")
    state = await stack.ok("GET", f"/api/sessions/{ids['session_id']}/state", "alice")
    return {
        "sid": ids["session_id"],
        "iid": ids["invitation_id"],
        "rid": await relationship_id(stack, ids["session_id"]),
        "frame": state["invitation"]["topicFrame"],
    }


def _expected(route: Route, role: str) -> tuple[int, str | None]:
    if role == "missing":
        return NOT_FOUND
    expected: tuple[int, str | None] = getattr(route, role)
    return expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
async def test_access_matrix(stack: Stack, route: Route, role: str) -> None:
    ids = await _setup(stack)
    if route.prepare is not None:
        await route.prepare(stack, ids)
    values = {k: MISSING_ID for k in ids} if role == "missing" else ids
    path = route.path.format(**values)
    status, payload = await stack.call(route.method, path, CALLER[role], route.body)

    want_status, want_code = _expected(route, role)
    assert status == want_status, (status, payload)
    if want_code is None:
        assert payload["success"] is True, payload
        assert isinstance(payload["data"], dict) and payload["data"], payload
        return
    assert payload["success"] is False, payload
    assert payload["error"]["code"] == want_code, payload
    assert payload["error"]["message"], payload
    assert "data" not in payload
    if role in ("stranger", "anonymous") and not route.public:
        # A refusal must not carry anything of the session: not its id, frame or people.
        text = dumps(payload)
        for secret in (ids["sid"], ids["rid"], ids["frame"], "chores", "Alice", "Bob"):
            assert secret not in text, (secret, payload)


ANONYMOUS_ROUTES = (
    ("GET", "/api/auth/me", None),
    ("POST", "/api/auth/push-token", {"pushToken": "ExponentPushToken[x]"}),
    ("DELETE", "/api/auth/push-token", None),
    ("POST", "/api/sessions", {"inviteName": "Bob"}),
    ("GET", "/api/sessions", None),
    ("GET", "/api/people", None),
    ("GET", "/api/v1/sessions", None),
)


@pytest.mark.parametrize(("method", "path", "body"), ANONYMOUS_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ANONYMOUS_ROUTES])
async def test_anonymous_is_refused_on_routes_without_ids(
    stack: Stack, method: str, path: str, body: Any
) -> None:
    users_before = await count_users()
    error = await stack.error(method, path, None, body, status=401, code="UNAUTHORIZED")
    assert error["message"]
    assert await count_users() == users_before


@pytest.mark.parametrize("path", ["/health", "/api/health", "/api/v1/health"])
async def test_health_is_public_and_outside_the_envelope(sqlite_stack: Stack, path: str) -> None:
    status, body = await sqlite_stack.call("GET", path)
    assert status == 200
    assert body["status"] == "ok"
    assert body["timestamp"].endswith("Z")
    assert "success" not in body


BAD_CREDENTIALS = {
    "garbage": {"Authorization": "Bearer garbage"},
    "empty_bearer": {"Authorization": "Bearer "},
    "basic_scheme": {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    "jwt_shaped_garbage": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"},
}


@pytest.mark.parametrize("headers", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
async def test_bad_token_is_refused_and_never_creates_a_user(
    stack: Stack, headers: dict[str, str]
) -> None:
    await user_id(stack, "alice")
    before = await count_users()
    for method, path, body in (("GET", "/api/auth/me", None),
                               ("POST", "/api/sessions", {"inviteName": "Bob"}),
                               ("GET", "/api/people", None)):
        status, payload = await stack.call(method, path, None, body, headers=headers)
        assert (status, payload["error"]["code"]) == (401, "UNAUTHORIZED"), payload
        assert "data" not in payload
    assert await count_users() == before
    # A fresh, valid user still sees only their own (empty) world.
    assert (await stack.ok("GET", "/api/sessions", "dave"))["items"] == []
    assert await count_users() == before + 1


async def test_token_signed_with_another_secret_is_refused(stack: Stack) -> None:
    from mwf_core.adapters.auth import mint_dev_token

    forged = mint_dev_token("another-secret-0123456789abcdefghijklmnop", "alice", name="Alice")
    before = await count_users()
    status, payload = await stack.call("GET", "/api/auth/me",
                                       headers={"Authorization": f"Bearer {forged}"})
    assert (status, payload["error"]["code"]) == (401, "UNAUTHORIZED")
    assert await count_users() == before


async def test_stranger_cannot_find_the_session_anywhere(stack: Stack) -> None:
    ids = await _setup(stack)
    listed = await stack.ok("GET", "/api/sessions", "carol")
    people = await stack.ok("GET", "/api/people", "carol")
    me = await stack.ok("GET", "/api/auth/me", "carol")
    assert listed["items"] == [] and people["people"] == []
    assert me["activeSessions"] == 0
    assert ids["sid"] not in dumps([listed, people, me])


@pytest.mark.parametrize("prefix", ["/api", "/api/v1"])
async def test_v1_prefix_applies_the_same_access_rules(stack: Stack, prefix: str) -> None:
    ids = await _setup(stack)
    path = f"{prefix}/sessions/{ids['sid']}"
    assert (await stack.ok("GET", path, "bob"))["session"]["id"] == ids["sid"]
    await stack.error("GET", path, "carol", status=403, code="FORBIDDEN")
    await stack.error("GET", path, None, status=401, code="UNAUTHORIZED")
    await stack.error("GET", f"{prefix}/sessions/{MISSING_ID}", "alice", status=404,
                      code="NOT_FOUND")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/sessions", {}),
    ("POST", "/api/sessions/x/emotions", {"intensity": 99}),
    ("GET", "/api/sessions/bad.id", None),
], ids=["create_without_name", "emotion_out_of_range", "malformed_path_id"])
async def test_anonymous_gets_401_before_any_validation(
    sqlite_stack: Stack, method: str, path: str, body: Any
) -> None:
    await sqlite_stack.error(method, path, None, body, status=401, code="UNAUTHORIZED")
