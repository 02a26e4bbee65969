"""The other conversation routes over the real stack: GET /messages paging, the initial
greeting, the deprecated send, POST /feel-heard, and who may call each conversation route."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.scripted_llm import INITIAL, ScriptedModel, text

from .harness import Stack, both_at_stage1
from .rest_helpers import parse_iso
from .test_conversation_rest import early, lane, parse_sse, scripted, send_headers, sse, stream_path

MESSAGE_KEYS = {"id", "sessionId", "senderId", "role", "content", "stage", "timestamp",
                "refiningNeedId"}
FEEL_HEARD_KEYS = {"confirmed", "confirmedAt", "canAdvance", "partnerCompleted",
                   "transitionMessage", "advancedToStage", "reconcilerTriggered"}


async def _chat(stack: Stack, sid: str, user: str, turns: int) -> None:
    for n in range(turns):
        got = await sse(stack, sid, user, {"content": f"{user} turn {n}"})
        assert got.names()[-1] == "complete"


async def test_list_messages_pages_and_order(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    scripted(stack)
    await _chat(stack, sid, "alice", 3)
    await _chat(stack, sid, "bob", 1)
    base = f"/api/sessions/{sid}/messages"
    everything = await stack.ok("GET", base, "alice")
    assert set(everything) == {"messages", "hasMore"} and everything["hasMore"] is False
    rows = everything["messages"]
    assert len(rows) == 6 and all(set(m) >= MESSAGE_KEYS for m in rows)
    assert [m["role"] for m in rows] == ["USER", "AI"] * 3
    assert [m["content"] for m in rows if m["role"] == "USER"] == [
        "alice turn 0", "alice turn 1", "alice turn 2"]
    stamps = [parse_iso(m["timestamp"]) for m in rows]
    assert stamps == sorted(stamps)
    ids = [m["id"] for m in rows]

    newest = await stack.ok("GET", f"{base}?limit=2", "alice")
    assert newest["hasMore"] is True and [m["id"] for m in newest["messages"]] == ids[-2:]
    oldest = await stack.ok("GET", f"{base}?limit=2&order=asc", "alice")
    assert oldest["hasMore"] is True and [m["id"] for m in oldest["messages"]] == ids[:2]
    pivot = rows[2]["timestamp"]
    before = await stack.ok("GET", f"{base}?before={pivot}", "alice")
    assert [m["id"] for m in before["messages"]] == ids[:2]
    after = [m["id"] for m in (await stack.ok("GET", f"{base}?after={pivot}&order=asc",
                                                 "alice"))["messages"]]
    assert after[-3:] == ids[3:] and not set(after) & set(ids[:2])
    exact = await stack.ok("GET", f"{base}?limit=6", "alice")
    assert exact["hasMore"] is False and len(exact["messages"]) == 6

    bobs = (await stack.ok("GET", base, "bob"))["messages"]
    assert [m["content"] for m in bobs if m["role"] == "USER"] == ["bob turn 0"]
    assert not set(ids) & {m["id"] for m in bobs}


async def test_after_a_listed_timestamp_excludes_that_message(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    scripted(stack)
    await _chat(stack, sid, "alice", 2)
    base = f"/api/sessions/{sid}/messages"
    rows = (await stack.ok("GET", base, "alice"))["messages"]
    for seen, row in enumerate(rows[:3]):  # any stored time off a whole millisecond shows it
        newer = await stack.ok("GET", f"{base}?after={row['timestamp']}&order=asc", "alice")
        assert [m["id"] for m in newer["messages"]] == [m["id"] for m in rows[seen + 1:]]


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=abc", "order=sideways",
                                   "before=yesterday", "after=2025-01-01T00:00:00"])
async def test_list_messages_rejects_bad_queries(stack: Stack, query: str) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.error("GET", f"/api/sessions/{sid}/messages?{query}", "alice",
                      status=400, code="VALIDATION_ERROR")


async def test_initial_message_is_idempotent_and_private(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = ScriptedModel()
    model.script(INITIAL, text("Welcome, Alice. What brings you here today?"))
    stack.container.messages._llm = model  # type: ignore[attr-defined]
    first = (await stack.ok("POST", f"/api/sessions/{sid}/messages/initial", "alice"))["message"]
    assert {"id", "sessionId", "senderId", "role", "content", "stage", "timestamp"} <= set(first)
    assert (first["senderId"], first["role"], first["sessionId"]) == (None, "AI", sid)
    assert first["content"] == "Welcome, Alice. What brings you here today?"
    assert first["stage"] == 1
    parse_iso(first["timestamp"])
    second = (await stack.ok("POST", f"/api/sessions/{sid}/messages/initial", "alice"))["message"]
    assert second == first and model.calls[INITIAL] == 1
    assert [m["id"] for m in await lane(stack, sid, "alice")] == [first["id"]]
    assert await lane(stack, sid, "bob") == []


async def test_no_greeting_after_the_person_wrote(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    scripted(stack)
    await _chat(stack, sid, "bob", 1)
    await stack.error("POST", f"/api/sessions/{sid}/messages/initial", "bob",
                      status=400, code="VALIDATION_ERROR")


async def test_legacy_send_is_gone(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("GET", "/api/auth/me", "carol")
    for user in ("alice", "bob", "carol"):
        error = await stack.error("POST", f"/api/sessions/{sid}/messages", user,
                                  {"content": "hi"}, status=410, code="ENDPOINT_DEPRECATED")
        assert "stream" in error["message"]
    await stack.error("POST", f"/api/sessions/{sid}/messages", None, {"content": "hi"},
                      status=401, code="UNAUTHORIZED")
    for user in ("alice", "bob"):
        assert await lane(stack, sid, user) == []


async def test_feel_heard_shapes_and_stage_change(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    path = f"/api/sessions/{sid}/feel-heard"
    no = await stack.ok("POST", path, "alice", {"confirmed": False})
    assert set(no) == FEEL_HEARD_KEYS
    assert no == {"confirmed": False, "confirmedAt": None, "canAdvance": False,
                  "partnerCompleted": False, "transitionMessage": None,
                  "advancedToStage": None, "reconcilerTriggered": False}
    yes = await stack.ok("POST", path, "alice", {"confirmed": True, "feedback": "Mostly."})
    assert set(yes) == FEEL_HEARD_KEYS
    assert (yes["confirmed"], yes["canAdvance"], yes["partnerCompleted"]) == (True, True, False)
    assert yes["advancedToStage"] == 2 and yes["reconcilerTriggered"] is False
    parse_iso(yes["confirmedAt"])
    transition = yes["transitionMessage"]
    assert set(transition) == {"id", "content", "timestamp", "stage"}
    assert transition["stage"] == 2 and transition["content"].strip()
    assert [m["id"] for m in await lane(stack, sid, "alice")] == [transition["id"]]
    assert await lane(stack, sid, "bob") == []
    mine = await stack.ok("GET", f"/api/sessions/{sid}/progress", "alice")
    theirs = await stack.ok("GET", f"/api/sessions/{sid}/progress", "bob")
    assert (mine["myProgress"]["stage"], theirs["myProgress"]["stage"]) == (2, 1)
    assert "Mostly." not in json.dumps(theirs)
    assert "Mostly." not in json.dumps(await stack.ok("GET", f"/api/sessions/{sid}/state", "bob"))

    both = await stack.ok("POST", path, "bob", {"confirmed": True})
    assert both["partnerCompleted"] is True and both["advancedToStage"] == 2


@pytest.mark.parametrize("body", [{}, {"confirmed": "yes"}, {"confirmed": 1},
                                  {"confirmed": None}, {"confirmed": True, "feedback": "x" * 501}])
async def test_feel_heard_validation(stack: Stack, body: dict[str, Any]) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    error = await stack.error("POST", f"/api/sessions/{sid}/feel-heard", "alice", body,
                              status=400, code="VALIDATION_ERROR")
    assert set(error["details"]) == ({"feedback"} if "feedback" in body else {"confirmed"})
    progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", "alice")
    assert progress["myProgress"]["stage"] == 1


# --- access -------------------------------------------------------------------------------

ROUTES: list[tuple[str, str, str, Any]] = [
    ("list", "GET", "/api/sessions/{sid}/messages", None),
    ("initial", "POST", "/api/sessions/{sid}/messages/initial", None),
    ("feel_heard", "POST", "/api/sessions/{sid}/feel-heard", {"confirmed": False}),
]


@pytest.mark.parametrize(("name", "method", "template", "body"), ROUTES,
                         ids=[r[0] for r in ROUTES])
async def test_access_matrix_for_envelope_routes(
    stack: Stack, name: str, method: str, template: str, body: Any,
) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("GET", "/api/auth/me", "carol")
    path = template.format(sid=sid)
    for user in ("alice", "bob"):
        await stack.ok(method, path, user, body)
    await stack.error(method, path, "carol", body, status=403, code="FORBIDDEN")
    await stack.error(method, path, None, body, status=401, code="UNAUTHORIZED")
    await stack.error(method, template.format(sid="no-such-session"), "alice", body,
                      status=404, code="NOT_FOUND")
    if name == "initial":  # nothing the stranger did landed anywhere
        for user in ("alice", "bob"):
            assert len(await lane(stack, sid, user)) == 1


async def test_access_matrix_for_the_stream(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("GET", "/api/auth/me", "carol")
    scripted(stack)
    for user in ("alice", "bob"):
        got = await sse(stack, sid, user, {"content": f"{user} writes"})
        assert got.names()[-1] == "complete"
    body = {"content": "carol writes"}
    assert (await early(stack, sid, "carol", body))[0] == 403
    assert (await early(stack, sid, None, body))[0] == 401
    assert (await early(stack, "no-such-session", "alice", body))[0] == 404
    for user in ("alice", "bob"):
        assert "carol" not in json.dumps(await lane(stack, sid, user))


async def test_stream_frames_parse_with_raw_client(stack: Stack) -> None:
    """The bytes on the wire, read without helpers: frames end with a blank line."""
    sid = (await both_at_stage1(stack))["session_id"]
    scripted(stack)
    response = await stack.http.post(stream_path(sid), data=json.dumps({"content": "hi"}),
                                     headers=send_headers(stack, "alice"))
    raw = (await response.read()).decode()
    assert raw.startswith("event: user_message\ndata: {")
    assert [name for name, _ in parse_sse(raw)][-1] == "complete"
