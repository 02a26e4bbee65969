"""MOCK_LLM end-to-end mode: the shipped fixtures drive a deterministic conversation, chosen
per request by the X-E2E-Fixture-ID header, as the mobile app's end-to-end suite uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, both_at_stage1, stage0_to_invited


def _events(body: str) -> list[tuple[str, dict]]:
    frames = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            frames.append((lines["event"], json.loads(lines["data"])))
    return frames


@pytest.fixture
async def mock_stack(db_url: str, tmp_path: Path):
    stack = await open_stack(db_url, tmp_path, mock_llm=True)
    try:
        yield stack
    finally:
        await close_stack(stack)


async def _send(stack: Stack, sid: str, user: str, content: str, fixture: str) -> list:
    response = await stack.http.post(
        f"/api/sessions/{sid}/messages/stream", json={"content": content},
        headers={**stack.auth(user), "X-E2E-Fixture-ID": fixture},
    )
    assert response.status == 200
    return _events(await response.text())


async def test_fixture_turns_lead_to_the_feel_heard_offer(mock_stack: Stack) -> None:
    sid = (await both_at_stage1(mock_stack))["session_id"]
    replies, offers = [], []
    for text in ("Dinner went badly.", "Nobody asked me anything.", "That's all, really."):
        frames = await _send(mock_stack, sid, "alice", text, "stage-1-feel-heard")
        replies.append("".join(d["text"] for n, d in frames if n == "chunk"))
        offers.append(frames[-1][1]["metadata"].get("offerFeelHeardCheck"))
    assert replies == [
        "Thank you for telling me. What happened that evening?",
        "It sounds like being left out of the conversation hurt. What did you need then?",
        "You have put a lot into words today. Do you feel heard?",
    ]
    assert offers == [False, False, True]
    progress = await mock_stack.ok("GET", f"/api/sessions/{sid}/progress", "alice")
    assert progress["myProgress"]["gatesSatisfied"]["feelHeardCheckOffered"] is True
    heard = await mock_stack.ok("POST", f"/api/sessions/{sid}/feel-heard", "alice",
                                {"confirmed": True})
    assert heard["advancedToStage"] == 2


async def test_the_invitation_phase_fixture_proposes_the_frame(mock_stack: Stack) -> None:
    created = await mock_stack.ok("POST", "/api/sessions", "alice", {"inviteName": "Bob"},
                                  status=201)
    sid = created["session"]["id"]
    frames = await _send(mock_stack, sid, "alice", "We fight about chores.", "invitation-topic")
    assert frames[-1][1]["metadata"]["topicFrame"] == "How we share the chores at home"
    confirmed = await mock_stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice")
    assert confirmed["topicFrame"] == "How we share the chores at home"


async def test_an_unknown_fixture_ends_the_stream_with_an_error(mock_stack: Stack) -> None:
    sid = (await stage0_to_invited(mock_stack))["session_id"]
    frames = await _send(mock_stack, sid, "alice", "Hello", "no-such-fixture")
    assert frames[0][0] == "user_message" and frames[-1][0] == "error"
