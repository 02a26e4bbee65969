"""Proto values → the original app's JSON conventions.

The mobile app was written against the Express backend: enums as bare names ("ACTIVE"),
stages as 0-4, timestamps as JS `toISOString()` strings, unset optional values as null.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage
from google.protobuf.timestamp_pb2 import Timestamp

from mwf.v1 import sessions_pb2 as svc
from mwf.v1 import types_pb2 as t

Json = dict[str, Any]

# --- scalars -------------------------------------------------------------------------------


def iso(ts: Timestamp) -> str:
    """`2024-05-01T10:00:00.123Z`: UTC, milliseconds, like JavaScript's toISOString()."""
    return ts.ToDatetime().isoformat(timespec="milliseconds") + "Z"


def when(msg: ProtoMessage, field: str) -> str | None:
    """A Timestamp field as ISO text, or null when the field is unset."""
    return iso(getattr(msg, field)) if msg.HasField(field) else None


def text(value: str) -> str | None:
    """proto3 cannot tell "" from unset; the original sent null for missing text."""
    return value or None


def enum_name(enum: Any, value: int, prefix: str) -> str | None:
    """A proto enum value as the original's bare name (`SESSION_STATUS_ACTIVE` → "ACTIVE");
    null for UNSPECIFIED and for a value newer than this gateway's contract."""
    try:
        name: str = enum.Name(value)
    except ValueError:
        return None
    short = name.removeprefix(prefix)
    return None if short == "UNSPECIFIED" else short


def enum_value(enum: Any, prefix: str, name: str | None) -> int:
    """A bare name checked at the edge (`"ACTIVE"`) → the proto value; None → UNSPECIFIED (0)."""
    return int(enum.Value(f"{prefix}{name}")) if name else 0


def session_status(value: int) -> str | None:
    return enum_name(t.SessionStatus, value, "SESSION_STATUS_")


def stage_status(value: int) -> str | None:
    return enum_name(t.StageStatus, value, "STAGE_STATUS_")


def invitation_status(value: int) -> str | None:
    return enum_name(t.InvitationStatus, value, "INVITATION_STATUS_")


def stage(value: int) -> int | None:
    """The proto Stage is the original's 0-4 plus one (0 is reserved for unspecified), except
    STAGE_INFORMED_EMPATHY, the original's stage-2 sub-phase, which reads 21 on both sides."""
    if value == t.STAGE_INFORMED_EMPATHY:
        return 21
    return value - 1 if value > 0 else None


def _plain(value: Any) -> Any:
    # Struct numbers are doubles; the original stored JSON ints (counts), so 2.0 goes out as 2.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def struct(msg: ProtoMessage, field: str) -> Json | None:
    if not msg.HasField(field):
        return None
    return _plain(json_format.MessageToDict(getattr(msg, field)))  # type: ignore[no-any-return]


# --- shared pieces -------------------------------------------------------------------------


def partner(p: t.Partner) -> Json:
    # The original sends id "" (not null) while nobody has joined; the proto carries that as-is.
    return {"id": p.id, "name": text(p.name), "nickname": text(p.nickname)}


def progress(p: t.StageProgress, *, gates: bool) -> Json:
    out: Json = {
        "stage": stage(p.stage),
        "status": stage_status(p.status),
        "startedAt": when(p, "start_time"),
        "completedAt": when(p, "complete_time"),
    }
    if gates:
        out["gatesSatisfied"] = struct(p, "gates_satisfied")
    return out


def optional_progress(owner: ProtoMessage, field: str, *, gates: bool) -> Json | None:
    """The partner's progress is absent until they join; unset must read as null, not zeros."""
    return progress(getattr(owner, field), gates=gates) if owner.HasField(field) else None


def milestones(m: svc.Milestones) -> Json:
    return {
        "witnessStartedAt": when(m, "witness_start_time"),
        "feelHeardConfirmedAt": when(m, "feel_heard_confirm_time"),
        "needsIdentifiedAt": when(m, "needs_identified_time"),
        "commonGroundFoundAt": when(m, "common_ground_found_time"),
    }


def compact(c: t.CompactStatus) -> Json:
    return {
        "mySigned": c.my_signed,
        "mySignedAt": when(c, "my_sign_time"),
        "partnerSigned": c.partner_signed,
        "partnerSignedAt": when(c, "partner_sign_time"),
        "canAdvance": c.can_advance,
        "isFirstSession": c.is_first_session,
    }
