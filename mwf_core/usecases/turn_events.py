"""What a send streams back, in order: the stored user message, reply chunks, metadata,
text-complete, then stored (or failed). Entrypoints map these to gRPC messages and SSE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mwf_core.domain.records import Message


@dataclass(frozen=True, slots=True)
class UserMessageStored:
    message: Message


@dataclass(frozen=True, slots=True)
class ReplyChunk:
    text: str


@dataclass(frozen=True, slots=True)
class ReplyMetadata:
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReplyTextComplete:
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReplyStored:
    message_id: str
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReplyFailed:
    message: str
    retryable: bool
    user_message_id: str


TurnEvent = (
    UserMessageStored | ReplyChunk | ReplyMetadata | ReplyTextComplete | ReplyStored | ReplyFailed
)
