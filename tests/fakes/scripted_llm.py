"""A scripted `LanguageModel` for tests: per call type, a queue of behaviours.

    model = ScriptedModel()
    model.script("state_capture", tool({"offerFeelHeardCheck": True}))
    model.script("mediator_reply", chunks("Hel", "lo <thin", "king>x</thinking> there"),
                 fail(retryable=True, after=1),      # the second reply fails after 1 chunk
                 hold := block(after=1))             # the third stops after 1 chunk...
    await hold.reached.wait(); hold.release.set()    # ...until the test lets it go on

When a call type's queue is empty its default answers (`ScriptedModel.defaults`): an empty
state tool call for `state_capture`, a short reply for `mediator_reply`, a greeting for
`initial_message`; any other call type raises a non-retryable LlmError.

What it records: `calls[call_type]` (calls started), `requests` (every LlmRequest),
`finished[call_type]` (streams that delivered StreamFinished), `closed_early` (streams closed
by `aclose()` or cancelled before their end), `cancelled` (of those, the ones cancelled), and
`stream_closed` - an asyncio.Event set when a stream ends early.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from mwf_core.ports.llm import (
    LlmError,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    ToolCall,
    Usage,
)

STATE_CAPTURE = "state_capture"
REPLY = "mediator_reply"
INITIAL = "initial_message"
STATE_TOOL = "update_session_state"
MODEL_ID = "scripted-model"


@dataclass
class Step:
    """One scripted answer. Build it with `text`, `chunks`, `tool`, `fail` or `block`."""

    chunks: tuple[str, ...] = ()
    tool_input: dict[str, Any] | None = None
    tool_name: str = STATE_TOOL
    error: LlmError | None = None
    error_after: int = 0  # chunks streamed before the error is raised
    release: asyncio.Event | None = None  # when set: wait for it...
    block_after: int = 0  # ...after this many chunks
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def chunks(*parts: str) -> Step:
    """A reply streamed in exactly these chunks (`complete` answers their concatenation)."""
    return Step(chunks=tuple(parts))


def text(value: str, size: int = 0) -> Step:
    """A reply streamed in chunks of `size` characters (one chunk when 0)."""
    if size <= 0:
        return Step(chunks=(value,))
    return Step(chunks=tuple(value[i:i + size] for i in range(0, len(value), size)))


def tool(tool_input: dict[str, Any], name: str = STATE_TOOL) -> Step:
    """A tool call (the state-capture pass)."""
    return Step(tool_input=dict(tool_input), tool_name=name)


def fail(retryable: bool = True, *, after: int = 0, code: str = "model_error",
         parts: tuple[str, ...] = ("partial ", "reply ", "text")) -> Step:
    """Raise LlmError: before any chunk (after=0) or after `after` of `parts`."""
    error = LlmError("scripted model failure", retryable=retryable, code=code)
    return Step(chunks=tuple(parts), error=error, error_after=after)


def block(after: int = 1, parts: tuple[str, ...] = ("First part. ", "Second part.")) -> Step:
    """Stream `after` chunks, set `reached`, then wait for `release` before going on."""
    return Step(chunks=tuple(parts), release=asyncio.Event(), block_after=after)


class ScriptedModel:
    """A `LanguageModel` playing back scripted steps (see the module docstring)."""

    def __init__(self) -> None:
        self.queues: dict[str, deque[Step]] = {}
        self.defaults: dict[str, Step] = {
            STATE_CAPTURE: tool({}),
            REPLY: chunks("I hear ", "how much ", "this matters to you."),
            INITIAL: text("Hello, this space is yours alone. What brings you here?"),
        }
        self.calls: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()
        self.requests: list[LlmRequest] = []
        self.closed_early = 0
        self.cancelled = 0
        self.stream_closed = asyncio.Event()

    # -- scripting --------------------------------------------------------------------------

    def script(self, call_type: str, *steps: Step) -> None:
        self.queues.setdefault(call_type, deque()).extend(steps)

    def pending(self, call_type: str) -> int:
        return len(self.queues.get(call_type, ()))

    def _next(self, request: LlmRequest) -> Step:
        self.calls[request.call_type] += 1
        self.requests.append(request)
        queue = self.queues.get(request.call_type)
        if queue:
            return queue.popleft()
        default = self.defaults.get(request.call_type)
        if default is None:
            raise LlmError(f"nothing scripted for {request.call_type!r}", retryable=False,
                           code="not_scripted")
        return default

    # -- the port ---------------------------------------------------------------------------

    def model_id(self, role: ModelRole) -> str:
        return f"{MODEL_ID}:{role.value}"

    async def complete(self, request: LlmRequest) -> LlmResult:
        step = self._next(request)
        if step.release is not None:
            step.reached.set()
            await step.release.wait()
        if step.error is not None:
            raise step.error
        self.finished[request.call_type] += 1
        if step.tool_input is not None:
            return LlmResult(text="", model_id=MODEL_ID, usage=Usage(10, 5),
                             tool_calls=(ToolCall(step.tool_name, dict(step.tool_input)),),
                             stop_reason="tool_use")
        return LlmResult(text=step.text, model_id=MODEL_ID, usage=Usage(10, 5))

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        step = self._next(request)
        done = False
        try:
            for number, part in enumerate(step.chunks):
                if step.error is not None and number >= step.error_after:
                    raise step.error
                if step.release is not None and number == step.block_after:
                    step.reached.set()
                    await step.release.wait()
                yield TextDelta(part)
                await asyncio.sleep(0)
            if step.error is not None:
                raise step.error
            if step.release is not None and step.block_after >= len(step.chunks):
                step.reached.set()
                await step.release.wait()
            done = True
            self.finished[request.call_type] += 1
            yield StreamFinished(LlmResult(text=step.text, model_id=MODEL_ID,
                                           usage=Usage(10, len(step.chunks))))
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        except LlmError:
            done = True  # a failure is an end, not an early close
            raise
        finally:
            if not done:
                self.closed_early += 1
                self.stream_closed.set()
