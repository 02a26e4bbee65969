"""A `LanguageModel` that answers at once, so a benchmark measures only the server's own work.

    container.conversation._llm = instant_model_for(container)   # telemetry rows kept

`complete` (the state-capture pass) returns an empty `update_session_state` tool call, so the
turn captures nothing and changes no stage; `stream` (the reply pass) yields eight small
TextDeltas, then StreamFinished. No sleeps, no randomness, no I/O: what a turn costs with it is
database writes, the two transactions, prompt building, the crisis check and gRPC/SSE framing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from mwf_core.adapters.llm.telemetry import TelemetryRecordingModel
from mwf_core.adapters.system import SystemClock, UuidIds
from mwf_core.mediator.state_schema import TOOL_NAME
from mwf_core.ports.llm import (
    LanguageModel,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    ToolCall,
    Usage,
)

INSTANT_MODEL_ID = "instant-model"
REPLY_PARTS = ("It sounds ", "like you ", "carry a lot ", "at home, ", "and nobody ",
               "seems to ", "notice. What ", "matters most?")


class InstantModel:
    """Implements `LanguageModel` (mwf_core/ports/llm.py) with canned, instant answers."""

    def model_id(self, role: ModelRole) -> str:
        return INSTANT_MODEL_ID

    async def complete(self, request: LlmRequest) -> LlmResult:
        return LlmResult(text="", model_id=INSTANT_MODEL_ID,
                         usage=Usage(input_tokens=1, output_tokens=1),
                         tool_calls=(ToolCall(TOOL_NAME, {}),), stop_reason="tool_use")

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        for part in REPLY_PARTS:
            yield TextDelta(part)
        yield StreamFinished(LlmResult(text="".join(REPLY_PARTS), model_id=INSTANT_MODEL_ID,
                                       usage=Usage(input_tokens=1,
                                                   output_tokens=len(REPLY_PARTS))))


def instant_model_for(container: Any) -> LanguageModel:
    """The instant model behind the same telemetry wrapper the composition root puts around
    every real adapter, so each call still queues its brain-activity row as in production."""
    return TelemetryRecordingModel(InstantModel(), container.telemetry, SystemClock(),
                                   UuidIds())
