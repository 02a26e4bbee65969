"""Shared pieces of the BedrockLanguageModel integration tests (test_bedrock_*.py): model
ids, the static prompt, a state tool, a fake clock, a request builder, and stream/thread
helpers. The fixtures (`fake`, `make_model`) live in conftest.py."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import aclosing
from typing import Any

from mwf_core.adapters.llm.bedrock import BedrockLanguageModel
from mwf_core.ports.llm import ChatTurn, LlmRequest, ModelRole, StreamItem, ToolSpec

SONNET = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
STATIC = "You are a calm, even-handed mediator.\n" * 40
CACHE_POINT = {"cachePoint": {"type": "default"}}
STATE_TOOL = ToolSpec(
    name="update_session_state",
    description="Record what the mediator learned this turn.",
    input_schema={
        "type": "object",
        "properties": {"stage": {"type": "integer"}, "feel_heard": {"type": "boolean"}},
        "required": ["stage"],
    },
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def request(
    text_: str = "I feel unheard.",
    *,
    role: ModelRole = ModelRole.MEDIATOR,
    system_turn: str = "",
    **kwargs: Any,
) -> LlmRequest:
    return LlmRequest(
        role=role,
        call_type="test",
        system_static=STATIC,
        system_turn=system_turn,
        messages=(ChatTurn("user", text_),),
        **kwargs,
    )


MakeModel = Callable[..., BedrockLanguageModel]


async def collect(model: BedrockLanguageModel, req: LlmRequest) -> list[StreamItem]:
    items: list[StreamItem] = []
    async with aclosing(model.stream(req)) as stream:
        async for item in stream:
            items.append(item)
    return items


def _alive_new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


async def wait_for_threads_to_end(
    before: set[threading.Thread], prefix: str = "", within: float = 3.0
) -> list[threading.Thread]:
    """New threads (optionally only those named `prefix`…) still alive after `within` s."""
    limit = time.monotonic() + within
    while True:
        alive = [t for t in _alive_new_threads(before) if t.name.startswith(prefix)]
        if not alive or time.monotonic() > limit:
            return alive
        await asyncio.sleep(0.02)
