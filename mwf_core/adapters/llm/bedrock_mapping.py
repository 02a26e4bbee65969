"""Pure translation between the LLM port and the Bedrock Converse API (no I/O).

* `converse_kwargs` - an `LlmRequest` as `converse` / `converse_stream` keyword arguments, with
  a cache point right after the static system block;
* `parse_converse` - a `converse` response as an `LlmResult`;
* `StreamAssembler` - folds `converse_stream` events into text deltas and one `LlmResult`;
* `to_llm_error` - any boto3/botocore/urllib3 failure as an `LlmError` (retryable or not).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from urllib3.exceptions import HTTPError as Urllib3Error

from mwf_core.ports.llm import LlmError, LlmRequest, LlmResult, ToolCall, Usage

CACHE_POINT: dict[str, Any] = {"cachePoint": {"type": "default"}}

# Codes that mean "the service is struggling"; only these count against the circuit breaker.
SERVICE_FAILURE_CODES = frozenset({"throttled", "unavailable", "timeout"})

# Bedrock error codes (HTTP `x-amzn-ErrorType` or event-stream `:exception-type`, compared
# case-insensitively) → (our code, retryable).
_ERROR_CODES: dict[str, tuple[str, bool]] = {
    "throttlingexception": ("throttled", True),
    "toomanyrequestsexception": ("throttled", True),
    "serviceunavailableexception": ("unavailable", True),
    "modelnotreadyexception": ("unavailable", True),
    "internalserverexception": ("unavailable", True),
    "modelstreamerrorexception": ("unavailable", True),
    "modeltimeoutexception": ("timeout", True),
    "validationexception": ("validation", False),
    "accessdeniedexception": ("access_denied", False),
    "unrecognizedclientexception": ("access_denied", False),
    "invalidsignatureexception": ("access_denied", False),
    "expiredtokenexception": ("access_denied", False),
    "resourcenotfoundexception": ("not_found", False),
    "servicequotaexceededexception": ("quota_exceeded", False),
    "modelerrorexception": ("model_error", False),
}


def converse_kwargs(request: LlmRequest, model_id: str) -> dict[str, Any]:
    """Keyword arguments for `client.converse(**kw)` / `client.converse_stream(**kw)`."""
    system: list[dict[str, Any]] = []
    if request.system_static:
        # The cache point goes right after the static block: everything before it (tools,
        # then this block) is the cached prefix, so it must be byte-identical across turns.
        system += [{"text": request.system_static}, dict(CACHE_POINT)]
    if request.system_turn:
        system.append({"text": request.system_turn})
    inference: dict[str, Any] = {"maxTokens": request.max_tokens}
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    kwargs: dict[str, Any] = {
        "modelId": model_id,
        "messages": [
            {"role": turn.role, "content": [{"text": turn.text}]} for turn in request.messages
        ],
        "inferenceConfig": inference,
    }
    if system:
        kwargs["system"] = system
    if request.tools:
        tool_config: dict[str, Any] = {
            "tools": [
                {
                    "toolSpec": {
                        "name": tool.name,
                        "description": tool.description,
                        "inputSchema": {"json": tool.input_schema},
                    }
                }
                for tool in request.tools
            ]
        }
        if request.force_tool is not None:
            tool_config["toolChoice"] = {"tool": {"name": request.force_tool}}
        kwargs["toolConfig"] = tool_config
    return kwargs


def check_request(request: LlmRequest) -> None:
    """Refuse, before any network call, what Bedrock would reject anyway."""
    if request.force_tool is not None and request.force_tool not in {
        tool.name for tool in request.tools
    }:
        raise LlmError(
            f"force_tool {request.force_tool!r} is not one of the request's tools",
            retryable=False,
            code="validation",
        )
    if request.max_tokens < 1:
        raise LlmError("max_tokens must be at least 1", retryable=False, code="validation")


def parse_usage(raw: Mapping[str, Any] | None) -> Usage:
    raw = raw or {}
    return Usage(
        input_tokens=int(raw.get("inputTokens") or 0),
        output_tokens=int(raw.get("outputTokens") or 0),
        cache_read_tokens=int(raw.get("cacheReadInputTokens") or 0),
        cache_write_tokens=int(raw.get("cacheWriteInputTokens") or 0),
    )


def parse_converse(response: Mapping[str, Any], model_id: str) -> LlmResult:
    content = response.get("output", {}).get("message", {}).get("content", []) or []
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in content:
        if "text" in block:
            texts.append(block["text"])
        elif "toolUse" in block:
            tool = block["toolUse"]
            calls.append(ToolCall(name=tool.get("name", ""), input=dict(tool.get("input") or {})))
    return LlmResult(
        text="".join(texts),
        model_id=model_id,
        usage=parse_usage(response.get("usage")),
        tool_calls=tuple(calls),
        stop_reason=response.get("stopReason") or "end_turn",
    )


class StreamAssembler:
    """Feed it `converse_stream` events in order; `feed` returns the text to pass on."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._tools: dict[int, tuple[str, list[str]]] = {}
        self._stop_reason: str | None = None
        self._usage = Usage()

    def feed(self, event: Mapping[str, Any]) -> str:
        if "contentBlockDelta" in event:
            body = event["contentBlockDelta"]
            delta = body.get("delta", {})
            if "text" in delta:
                self._texts.append(delta["text"])
                return str(delta["text"])
            if "toolUse" in delta:
                index = int(body.get("contentBlockIndex", 0))
                name, fragments = self._tools.setdefault(index, ("", []))
                fragments.append(delta["toolUse"].get("input", ""))
        elif "contentBlockStart" in event:
            body = event["contentBlockStart"]
            tool = body.get("start", {}).get("toolUse")
            if tool is not None:
                index = int(body.get("contentBlockIndex", 0))
                self._tools[index] = (tool.get("name", ""), self._tools.get(index, ("", []))[1])
        elif "messageStop" in event:
            self._stop_reason = event["messageStop"].get("stopReason") or "end_turn"
        elif "metadata" in event:
            self._usage = parse_usage(event["metadata"].get("usage"))
        return ""

    def result(self, model_id: str) -> LlmResult:
        if self._stop_reason is None:
            raise LlmError(
                "Bedrock stream ended before messageStop", retryable=True, code="unavailable"
            )
        calls: list[ToolCall] = []
        for index in sorted(self._tools):
            name, fragments = self._tools[index]
            raw = "".join(fragments).strip()
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise LlmError(
                    f"tool {name!r} input is not a JSON object", retryable=True, code="model_error"
                )
            calls.append(ToolCall(name=name, input=parsed))
        return LlmResult(
            text="".join(self._texts),
            model_id=model_id,
            usage=self._usage,
            tool_calls=tuple(calls),
            stop_reason=self._stop_reason,
        )


def to_llm_error(exc: BaseException, operation: str) -> LlmError:
    """Classify a boto3 failure. Never includes request content in the message."""
    if isinstance(exc, LlmError):
        return exc
    if isinstance(exc, ClientError):  # includes EventStreamError (mid-stream exceptions)
        error = exc.response.get("Error", {})
        aws_code = str(error.get("Code") or "")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        known = _ERROR_CODES.get(aws_code.lower())
        if known is not None:
            code, retryable = known
        elif status == 429:
            code, retryable = "throttled", True
        elif status >= 500:
            code, retryable = "unavailable", True
        else:
            code, retryable = "model_error", False
        message = error.get("Message") or error.get("message") or ""
        label = aws_code or f"HTTP {status}"
        return _wrap(exc, f"Bedrock {operation}: {label}: {message}".rstrip(": "), retryable, code)
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return _wrap(exc, f"Bedrock {operation}: timed out ({exc})", True, "timeout")
    if isinstance(exc, ParamValidationError):
        return _wrap(exc, f"Bedrock {operation}: invalid parameters: {exc}", False, "validation")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return _wrap(exc, f"Bedrock {operation}: no AWS credentials", False, "access_denied")
    if isinstance(exc, BotoConnectionError | HTTPClientError | Urllib3Error | OSError):
        return _wrap(exc, f"Bedrock {operation}: connection failed ({exc})", True, "unavailable")
    if isinstance(exc, BotoCoreError):
        return _wrap(exc, f"Bedrock {operation}: {exc}", False, "model_error")
    return _wrap(exc, f"Bedrock {operation}: unexpected {type(exc).__name__}", False, "model_error")


def _wrap(cause: BaseException, message: str, retryable: bool, code: str) -> LlmError:
    error = LlmError(message, retryable=retryable, code=code)
    error.__cause__ = cause
    return error
