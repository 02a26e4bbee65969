"""A real turn through the whole stack with the mediator on Bedrock: REST/SSE → gateway →
gRPC → use case → the real boto3 client → a loopback fake of the Bedrock runtime. Checks the
two passes, the prompt cache point, the stored reply, and one telemetry row per model call with
Bedrock's cache accounting priced from the table."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from mwf_core.adapters.db.telemetry_repository import PiccoloTelemetryRepository
from mwf_core.domain.telemetry import cost
from mwf_core.ports.llm import Usage
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, both_at_stage1
from tests.fakes.bedrock import error, serve_fake_bedrock, text, tool_use, usage

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def _events(body: str) -> list[tuple[str, dict]]:
    frames = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            frames.append((lines["event"], json.loads(lines["data"])))
    return frames


async def _send(stack: Stack, session_id: str, content: str, key: str) -> list[tuple[str, dict]]:
    response = await stack.http.post(
        f"/api/sessions/{session_id}/messages/stream", json={"content": content},
        headers={**stack.auth("alice"), "Idempotency-Key": key},
    )
    assert response.status == 200
    return _events(await response.text())


@pytest.fixture
async def bedrock_stack(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    async with serve_fake_bedrock(chunk_pause=0) as fake:
        stack = await open_stack(sqlite_url, tmp_path, aws_credentials=True,
                                 bedrock_endpoint_url=fake.base_url)
        try:
            yield stack, fake
        finally:
            await close_stack(stack)


async def test_a_turn_on_bedrock_streams_stores_and_is_priced(bedrock_stack) -> None:
    stack, fake = bedrock_stack
    sid = (await both_at_stage1(stack))["session_id"]
    fake.script(tool_use("update_session_state", {"offerFeelHeardCheck": True})
                + usage(input=120, output=20, cache_read=0, cache_write=1900), model=HAIKU)
    fake.script(text("That sounds lonely. <thinking>plan</thinking>What helps?", chunks=4)
                + usage(input=150, output=30, cache_read=1900, cache_write=0), model=SONNET)

    frames = await _send(stack, sid, "Dinner feels lonely lately.", "k1")

    names = [name for name, _ in frames]
    assert names[0] == "user_message" and names[-3:] == ["metadata", "text_complete", "complete"]
    reply = "".join(data["text"] for name, data in frames if name == "chunk")
    assert reply == "That sounds lonely. What helps?"  # the hidden block never reached her
    assert frames[-1][1]["metadata"] == {"offerFeelHeardCheck": True}

    capture, streamed = fake.requests_for("converse"), fake.requests_for("converse-stream")
    assert [r.model_id for r in capture] == [HAIKU] and [r.model_id for r in streamed] == [SONNET]
    assert capture[0].body["toolConfig"]["toolChoice"] == {"tool": {"name": "update_session_state"}}
    for request in (capture[0], streamed[0]):
        system = request.body["system"]
        assert "cachePoint" in system[1]  # right after the static block
    assert capture[0].body["system"][0] == streamed[0].body["system"][0]

    await stack.container.telemetry.flush()
    rows = {r.call_type: r for r in await PiccoloTelemetryRepository().for_session(sid)}
    assert set(rows) == {"state_capture", "mediator_reply"}
    reply_row = rows["mediator_reply"]
    assert (reply_row.status, reply_row.model_id) == ("completed", SONNET)
    assert (reply_row.input_tokens, reply_row.cache_read_tokens) == (150, 1900)
    expected, known = cost(SONNET, Usage(150, 30, 1900, 0))
    assert known and reply_row.cost_usd == expected and expected > Decimal(0)
    assert rows["state_capture"].cache_write_tokens == 1900
    assert reply_row.turn_id == rows["state_capture"].turn_id


async def test_a_failed_reply_is_recorded_and_the_retry_succeeds(bedrock_stack) -> None:
    stack, fake = bedrock_stack
    fake_ok = text("I'm here.") + usage(input=10, output=3)
    sid = (await both_at_stage1(stack))["session_id"]
    fake.script(tool_use("update_session_state", {}), model=HAIKU)
    fake.script(error(400, "ValidationException", "bad request"), model=SONNET)

    frames = await _send(stack, sid, "Hello?", "same-key")
    assert frames[-1] == ("error", {"message": frames[-1][1]["message"], "retryable": False})

    fake.script(tool_use("update_session_state", {}), model=HAIKU)
    fake.script(fake_ok, model=SONNET)
    retried = await _send(stack, sid, "Hello?", "same-key")
    assert retried[0][1]["id"] == frames[0][1]["id"]  # the same stored message
    assert retried[-1][0] == "complete"

    await stack.container.telemetry.flush()
    statuses = sorted(r.status for r in await PiccoloTelemetryRepository().for_session(sid)
                      if r.call_type == "mediator_reply")
    assert statuses == ["completed", "failed"]
