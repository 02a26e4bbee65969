"""The shared request-parsing helpers of `Fields` (timestamps, booleans, arrays, id lists,
arrays of objects) and the enum-name helpers of `convert`, tested without a server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mwf.v1 import types_pb2 as t
from rest_gateway import convert
from rest_gateway.validation import Fields


def _ok(fields: Fields) -> None:
    assert fields.errors == {}


@pytest.mark.parametrize("text", ["2030-01-02T03:04:05.000Z", "2030-01-02T04:04:05+01:00"])
def test_timestamp_with_a_zone(text: str) -> None:
    fields = Fields({"at": text})
    stamp = fields.timestamp("at")
    _ok(fields)
    assert stamp is not None
    assert stamp.ToDatetime(tzinfo=UTC) == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(("value", "message"), [
    ("2030-01-02T03:04:05", "Invalid datetime: a time zone is required"),
    ("next tuesday", "Invalid datetime"),
    ("", "Invalid datetime"),
    (5, "Expected string, received number"),
])
def test_timestamp_refused_in_a_body(value: Any, message: str) -> None:
    fields = Fields({"at": value})
    assert fields.timestamp("at") is None
    assert fields.errors == {"at": [message]}


def test_timestamp_absent_or_required() -> None:
    fields = Fields({"at": None})
    assert fields.timestamp("at") is None
    _ok(fields)
    assert fields.timestamp("at", required=True) is None
    assert fields.errors == {"at": ["Required"]}


def test_query_timestamp_treats_empty_as_absent_and_needs_a_zone() -> None:
    fields = Fields({"before": "", "after": "2025-01-01T00:00:00"})
    assert fields.query_timestamp("before") is None
    assert fields.query_timestamp("after") is None
    assert fields.errors == {"after": ["Invalid datetime: a time zone is required"]}


@pytest.mark.parametrize(("value", "errors"), [
    (True, {}), (False, {}), (None, {"b": ["Required"]}),
    ("true", {"b": ["Expected boolean, received string"]}),
    (1, {"b": ["Expected boolean, received number"]}),
])
def test_boolean(value: Any, errors: dict[str, list[str]]) -> None:
    fields = Fields({"b": value})
    got = fields.boolean("b", required=True)
    assert fields.errors == errors
    assert got == (value if not errors else None)


def test_id_list_paths_and_limits() -> None:
    fields = Fields({"ids": ["a", 5, "b c", None]})
    assert fields.id_list("ids", max_items=10) == ["a"]
    assert fields.errors == {
        "ids.1": ["Expected string, received number"],
        "ids.2": ["Must be 1-64 characters of A-Z, a-z, 0-9, _ or -"],
        "ids.3": ["Required"],
    }
    for data, message in (({}, "Required"), ({"ids": []}, "Array must contain at least 1 "
                                             "element(s)"),
                          ({"ids": ["a", "b"]}, "Array must contain at most 1 element(s)"),
                          ({"ids": "a"}, "Expected array, received string")):
        fields = Fields(data)
        assert fields.id_list("ids", max_items=1) == []
        assert fields.errors == {"ids": [message]}


def test_objects_keep_nested_paths_and_skip_bad_items() -> None:
    def parse(sub: Fields) -> str | None:
        name = sub.string("name", required=True, max_len=3)
        flag = sub.boolean("flag")
        return None if sub.errors else f"{name}:{flag}"

    fields = Fields({"items": [{"name": "ab", "flag": True}, "x", {"name": "long"},
                               {"flag": 1}]})
    assert fields.objects("items", parse, required=True, min_items=1) == ["ab:True"]
    assert fields.errors == {
        "items.1": ["Expected object, received string"],
        "items.2.name": ["String must contain at most 3 character(s)"],
        "items.3.name": ["Required"],
        "items.3.flag": ["Expected boolean, received number"],
    }


def test_enum_helpers() -> None:
    assert convert.enum_name(t.SessionStatus, t.SESSION_STATUS_ACTIVE, "SESSION_STATUS_") == \
        "ACTIVE"
    assert convert.enum_name(t.SessionStatus, 0, "SESSION_STATUS_") is None
    assert convert.enum_name(t.SessionStatus, 999, "SESSION_STATUS_") is None
    assert convert.enum_value(t.SessionStatus, "SESSION_STATUS_", "ACTIVE") == \
        t.SESSION_STATUS_ACTIVE
    assert convert.enum_value(t.SessionStatus, "SESSION_STATUS_", None) == 0
