"""Offset page tokens (AIP-158) for short lists whose order is stable between calls."""

from __future__ import annotations

import base64
from typing import TypeVar

from mwf_core.domain.errors import field_error

T = TypeVar("T")
_PREFIX = "o:"


def decode_offset(token: str) -> int:
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token.encode()).decode()
        offset = int(raw.removeprefix(_PREFIX)) if raw.startswith(_PREFIX) else -1
    except (ValueError, UnicodeDecodeError) as error:
        raise field_error("page_token", "page token is not valid") from error
    if offset < 0:
        raise field_error("page_token", "page token is not valid")
    return offset


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def check_page_size(page_size: int, maximum: int) -> int:
    """0 means the default, which is the maximum for these short lists."""
    if page_size < 0 or page_size > maximum:
        raise field_error("page_size", f"limit must be between 1 and {maximum}")
    return page_size or maximum


def page(items: list[T], offset: int, size: int) -> tuple[list[T], str]:
    """`items` holds at least offset + size + 1 entries when another page exists."""
    chunk = items[offset : offset + size]
    more = len(items) > offset + size
    return chunk, encode_offset(offset + size) if more else ""
