"""POST /api/sessions/:id/messages/stream over the real stack (SQLite and PostgreSQL): SSE
headers, event names, order and payloads, the plain-JSON early errors, idempotency keys,
model failure, a client leaving mid-stream, and two people chatting at once."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.fakes.scripted_llm import REPLY, STATE_CAPTURE, ScriptedModel, block, chunks, fail, tool

from .harness import Stack, both_at_stage1
from .rest_helpers import parse_iso

EVENT_KEYS = {
    "user_message": {"id", "content", "timestamp", "refiningNeedId"},
    "chunk": {"text"},
    "metadata": {"metadata"},
    "text_complete": {"metadata"},
    "complete": {"messageId", "metadata"},
    "error": {"message", "retryable"},
}
SUCCESS = ["user_message", "chunk", "metadata", "text_complete", "complete"]


@dataclass
class Sse:
    status: int
    headers: Any
    events: list[tuple[str, dict[str, Any]]]

    def names(self) -> list[str]:
        """Event names with runs of chunks collapsed to one."""
        out: list[str] = []
        for name, _ in self.events:
            if not (out and out[-1] == name == "chunk"):
                out.append(name)
        return out

    def first(self, name: str) -> dict[str, Any]:
        return next(data for event, data in self.events if event == name)

    def text(self) -> str:
        return "".join(data["text"] for event, data in self.events if event == "chunk")


def parse_sse(raw: str) -> list[tuple[str, dict[str, Any]]]:
    """Frames are `event: <name>\\ndata: <json>\\n\\n`; `:` lines are keep-alive comments."""
    assert raw.endswith("\n\n"), raw[-80:]
    found: list[tuple[str, dict[str, Any]]] = []
    for block_text in raw.split("\n\n")[:-1]:
        lines = [line for line in block_text.split("\n") if not line.startswith(":")]
        if not lines:
            continue
        assert len(lines) == 2 and lines[0].startswith("event: "), block_text
        assert lines[1].startswith("data: "), block_text
        data = json.loads(lines[1].removeprefix("data: "))
        name = lines[0].removeprefix("event: ")
        assert set(data) == EVENT_KEYS[name], (name, data)
        found.append((name, data))
    return found


def stream_path(session_id: str) -> str:
    return f"/api/sessions/{session_id}/messages/stream"


def send_headers(stack: Stack, user: str | None, key: str = "") -> dict[str, str]:
    headers = {**stack.auth(user), "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


async def sse(stack: Stack, session_id: str, user: str | None, body: Any,
              key: str = "") -> Sse:
    """A send that must open the stream; returns its parsed events."""
    response = await stack.http.post(stream_path(session_id), data=json.dumps(body),
                                     headers=send_headers(stack, user, key))
    raw = await response.text()
    assert response.status == 200, (response.status, raw)
    return Sse(response.status, response.headers, parse_sse(raw))


async def early(stack: Stack, session_id: str, user: str | None, body: Any,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """A send refused before the stream: plain JSON, never the envelope."""
    response = await stack.http.post(stream_path(session_id), data=json.dumps(body),
                                     headers={**send_headers(stack, user), **(headers or {})})
    assert response.content_type == "application/json"
    payload = await response.json()
    assert "success" not in payload and isinstance(payload.get("error"), str), payload
    return response.status, payload


async def lane(stack: Stack, session_id: str, user: str) -> list[dict[str, Any]]:
    data = await stack.ok("GET", f"/api/sessions/{session_id}/messages?limit=500", user)
    return list(data["messages"])


def scripted(stack: Stack) -> ScriptedModel:
    model = ScriptedModel()
    stack.container.conversation._llm = model  # type: ignore[attr-defined]
    return model


async def test_stream_headers_order_and_payloads(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    model.script(STATE_CAPTURE, tool({"offerFeelHeardCheck": True}))
    model.script(REPLY, chunks("It sounds ", "like you feel ", "unseen."))
    got = await sse(stack, sid, "alice", {"content": "Nobody notices what I do."})
    assert got.headers["Content-Type"].startswith("text/event-stream")
    assert "no-cache" in got.headers["Cache-Control"]
    assert got.headers["X-Accel-Buffering"] == "no"
    assert got.names() == SUCCESS
    user_message = got.first("user_message")
    assert user_message["content"] == "Nobody notices what I do."
    assert user_message["refiningNeedId"] is None
    parse_iso(user_message["timestamp"])
    assert [d["text"] for n, d in got.events if n == "chunk"] == [
        "It sounds", " like you feel", " unseen."]
    expected = {"offerFeelHeardCheck": True}
    assert got.first("metadata") == {"metadata": expected}
    assert got.first("text_complete") == {"metadata": expected}
    complete = got.first("complete")
    assert complete["metadata"] == expected
    listed = await lane(stack, sid, "alice")
    assert [(m["id"], m["role"]) for m in listed] == [
        (user_message["id"], "USER"), (complete["messageId"], "AI")]
    assert listed[1]["content"] == "It sounds like you feel unseen." == got.text()
    assert listed[1]["stage"] == 1 and listed[1]["senderId"] is None


async def test_early_errors_are_plain_json(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("GET", "/api/auth/me", "carol")
    body = {"content": "Hello"}
    assert await early(stack, sid, None, body) == (401, {"error": "Authentication required"})
    status, payload = await early(stack, sid, None, body,
                                  {"Authorization": "Bearer not-a-token"})
    assert status == 401 and set(payload) == {"error"}
    status, payload = await early(stack, sid, "carol", body)
    assert status == 403 and set(payload) == {"error"}
    assert await early(stack, "no-such-session", "alice", body) == (
        404, {"error": "Session not found"})
    for bad in ({"content": ""}, {"content": "   "}, {"content": "x" * 5001}, {}):
        status, payload = await early(stack, sid, "alice", bad)
        assert status == 400 and payload["error"] == "Invalid request body", payload
        assert list(payload["details"]) == ["content"]
    assert await early(stack, sid, "alice", {"content": "Hi", "refiningNeedId": "need-1"}) == (
        400, {"error": "Invalid refiningNeedId"})
    await stack.ok("POST", f"/api/sessions/{sid}/pause", "alice", {"reason": "break"})
    assert await early(stack, sid, "bob", body) == (400, {"error": "Session is not active"})
    for user in ("alice", "bob"):
        assert await lane(stack, sid, user) == []


async def test_exactly_5000_characters_stream(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    scripted(stack)
    got = await sse(stack, sid, "alice", {"content": "z" * 5000, "refiningNeedId": None})
    assert got.names() == SUCCESS


@pytest.mark.parametrize("via", ["header", "body"])
async def test_a_repeated_key_stores_one_message_and_one_reply(stack: Stack, via: str) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    body: dict[str, Any] = {"content": "I feel ignored at dinner."}
    key = ""
    if via == "body":
        body["requestId"] = "client-req-42"
    else:
        key = "client-key-42"
    first = await sse(stack, sid, "alice", body, key)
    second = await sse(stack, sid, "alice", body, key)
    assert first.names() == second.names() == SUCCESS
    assert second.first("user_message")["id"] == first.first("user_message")["id"]
    assert second.first("complete")["messageId"] == first.first("complete")["messageId"]
    assert second.text() == first.text()
    assert model.calls[REPLY] == 1
    listed = await lane(stack, sid, "alice")
    assert [m["role"] for m in listed] == ["USER", "AI"]

    status, payload = await early(stack, sid, "alice", {**body, "content": "Other words."},
                                  {"Idempotency-Key": key} if key else None)
    assert status == 400, payload
    assert len(await lane(stack, sid, "alice")) == 2


async def test_model_failure_ends_with_a_retryable_error_and_keeps_the_message(
    stack: Stack,
) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    model.script(REPLY, fail(True), chunks("Now ", "I can answer."))
    body = {"content": "Are you there?"}
    failed = await sse(stack, sid, "alice", body, "k-fail")
    assert failed.names() == ["user_message", "error"]
    error = failed.first("error")
    assert error["retryable"] is True and error["message"].strip()
    listed = await lane(stack, sid, "alice")
    assert [(m["role"], m["content"]) for m in listed] == [("USER", "Are you there?")]

    retried = await sse(stack, sid, "alice", body, "k-fail")
    assert retried.names() == SUCCESS and retried.text() == "Now I can answer."
    assert retried.first("user_message")["id"] == failed.first("user_message")["id"]
    assert [m["role"] for m in await lane(stack, sid, "alice")] == ["USER", "AI"]


async def test_client_leaving_mid_stream_cancels_the_model(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    hold = block(after=1)
    model.script(REPLY, hold, chunks("Glad ", "you came back."))
    body = {"content": "Let me tell you what happened."}
    response = await stack.http.post(stream_path(sid), data=json.dumps(body),
                                     headers=send_headers(stack, "alice", "k-leave"))
    assert response.status == 200
    seen: list[str] = []
    while "event: chunk" not in "".join(seen):
        seen.append((await asyncio.wait_for(response.content.readuntil(b"\n\n"), 5)).decode())
    assert hold.reached.is_set()
    response.close()
    await asyncio.wait_for(model.stream_closed.wait(), 5)
    assert model.closed_early == 1 and model.finished[REPLY] == 0
    assert [m["role"] for m in await lane(stack, sid, "alice")] == ["USER"]

    retried = await asyncio.wait_for(sse(stack, sid, "alice", body, "k-leave"), 10)
    assert retried.names() == SUCCESS and retried.text() == "Glad you came back."
    listed = await lane(stack, sid, "alice")
    assert [m["role"] for m in listed] == ["USER", "AI"]
    assert listed[1]["content"] == "Glad you came back."


WORDS = {"alice": ("pineapple", "turquoise", "harmonica"),
         "bob": ("volcano", "saxophone", "lighthouse")}


async def test_two_people_chatting_at_once_never_see_each_other(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]

    async def talk(user: str, word: str) -> Sse:
        return await sse(stack, sid, user, {"content": f"I keep thinking about the {word}."})

    sends = [(user, word) for user in WORDS for word in WORDS[user]]
    results = await asyncio.gather(*(talk(user, word) for user, word in sends))
    for (user, _), got in zip(sends, results, strict=True):
        assert got.names() == SUCCESS, got.events
        other = "bob" if user == "alice" else "alice"
        streamed = json.dumps(got.events)
        assert not any(word in streamed for word in WORDS[other]), (user, streamed)
    for user, other in (("alice", "bob"), ("bob", "alice")):
        listed = await lane(stack, sid, user)
        assert len(listed) == 6 and sorted(m["role"] for m in listed) == ["AI"] * 3 + ["USER"] * 3
        state = await stack.ok("GET", f"/api/sessions/{sid}/state", user)
        for shown in (json.dumps(listed), json.dumps(state)):
            assert not any(word in shown for word in WORDS[other]), (user, shown)
        mine = " ".join(m["content"] for m in listed if m["role"] == "USER")
        assert all(word in mine for word in WORDS[user])
