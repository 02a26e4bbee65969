"""A LanguageModel that records one brain-activity row per call around any other one.

    model = TelemetryRecordingModel(bedrock, sink, clock, ids, log_prompts=False)

Every `complete` and every `stream` iteration yields exactly one row, whatever happens:
* completed - with the result's model id, usage and cost;
* failed - the error is re-raised unchanged; the row holds `code: message` for an LlmError;
* cancelled - the consumer closed the stream early (the client went away) or the task was
  cancelled; the cancellation propagates, and the upstream stream is closed so the model call
  stops too. Closing a stream after its StreamFinished still counts as completed.

Durations use a monotonic clock; `time_to_first_token_ms` is the time to the first TextDelta
of a stream (None for `complete`). Prompt and response text are stored only with
`log_prompts=True`; the composition root passes False unless prompt logging is enabled
(DISABLE_PROMPT_LOGGING semantics: off means no user words in telemetry).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from mwf_core.domain.telemetry import (
    ActivityStatus,
    ActivityType,
    BrainActivity,
    cost,
    short_error,
)
from mwf_core.ports.llm import (
    LanguageModel,
    LlmError,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
    Usage,
)
from mwf_core.ports.system import Clock, IdGenerator
from mwf_core.ports.telemetry import TelemetrySink

log = logging.getLogger(__name__)


def render_prompt(request: LlmRequest) -> str:
    parts = [f"[system]\n{request.system_static}"]
    if request.system_turn:
        parts.append(f"[system:turn]\n{request.system_turn}")
    parts += [f"[{turn.role}]\n{turn.text}" for turn in request.messages]
    return "\n\n".join(parts)


def render_response(text: str, result: LlmResult | None) -> str:
    parts = [text] if text else []
    for call in result.tool_calls if result is not None else ():
        parts.append(f"[tool_use {call.name}] {json.dumps(call.input, sort_keys=True)}")
    return "\n\n".join(parts)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, LlmError):
        return short_error(f"{exc.code}: {exc}")
    message = str(exc)
    return short_error(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


class _Call:
    """The state of one model call, turned into exactly one row by `record`."""

    def __init__(self, owner: TelemetryRecordingModel, request: LlmRequest) -> None:
        self._owner = owner
        self._request = request
        self._started = owner._monotonic()
        self._created_at = owner._clock.now()
        self._id = owner._ids.new_id()
        try:
            self._model_id = owner._inner.model_id(request.role)
        except Exception:
            self._model_id = "unknown"
        self._first_token: float | None = None
        self._texts: list[str] = []
        self.result: LlmResult | None = None
        self._status = ActivityStatus.FAILED
        self._error: str | None = "call ended without a result"
        self._recorded = False

    def delta(self, text: str) -> None:
        if self._first_token is None:
            self._first_token = self._owner._monotonic()
        self._texts.append(text)

    def succeed(self, result: LlmResult) -> None:
        self.result = result
        self._status, self._error = ActivityStatus.COMPLETED, None

    def fail(self, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            self._status, self._error = ActivityStatus.CANCELLED, "cancelled"
        else:
            self._status, self._error = ActivityStatus.FAILED, describe_error(exc)

    def closed_early(self) -> None:
        if self.result is None:
            self._status = ActivityStatus.CANCELLED
            self._error = "cancelled: the consumer closed the stream"

    def record(self) -> None:
        if self._recorded:
            return
        self._recorded = True
        try:
            self._owner._sink.record(self._row())
        except Exception:  # sinks must not raise; if one does, the call still stands
            log.exception("telemetry: could not record call %s", self._id)

    def _row(self) -> BrainActivity:
        ended = self._owner._monotonic()
        result = self.result
        usage = result.usage if result is not None else Usage()
        model_id = result.model_id if result is not None and result.model_id else self._model_id
        cost_usd, price_known = cost(model_id, usage)
        log_prompts = self._owner._log_prompts
        text = result.text if result is not None else "".join(self._texts)
        return BrainActivity(
            id=self._id,
            created_at=self._created_at,
            activity_type=ActivityType.LLM_CALL,
            call_type=self._request.call_type,
            model_id=model_id,
            session_id=self._request.session_id,
            turn_id=self._request.turn_id,
            user_id=self._request.user_id,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            cost_usd=cost_usd,
            price_known=price_known,
            duration_ms=_ms(ended - self._started),
            time_to_first_token_ms=(
                None if self._first_token is None else _ms(self._first_token - self._started)
            ),
            status=self._status,
            error=self._error,
            prompt=render_prompt(self._request) if log_prompts else None,
            response=render_response(text, result) if log_prompts else None,
        )


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


class TelemetryRecordingModel:
    """`LanguageModel` decorator: delegates to `inner`, records each call on `sink`."""

    def __init__(
        self,
        inner: LanguageModel,
        sink: TelemetrySink,
        clock: Clock,
        ids: IdGenerator,
        log_prompts: bool = False,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._sink = sink
        self._clock = clock
        self._ids = ids
        self._log_prompts = log_prompts
        self._monotonic = monotonic

    def model_id(self, role: ModelRole) -> str:
        return self._inner.model_id(role)

    async def complete(self, request: LlmRequest) -> LlmResult:
        call = _Call(self, request)
        try:
            result = await self._inner.complete(request)
        except BaseException as exc:
            call.fail(exc)
            raise
        else:
            call.succeed(result)
            return result
        finally:
            call.record()

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        call = _Call(self, request)
        upstream: AsyncIterator[StreamItem] | None = None
        try:
            upstream = self._inner.stream(request)
            async for item in upstream:
                if isinstance(item, TextDelta):
                    call.delta(item.text)
                elif isinstance(item, StreamFinished):
                    call.succeed(item.result)
                yield item
            if call.result is None:
                call.fail(LlmError("stream ended without StreamFinished", retryable=False))
        except GeneratorExit:
            call.closed_early()
            raise
        except BaseException as exc:
            call.fail(exc)
            raise
        finally:
            try:
                await _close(upstream)
            finally:
                call.record()


async def _close(iterator: Any) -> None:
    """Close the upstream stream (which cancels its model call), ignoring its errors."""
    if iterator is None:
        return
    aclose = getattr(iterator, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except Exception:
        log.debug("telemetry: closing the upstream stream failed", exc_info=True)
