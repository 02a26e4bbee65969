"""The language-model port: one interface, two roles.

`mediator` is the user-facing, empathic model (Claude Sonnet on Bedrock); `mechanic` does fast
JSON and classification work (Claude Haiku). Adapters: Bedrock, the offline mediator, fixtures.
A telemetry wrapper records one row per call around any of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol


class ModelRole(StrEnum):
    MEDIATOR = "mediator"
    MECHANIC = "mechanic"


@dataclass(frozen=True, slots=True)
class ChatTurn:
    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may (or must, see `LlmRequest.force_tool`) call; JSON-schema input."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LlmRequest:
    """One model call.

    `system_static` must be byte-identical across the turns of a stage: adapters that support
    prompt caching put a cache point right after it. `system_turn` is the small per-turn part.
    `call_type`, `session_id`, `turn_id` and `user_id` label the telemetry row.
    """

    role: ModelRole
    call_type: str
    system_static: str
    messages: tuple[ChatTurn, ...]
    system_turn: str = ""
    max_tokens: int = 1024
    temperature: float | None = None
    tools: tuple[ToolSpec, ...] = ()
    force_tool: str | None = None
    session_id: str | None = None
    turn_id: str | None = None
    user_id: str | None = None
    # Stage and other hints for deterministic adapters (offline mediator, fixtures); real
    # models ignore them: everything they need is in the prompt.
    hints: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as Bedrock reports them: cached tokens are NOT part of `input_tokens`."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    input: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LlmResult:
    text: str
    model_id: str
    usage: Usage = Usage()
    tool_calls: tuple[ToolCall, ...] = ()
    stop_reason: str = "end_turn"
    # True when a deterministic stand-in (the offline mediator) answered, not a model: the
    # reply's metadata says so, so no one mistakes it for one.
    offline: bool = False


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of streamed text, in order."""

    text: str


@dataclass(frozen=True, slots=True)
class StreamFinished:
    """The last item of every successful stream: the whole result with its usage."""

    result: LlmResult


StreamItem = TextDelta | StreamFinished


class LlmError(Exception):
    """The model call failed. `retryable` tells the caller whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool, code: str = "model_error") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code  # e.g. throttled, timeout, circuit_open, validation, model_error


class LanguageModel(Protocol):
    async def complete(self, request: LlmRequest) -> LlmResult:
        """One whole answer (tool calls included). Raises LlmError."""

    def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        """Text deltas, then exactly one StreamFinished. Raises LlmError mid-stream.

        Closing the iterator early (the client went away) must cancel the upstream call.
        """

    def model_id(self, role: ModelRole) -> str:
        """The model behind a role (for telemetry and pricing)."""
