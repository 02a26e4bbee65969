"""JSON-shape validation at the edge.

The gRPC server validates every rule again; the gateway only checks what the proto types
cannot express (a JSON `"5"` would otherwise become a conversion error, a missing `agreed`
would silently read as false). Messages follow zod's wording, because the original's clients
show `details` from zod, keyed by field path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web
from google.protobuf.timestamp_pb2 import Timestamp

from rest_gateway.errors import ApiError, validation_error

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Deliberately loose: the invitation email only has to be deliverable-looking; the mail
# provider is the real judge.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_INT = re.compile(r"-?[0-9]{1,9}")

REQUEST_ID_MAX = 128

T = TypeVar("T")


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

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        """A JSON boolean (no "true"/1 coercion, like zod's z.boolean())."""
        if not self._present(name, required):
            return None
        value = self.data[name]
        if not isinstance(value, bool):
            self.fail(name, f"Expected boolean, received {js_type(value)}")
            return None
        return value

    def timestamp(self, name: str, *, required: bool = False) -> Timestamp | None:
        """ISO-8601 text in a JSON body. A time zone (`Z` or an offset) is required, like zod's
        z.string().datetime(): a bare local time would be read differently by each server."""
        if not self._present(name, required):
            return None
        value = self.data[name]
        if not isinstance(value, str):
            self.fail(name, f"Expected string, received {js_type(value)}")
            return None
        return self._parse_timestamp(name, value)

    def query_timestamp(self, name: str) -> Timestamp | None:
        """ISO-8601 text from the query string, where an empty value counts as absent."""
        raw = self.data.get(name)
        if not raw:
            return None
        return self._parse_timestamp(name, str(raw))

    def _parse_timestamp(self, name: str, value: str) -> Timestamp | None:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(name, "Invalid datetime")
            return None
        if moment.tzinfo is None:
            self.fail(name, "Invalid datetime: a time zone is required")
            return None
        stamp = Timestamp()
        stamp.FromDatetime(moment)
        return stamp

    def array(
        self, name: str, *, required: bool, min_items: int = 0, max_items: int | None = None
    ) -> list[Any]:
        """A JSON array within its size limits; [] when absent or refused."""
        if not self._present(name, required):
            return []
        value = self.data[name]
        if not isinstance(value, list):
            self.fail(name, f"Expected array, received {js_type(value)}")
            return []
        if len(value) < min_items:
            self.fail(name, f"Array must contain at least {min_items} element(s)")
            return []
        if max_items is not None and len(value) > max_items:
            self.fail(name, f"Array must contain at most {max_items} element(s)")
            return []
        return value

    def list_of(
        self,
        name: str,
        check: Callable[[Fields, str], T | None],
        *,
        required: bool,
        min_items: int = 0,
        max_items: int | None = None,
    ) -> list[T]:
        """An array whose elements are each checked by `check(elements, key)`, where `elements`
        holds the array under the keys "0", "1", …; errors keep their path (`name.<index>`)."""
        values = self.array(name, required=required, min_items=min_items, max_items=max_items)
        elements = Fields({str(i): v for i, v in enumerate(values)})
        out = [check(elements, str(i)) for i in range(len(values))]
        self.merge(name, elements)
        return [item for item in out if item is not None]

    def id_list(
        self, name: str, *, required: bool = True, min_items: int = 1, max_items: int
    ) -> list[str]:
        """A (by default non-empty) array of ids."""
        return self.list_of(name, lambda elements, key: elements.id(key, required=True),
                            required=required, min_items=min_items, max_items=max_items)

    def objects(
        self,
        name: str,
        parse: Callable[[Fields], T | None],
        *,
        required: bool,
        min_items: int = 0,
        max_items: int | None = None,
    ) -> list[T]:
        """An array of objects, each read by `parse` from its own Fields. Errors keep their path
        (`name.<index>.<field>`); only the items without errors are returned."""
        values = self.array(name, required=required, min_items=min_items, max_items=max_items)
        out: list[T] = []
        for index, item in enumerate(values):
            path = f"{name}.{index}"
            if not isinstance(item, dict):
                self.fail(path, f"Expected object, received {js_type(item)}")
                continue
            sub = Fields(item)
            parsed = parse(sub)
            self.merge(path, sub)
            if not sub.errors and parsed is not None:
                out.append(parsed)
        return out

    def merge(self, prefix: str, sub: Fields) -> None:
        """Takes over a nested Fields' errors under `prefix.`."""
        for key, messages in sub.errors.items():
            self.errors.setdefault(f"{prefix}.{key}", []).extend(messages)

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
