"""JSON-shape validation at the edge.

The gRPC server validates every rule again; the gateway only checks what the proto types
cannot express (a JSON `"5"` would otherwise become a conversion error, a missing `agreed`
would silently read as false). Messages follow zod's wording, because the original's clients
show `details` from zod, keyed by field path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from rest_gateway.errors import ApiError, validation_error

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Deliberately loose: the invitation email only has to be deliverable-looking; the mail
# provider is the real judge.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_INT = re.compile(r"-?[0-9]{1,9}")

REQUEST_ID_MAX = 128


def js_type(value: Any) -> str:
    """The JavaScript type name zod reports as "received"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def path_id(request: web.Request, name: str = "id") -> str:
    """A path id, checked before it reaches the server (the original never checked them)."""
    value = request.match_info[name]
    if not _ID.fullmatch(value):
        raise validation_error({name: ["Must be 1-64 characters of A-Z, a-z, 0-9, _ or -"]})
    return value


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body counts as `{}` like Express's json parser."""
    raw = await request.read()  # enforces client_max_size (413 via the middleware)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ApiError(400, "VALIDATION_ERROR", "Malformed JSON in request body") from None
    if not isinstance(data, dict):
        raise validation_error({"value": [f"Expected object, received {js_type(data)}"]})
    return data


class Fields:
    """Collects field errors over one mapping, then raises them all at once."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def check(self) -> None:
        if self.errors:
            raise validation_error(self.errors)

    def _present(self, name: str, required: bool) -> bool:
        """Whether a value is there to check; absent and null both count as absent."""
        if self.data.get(name) is not None:
            return True
        if required:
            self.fail(name, "Required")
        return False

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
        not_blank: bool = False,
    ) -> str | None:
        if not self._present(name, required):
            return None
        value = self.data[name]
        if not isinstance(value, str):
            self.fail(name, f"Expected string, received {js_type(value)}")
            return None
        if len(value) < min_len:
            self.fail(name, f"String must contain at least {min_len} character(s)")
            return None
        if not_blank and not value.strip():
            self.fail(name, "Must not be blank")
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(name, f"String must contain at most {max_len} character(s)")
            return None
        return value

    def nullable_string(self, name: str, *, min_len: int, max_len: int) -> str | None:
        """A key that must be present, holding a string or an explicit null."""
        if name not in self.data:
            self.fail(name, "Required")
            return None
        if self.data[name] is None:
            return None
        return self.string(name, min_len=min_len, max_len=max_len, not_blank=True)

    def id(self, name: str, *, required: bool = False) -> str | None:
        value = self.string(name, required=required)
        if value is not None and not _ID.fullmatch(value):
            self.fail(name, "Must be 1-64 characters of A-Z, a-z, 0-9, _ or -")
            return None
        return value

    def email(self, name: str, *, max_len: int = 254) -> str | None:
        value = self.string(name, max_len=max_len)
        if value is not None and not _EMAIL.fullmatch(value):
            self.fail(name, "Invalid email")
            return None
        return value

    def integer(self, name: str, *, required: bool, minimum: int, maximum: int) -> int | None:
        if not self._present(name, required):
            return None
        value = self.data[name]
        # bool is an int subclass in Python, and 5.0 is a float: both are rejected.
        if isinstance(value, float):
            self.fail(name, "Expected integer, received float")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"Expected number, received {js_type(value)}")
            return None
        return self._in_range(name, value, minimum, maximum)

    def query_integer(self, name: str, *, default: int, minimum: int, maximum: int) -> int:
        """An integer from the query string (always text there)."""
        raw = self.data.get(name)
        if raw is None or raw == "":
            return default
        if not _INT.fullmatch(str(raw)):
            self.fail(name, "Expected integer")
            return default
        checked = self._in_range(name, int(raw), minimum, maximum)
        return default if checked is None else checked

    def _in_range(self, name: str, value: int, minimum: int, maximum: int) -> int | None:
        if value < minimum:
            self.fail(name, f"Number must be greater than or equal to {minimum}")
            return None
        if value > maximum:
            self.fail(name, f"Number must be less than or equal to {maximum}")
            return None
        return value

    def literal_true(self, name: str) -> bool:
        if self.data.get(name) is True:
            return True
        self.fail(name, "Invalid literal value, expected true")
        return False

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        if not self._present(name, required):
            return None
        value = self.data[name]
        if value not in choices:
            expected = " | ".join(f"'{c}'" for c in choices)
            self.fail(name, f"Invalid enum value. Expected {expected}, received '{value}'")
            return None
        return str(value)


def idempotency_key(request: web.Request, fields: Fields) -> str:
    """The AIP-155 request id: the body's `requestId`, else the `Idempotency-Key` header."""
    body_value = fields.string("requestId", min_len=1, max_len=REQUEST_ID_MAX)
    if body_value is not None:
        return body_value
    header = request.headers.get("Idempotency-Key", "").strip()
    if len(header) > REQUEST_ID_MAX:
        fields.fail("Idempotency-Key", f"Must be at most {REQUEST_ID_MAX} characters")
        return ""
    return header
