"""A model that thinks for a while: the SSE stream sends keep-alive comments meanwhile, so
proxies do not cut it, and the reply still arrives whole."""

from __future__ import annotations

import asyncio

import pytest

from rest_gateway.routes import stream as stream_route
from tests.fakes.scripted_llm import REPLY, STATE_CAPTURE, ScriptedModel, block, tool

from .harness import Stack, both_at_stage1


async def test_keep_alive_comments_flow_while_the_model_is_silent(
    sqlite_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_route, "KEEPALIVE_SECONDS", 0.05)
    sid = (await both_at_stage1(sqlite_stack))["session_id"]
    model = ScriptedModel()
    hold = block(after=1, parts=("Take your time. ", "I'm here."))
    model.script(STATE_CAPTURE, tool({}))
    model.script(REPLY, hold)
    sqlite_stack.container.conversation._llm = model

    response = await sqlite_stack.http.post(
        f"/api/sessions/{sid}/messages/stream", json={"content": "It's hard to say."},
        headers=sqlite_stack.auth("alice"),
    )
    assert response.status == 200
    await asyncio.wait_for(hold.reached.wait(), 5)
    received = b""
    while received.count(b": keep-alive") < 2:  # the model is silent; the stream is not
        received += await asyncio.wait_for(response.content.readany(), 5)
    hold.release.set()
    received += await response.content.read()
    body = received.decode()
    assert body.index(": keep-alive") < body.index("I'm here.")
    assert body.rstrip().splitlines()[-2] == "event: complete"
