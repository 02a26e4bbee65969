"""AWS event-stream encoding for the loopback Bedrock fake (botocore only ships a decoder).

`converse-stream` answers are `application/vnd.amazon.eventstream` messages: a prelude (total
and header lengths plus their CRC), string headers, a JSON payload, and a CRC of the whole
message. `event_frame` builds the events (messageStart, contentBlockDelta, metadata, ...) and
`exception_frame` the mid-stream errors (throttlingException, modelStreamErrorException, ...).
"""

from __future__ import annotations

import json
import struct
from binascii import crc32
from typing import Any

EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    # Header value type 7 = string.
    return (
        struct.pack("!B", len(raw_name))
        + raw_name
        + b"\x07"
        + struct.pack("!H", len(raw_value))
        + raw_value
    )


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude (lengths + CRC), headers, payload, message CRC."""
    encoded_headers = b"".join(_header(k, v) for k, v in headers.items())
    prelude = struct.pack("!II", 16 + len(encoded_headers) + len(payload), len(encoded_headers))
    prelude += struct.pack("!I", crc32(prelude) & 0xFFFFFFFF)
    message = prelude + encoded_headers + payload
    return message + struct.pack("!I", crc32(message) & 0xFFFFFFFF)


def event_frame(kind: str, body: dict[str, Any]) -> bytes:
    """kind: messageStart | contentBlockStart | contentBlockDelta | contentBlockStop |
    messageStop | metadata."""
    headers = {
        ":message-type": "event",
        ":event-type": kind,
        ":content-type": "application/json",
    }
    return frame(headers, json.dumps(body).encode())


def exception_frame(kind: str, message: str) -> bytes:
    """kind: throttlingException | modelStreamErrorException | validationException | ..."""
    headers = {
        ":message-type": "exception",
        ":exception-type": kind,
        ":content-type": "application/json",
    }
    return frame(headers, json.dumps({"message": message}).encode())
