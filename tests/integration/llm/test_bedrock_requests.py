"""BedrockLanguageModel with the real boto3 client against the loopback Bedrock fake:
request mapping, the prompt cache point, `complete`, tool use, endpoint configuration, and the
fake's embeddings endpoint."""

from __future__ import annotations

import asyncio
import json

import pytest

from mwf_core.adapters.llm.bedrock import BedrockLanguageModel, make_bedrock_client
from mwf_core.ports.llm import ChatTurn, LlmError, LlmRequest, LlmResult, ModelRole, ToolCall, Usage
from tests.fakes.bedrock import FakeBedrock, text, tool_use, usage
from tests.integration.llm.bedrock_helpers import (
    CACHE_POINT,
    HAIKU,
    SONNET,
    STATE_TOOL,
    STATIC,
    MakeModel,
    request,
)

# --- request mapping ---------------------------------------------------------------------------


async def test_system_has_cache_point_after_the_static_block_byte_identical_across_calls(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(text("first"), text("second"), text("third"))
    await model.complete(request(system_turn="Turn 1: stage 1, user is hurt."))
    await model.complete(request("Still unheard.", system_turn="Turn 2: stage 1."))
    await model.complete(request("No per-turn part."))

    bodies = [r.body for r in fake.requests_for("converse")]
    assert len(bodies) == 3
    assert bodies[0]["system"] == [
        {"text": STATIC},
        CACHE_POINT,
        {"text": "Turn 1: stage 1, user is hurt."},
    ]
    assert bodies[1]["system"] == [{"text": STATIC}, CACHE_POINT, {"text": "Turn 2: stage 1."}]
    assert bodies[2]["system"] == [{"text": STATIC}, CACHE_POINT]  # no empty turn block
    # The cached prefix is the same bytes on the wire every time.
    prefixes = []
    for recorded in fake.requests_for("converse"):
        raw = recorded.raw_body
        start = raw.index(b'"system"')
        prefixes.append(raw[start : raw.index(b'{"cachePoint"', start)])
    assert prefixes[0] == prefixes[1] == prefixes[2]
    assert json.dumps(STATIC).encode() in prefixes[0]

    first = bodies[0]
    assert first["messages"] == [{"role": "user", "content": [{"text": "I feel unheard."}]}]
    assert first["inferenceConfig"] == {"maxTokens": 1024}
    assert "toolConfig" not in first
    assert fake.requests[0].model_id == SONNET
    assert fake.requests[0].headers["Authorization"].startswith("AWS4-HMAC-SHA256")


async def test_roles_map_to_their_model_ids_and_inference_config_is_sent(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    assert model.model_id(ModelRole.MEDIATOR) == SONNET
    assert model.model_id(ModelRole.MECHANIC) == HAIKU
    fake.script(text('{"ok": true}'), model=HAIKU)
    req = LlmRequest(
        role=ModelRole.MECHANIC,
        call_type="classify",
        system_static="Answer in JSON.",
        messages=(
            ChatTurn("user", "hello"),
            ChatTurn("assistant", "hi"),
            ChatTurn("user", "classify this"),
        ),
        max_tokens=200,
        temperature=0.2,
    )
    result = await model.complete(req)
    assert result.text == '{"ok": true}'
    assert result.model_id == HAIKU
    recorded = fake.requests[-1]
    assert recorded.model_id == HAIKU
    assert recorded.body["inferenceConfig"] == {"maxTokens": 200, "temperature": 0.2}
    assert [m["role"] for m in recorded.body["messages"]] == ["user", "assistant", "user"]


# --- complete ----------------------------------------------------------------------------------


async def test_complete_returns_text_usage_and_stop_reason(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(text("I hear how much this matters to you.") + usage(input=42, output=9))
    result = await model.complete(request())
    assert result == LlmResult(
        text="I hear how much this matters to you.",
        model_id=SONNET,
        usage=Usage(input_tokens=42, output_tokens=9, cache_read_tokens=0, cache_write_tokens=0),
        tool_calls=(),
        stop_reason="end_turn",
    )


async def test_complete_reports_cache_tokens(fake: FakeBedrock, make_model: MakeModel) -> None:
    model = make_model()
    fake.script(text("ok") + usage(input=5, output=1, cache_read=1200, cache_write=30))
    result = await model.complete(request())
    assert result.usage == Usage(5, 1, 1200, 30)


async def test_forced_tool_is_sent_and_the_tool_call_parsed(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(
        text("Noting that.") + tool_use("update_session_state", {"stage": 2, "feel_heard": True})
    )
    result = await model.complete(request(tools=(STATE_TOOL,), force_tool="update_session_state"))

    assert result.tool_calls == (
        ToolCall(name="update_session_state", input={"stage": 2, "feel_heard": True}),
    )
    assert result.text == "Noting that."
    assert result.stop_reason == "tool_use"
    tool_config = fake.requests[-1].body["toolConfig"]
    assert tool_config == {
        "tools": [
            {
                "toolSpec": {
                    "name": "update_session_state",
                    "description": "Record what the mediator learned this turn.",
                    "inputSchema": {"json": STATE_TOOL.input_schema},
                }
            }
        ],
        "toolChoice": {"tool": {"name": "update_session_state"}},
    }


async def test_tools_without_force_send_no_tool_choice(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    await model.complete(request(tools=(STATE_TOOL,)))
    assert "toolChoice" not in fake.requests[-1].body["toolConfig"]


async def test_forcing_an_unknown_tool_fails_before_any_request(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    with pytest.raises(LlmError) as info:
        await model.complete(request(tools=(STATE_TOOL,), force_tool="nope"))
    assert (info.value.code, info.value.retryable) == ("validation", False)
    assert fake.requests == []


# --- configuration -----------------------------------------------------------------------------


async def test_endpoint_can_come_from_the_environment(
    fake: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", fake.base_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    model = BedrockLanguageModel(mediator_model_id=SONNET, mechanic_model_id=HAIKU)
    try:
        fake.script(text("via env"))
        assert (await model.complete(request())).text == "via env"
        assert len(fake.requests) == 1
    finally:
        model.close()


# --- the fake itself ---------------------------------------------------------------------------


async def test_fake_serves_titan_embeddings(fake: FakeBedrock) -> None:
    client = make_bedrock_client(
        region="us-east-1",
        endpoint_url=fake.base_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    body = json.dumps({"inputText": "we both want to be heard", "dimensions": 256})
    response = await asyncio.to_thread(
        client.invoke_model,
        modelId="amazon.titan-embed-text-v2:0",
        contentType="application/json",
        accept="application/json",
        body=body,
    )
    payload = json.loads(response["body"].read())
    assert len(payload["embedding"]) == 256
    assert payload["inputTextTokenCount"] == 6
    assert fake.requests[-1].operation == "invoke"
    assert fake.requests[-1].model_id == "amazon.titan-embed-text-v2:0"
    client.close()
