"""Scripted answers for the loopback Bedrock fake (see tests/fakes/bedrock.py).

A `Reply` says what the fake does for one request; build them with `text`, `tool_use`,
`usage`, `stop`, `error`, `stream_error_after`, `hang` and `embedding`, and combine with `+`:

    text("Hello there", chunks=3) + usage(input=12, output=3, cache_read=900)
    hang(5) + text("late")
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Block:
    """One content block of a scripted answer: text, or a tool call with its JSON input."""

    text: str | None = None
    tool_name: str | None = None
    tool_input: dict[str, Any] | None = None
    tool_use_id: str | None = None
    chunks: int = 1


@dataclass(frozen=True)
class Reply:
    """What the fake does for one request. Build with the functions below; combine with `+`
    (blocks are concatenated, any other field set on the right-hand side wins)."""

    blocks: tuple[Block, ...] = ()
    usage: dict[str, int] | None = None
    stop_reason: str | None = None
    # A plain HTTP error instead of an answer (both endpoints).
    error_status: int | None = None
    error_type: str | None = None
    error_message: str | None = None
    # converse-stream: an exception frame after this many content deltas.
    stream_error: str | None = None
    stream_error_after: int = 0
    # Sleep this long before answering (or, streaming, after `hang_after_chunks` deltas).
    hang_seconds: float = 0.0
    hang_after_chunks: int = 0
    # invoke: the vector to return (default: derived from the input text).
    embedding: tuple[float, ...] | None = None

    def __add__(self, other: Reply) -> Reply:
        changes: dict[str, Any] = {"blocks": self.blocks + other.blocks}
        for spec in dataclasses.fields(Reply):
            if spec.name == "blocks":
                continue
            value = getattr(other, spec.name)
            if value != spec.default:
                changes[spec.name] = value
        return dataclasses.replace(self, **changes)


def text(content: str, chunks: int = 1) -> Reply:
    """An answer with one text block, streamed in `chunks` deltas."""
    return Reply(blocks=(Block(text=content, chunks=max(1, chunks)),))


def tool_use(
    name: str, input: dict[str, Any], chunks: int = 2, tool_use_id: str | None = None
) -> Reply:
    """A toolUse block; streamed as a contentBlockStart plus `chunks` JSON fragments."""
    return Reply(
        blocks=(Block(tool_name=name, tool_input=input, tool_use_id=tool_use_id, chunks=chunks),)
    )


def usage(
    input: int = 0,
    output: int = 0,
    cache_read: int | None = None,
    cache_write: int | None = None,
) -> Reply:
    """Token counts to report (cache fields are omitted unless given, as Bedrock does)."""
    counts = {"inputTokens": input, "outputTokens": output, "totalTokens": input + output}
    if cache_read is not None:
        counts["cacheReadInputTokens"] = cache_read
        counts["totalTokens"] += cache_read
    if cache_write is not None:
        counts["cacheWriteInputTokens"] = cache_write
        counts["totalTokens"] += cache_write
    return Reply(usage=counts)


def stop(reason: str) -> Reply:
    """Override the stop reason (default: tool_use when a tool block is present, else end_turn)."""
    return Reply(stop_reason=reason)


def error(
    status: int = 429, type: str = "ThrottlingException", message: str | None = None
) -> Reply:
    """An HTTP error: `x-amzn-ErrorType: <type>:` header and `{"message": ...}` body."""
    return Reply(error_status=status, error_type=type, error_message=message)


def stream_error_after(n_chunks: int, kind: str = "throttlingException") -> Reply:
    """converse-stream: an exception frame after `n_chunks` content deltas. Combine with a
    `text(...)` that has more chunks; alone, a text of n_chunks + 2 deltas is used. On the
    non-streaming endpoint it becomes the matching HTTP error."""
    return Reply(stream_error=kind, stream_error_after=n_chunks)


def hang(seconds: float, after_chunks: int = 0) -> Reply:
    """Sleep before answering (streaming: after `after_chunks` deltas). Combine with the
    answer to give once awake, e.g. `hang(5) + text("late")`."""
    return Reply(hang_seconds=seconds, hang_after_chunks=after_chunks)


def embedding(vector: list[float]) -> Reply:
    return Reply(embedding=tuple(vector))
