"""Domain views → protobuf messages. Pure mapping, no rules."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.message import Message as ProtoMessage

from mwf.v1 import types_pb2
from mwf_core.domain.enums import InvitationStatus, SessionStatus, StageStatus
from mwf_core.domain.records import EmotionalReading, Invitation, Message, Session, User
from mwf_core.usecases.session_view import PartnerView, ProgressView, SessionView


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def datetime_of(message: ProtoMessage, field: str) -> datetime | None:
    """An optional inbound Timestamp field as an aware UTC datetime; None when unset."""
    if not message.HasField(field):
        return None
    stamp: timestamp_pb2.Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


def to_pb_enum(enum: Any, prefix: str, name: Enum | str | None) -> int:
    """A domain enum member or bare name ("ACTIVE", "add") → the proto value `PREFIX_ACTIVE`;
    None or "" → 0 (UNSPECIFIED)."""
    if name is None or name == "":
        return 0
    short = name.value if isinstance(name, Enum) else name
    return int(enum.Value(f"{prefix}{str(short).upper()}"))


def from_pb_enum(enum: Any, prefix: str, value: int) -> str | None:
    """A proto value → its bare upper-case name (`PREFIX_ACTIVE` → "ACTIVE"); None for
    UNSPECIFIED and for a number this server does not know."""
    try:
        name: str = enum.Name(value)
    except ValueError:
        return None
    short = name.removeprefix(prefix)
    return None if short == "UNSPECIFIED" else short


INFORMED_EMPATHY = 21  # the original's stage-2 sub-phase (messages while refining empathy)


def stage(number: int | None) -> int:
    """Original stage number (0-4) → proto enum value (number + 1); the stage-2 sub-phase 21
    keeps its own value, STAGE_INFORMED_EMPATHY (= 21), so readers still see 21."""
    if number is None:
        return 0
    if int(number) == INFORMED_EMPATHY:
        return types_pb2.STAGE_INFORMED_EMPATHY
    return int(number if number <= 4 else 2) + 1


def session_status(value: SessionStatus) -> int:
    return to_pb_enum(types_pb2.SessionStatus, "SESSION_STATUS_", value)


def session_status_from_proto(value: int) -> SessionStatus | None:
    name = from_pb_enum(types_pb2.SessionStatus, "SESSION_STATUS_", value)
    return SessionStatus(name) if name else None


def stage_status(value: StageStatus) -> int:
    return to_pb_enum(types_pb2.StageStatus, "STAGE_STATUS_", value)


def invitation_status(value: InvitationStatus) -> int:
    return to_pb_enum(types_pb2.InvitationStatus, "INVITATION_STATUS_", value)


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def user(value: User) -> types_pb2.User:
    return types_pb2.User(
        id=value.id,
        email=value.email or "",
        name=value.name or "",
        first_name=value.first_name or "",
        last_name=value.last_name or "",
        biometric_enabled=value.biometric_enabled,
        last_mood_intensity=value.last_mood_intensity,
        create_time=timestamp(value.created_at),
    )


def partner(value: PartnerView) -> types_pb2.Partner:
    return types_pb2.Partner(id=value.id or "", name=value.name or "",
                             nickname=value.nickname or "")


def progress(value: ProgressView | None) -> types_pb2.StageProgress | None:
    if value is None:
        return None
    return types_pb2.StageProgress(
        stage=stage(value.stage),
        status=stage_status(value.status),
        start_time=timestamp(value.started_at),
        complete_time=timestamp(value.completed_at),
        gates_satisfied=struct(value.gates),
    )


def session(view: SessionView) -> types_pb2.Session:
    record: Session = view.session
    return types_pb2.Session(
        id=record.id,
        relationship_id=record.relationship_id,
        status=session_status(record.status),
        partner=partner(view.partner),
        my_progress=progress(view.my_progress),
        partner_progress=progress(view.partner_progress),
        create_time=timestamp(record.created_at),
        update_time=timestamp(record.updated_at),
        resolve_time=timestamp(record.resolved_at),
        status_summary=view.status_summary,
        self_action_needed=view.self_action_needed,
        partner_action_needed=view.partner_action_needed,
        has_unread=view.has_unread,
        last_view_time=timestamp(view.last_viewed_at),
        last_seen_chat_item_id=view.last_seen_chat_item_id or "",
    )


def invitation(
    value: Invitation,
    status: InvitationStatus,
    *,
    is_inviter: bool,
    inviter_name: str | None,
    session_record: Session | None,
) -> types_pb2.Invitation:
    """`session_record` is given to members only: it carries the topic frame."""
    message = types_pb2.Invitation(
        id=value.id,
        session_id=value.session_id,
        name=value.name or "",
        status=invitation_status(status),
        message_confirmed=value.message_confirmed,
        message_confirm_time=timestamp(value.message_confirmed_at),
        create_time=timestamp(value.created_at),
        expire_time=timestamp(value.expires_at),
        accept_time=timestamp(value.accepted_at),
        is_inviter=is_inviter,
        invited_by=types_pb2.Partner(name=inviter_name or ""),
    )
    if session_record is not None:
        message.invited_by.id = value.invited_by_id
        message.topic_frame = session_record.topic_frame or ""
        confirmed = timestamp(session_record.topic_frame_confirmed_at)
        if confirmed is not None:
            message.topic_frame_confirm_time.CopyFrom(confirmed)
    return message


def message(value: Message) -> types_pb2.Message:
    return types_pb2.Message(
        id=value.id,
        session_id=value.session_id,
        sender_id=value.sender_id or "",
        for_user_id=value.for_user_id or "",
        role=value.role.value,
        content=value.content,
        stage=stage(value.stage),
        create_time=timestamp(value.timestamp),
    )


def reading(value: EmotionalReading) -> types_pb2.EmotionalReading:
    return types_pb2.EmotionalReading(
        id=value.id,
        intensity=value.intensity,
        context=value.context or "",
        stage=stage(value.stage),
        create_time=timestamp(value.timestamp),
    )
