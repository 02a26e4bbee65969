import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_ONBOARDING: _ClassVar[Stage]
    STAGE_WITNESS: _ClassVar[Stage]
    STAGE_PERSPECTIVE_STRETCH: _ClassVar[Stage]
    STAGE_NEED_MAPPING: _ClassVar[Stage]
    STAGE_STRATEGIC_REPAIR: _ClassVar[Stage]
    STAGE_INFORMED_EMPATHY: _ClassVar[Stage]

class StageStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_STATUS_UNSPECIFIED: _ClassVar[StageStatus]
    STAGE_STATUS_NOT_STARTED: _ClassVar[StageStatus]
    STAGE_STATUS_IN_PROGRESS: _ClassVar[StageStatus]
    STAGE_STATUS_GATE_PENDING: _ClassVar[StageStatus]
    STAGE_STATUS_COMPLETED: _ClassVar[StageStatus]

class SessionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATUS_UNSPECIFIED: _ClassVar[SessionStatus]
    SESSION_STATUS_CREATED: _ClassVar[SessionStatus]
    SESSION_STATUS_INVITED: _ClassVar[SessionStatus]
    SESSION_STATUS_ACTIVE: _ClassVar[SessionStatus]
    SESSION_STATUS_PAUSED: _ClassVar[SessionStatus]
    SESSION_STATUS_WAITING: _ClassVar[SessionStatus]
    SESSION_STATUS_RESOLVED: _ClassVar[SessionStatus]
    SESSION_STATUS_ABANDONED: _ClassVar[SessionStatus]
    SESSION_STATUS_ARCHIVED: _ClassVar[SessionStatus]

class InvitationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITATION_STATUS_UNSPECIFIED: _ClassVar[InvitationStatus]
    INVITATION_STATUS_PENDING: _ClassVar[InvitationStatus]
    INVITATION_STATUS_ACCEPTED: _ClassVar[InvitationStatus]
    INVITATION_STATUS_DECLINED: _ClassVar[InvitationStatus]
    INVITATION_STATUS_EXPIRED: _ClassVar[InvitationStatus]
STAGE_UNSPECIFIED: Stage
STAGE_ONBOARDING: Stage
STAGE_WITNESS: Stage
STAGE_PERSPECTIVE_STRETCH: Stage
STAGE_NEED_MAPPING: Stage
STAGE_STRATEGIC_REPAIR: Stage
STAGE_INFORMED_EMPATHY: Stage
STAGE_STATUS_UNSPECIFIED: StageStatus
STAGE_STATUS_NOT_STARTED: StageStatus
STAGE_STATUS_IN_PROGRESS: StageStatus
STAGE_STATUS_GATE_PENDING: StageStatus
STAGE_STATUS_COMPLETED: StageStatus
SESSION_STATUS_UNSPECIFIED: SessionStatus
SESSION_STATUS_CREATED: SessionStatus
SESSION_STATUS_INVITED: SessionStatus
SESSION_STATUS_ACTIVE: SessionStatus
SESSION_STATUS_PAUSED: SessionStatus
SESSION_STATUS_WAITING: SessionStatus
SESSION_STATUS_RESOLVED: SessionStatus
SESSION_STATUS_ABANDONED: SessionStatus
SESSION_STATUS_ARCHIVED: SessionStatus
INVITATION_STATUS_UNSPECIFIED: InvitationStatus
INVITATION_STATUS_PENDING: InvitationStatus
INVITATION_STATUS_ACCEPTED: InvitationStatus
INVITATION_STATUS_DECLINED: InvitationStatus
INVITATION_STATUS_EXPIRED: InvitationStatus

class User(_message.Message):
    __slots__ = ("id", "email", "name", "first_name", "last_name", "biometric_enabled", "last_mood_intensity", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    BIOMETRIC_ENABLED_FIELD_NUMBER: _ClassVar[int]
    LAST_MOOD_INTENSITY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    name: str
    first_name: str
    last_name: str
    biometric_enabled: bool
    last_mood_intensity: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., name: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., biometric_enabled: _Optional[bool] = ..., last_mood_intensity: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Partner(_message.Message):
    __slots__ = ("id", "name", "nickname")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    nickname: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., nickname: _Optional[str] = ...) -> None: ...

class StageProgress(_message.Message):
    __slots__ = ("stage", "status", "start_time", "complete_time", "gates_satisfied")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    GATES_SATISFIED_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    status: StageStatus
    start_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    gates_satisfied: _struct_pb2.Struct
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., status: _Optional[_Union[StageStatus, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., gates_satisfied: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("id", "relationship_id", "status", "partner", "my_progress", "partner_progress", "create_time", "update_time", "resolve_time", "status_summary", "self_action_needed", "partner_action_needed", "has_unread", "last_view_time", "last_seen_chat_item_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    MY_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SELF_ACTION_NEEDED_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ACTION_NEEDED_FIELD_NUMBER: _ClassVar[int]
    HAS_UNREAD_FIELD_NUMBER: _ClassVar[int]
    LAST_VIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_CHAT_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    relationship_id: str
    status: SessionStatus
    partner: Partner
    my_progress: StageProgress
    partner_progress: StageProgress
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    resolve_time: _timestamp_pb2.Timestamp
    status_summary: str
    self_action_needed: _containers.RepeatedScalarFieldContainer[str]
    partner_action_needed: _containers.RepeatedScalarFieldContainer[str]
    has_unread: bool
    last_view_time: _timestamp_pb2.Timestamp
    last_seen_chat_item_id: str
    def __init__(self, id: _Optional[str] = ..., relationship_id: _Optional[str] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., partner: _Optional[_Union[Partner, _Mapping]] = ..., my_progress: _Optional[_Union[StageProgress, _Mapping]] = ..., partner_progress: _Optional[_Union[StageProgress, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_summary: _Optional[str] = ..., self_action_needed: _Optional[_Iterable[str]] = ..., partner_action_needed: _Optional[_Iterable[str]] = ..., has_unread: _Optional[bool] = ..., last_view_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_chat_item_id: _Optional[str] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("id", "session_id", "name", "status", "message_confirmed", "message_confirm_time", "create_time", "expire_time", "accept_time", "is_inviter", "topic_frame", "topic_frame_confirm_time", "invited_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    IS_INVITER_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FRAME_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FRAME_CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    INVITED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    name: str
    status: InvitationStatus
    message_confirmed: bool
    message_confirm_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    accept_time: _timestamp_pb2.Timestamp
    is_inviter: bool
    topic_frame: str
    topic_frame_confirm_time: _timestamp_pb2.Timestamp
    invited_by: Partner
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., name: _Optional[str] = ..., status: _Optional[_Union[InvitationStatus, str]] = ..., message_confirmed: _Optional[bool] = ..., message_confirm_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., is_inviter: _Optional[bool] = ..., topic_frame: _Optional[str] = ..., topic_frame_confirm_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., invited_by: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class CompactStatus(_message.Message):
    __slots__ = ("my_signed", "my_sign_time", "partner_signed", "partner_sign_time", "can_advance", "is_first_session")
    MY_SIGNED_FIELD_NUMBER: _ClassVar[int]
    MY_SIGN_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SIGNED_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SIGN_TIME_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    IS_FIRST_SESSION_FIELD_NUMBER: _ClassVar[int]
    my_signed: bool
    my_sign_time: _timestamp_pb2.Timestamp
    partner_signed: bool
    partner_sign_time: _timestamp_pb2.Timestamp
    can_advance: bool
    is_first_session: bool
    def __init__(self, my_signed: _Optional[bool] = ..., my_sign_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_signed: _Optional[bool] = ..., partner_sign_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., can_advance: _Optional[bool] = ..., is_first_session: _Optional[bool] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("id", "session_id", "sender_id", "for_user_id", "role", "content", "stage", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    FOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    sender_id: str
    for_user_id: str
    role: str
    content: str
    stage: Stage
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., for_user_id: _Optional[str] = ..., role: _Optional[str] = ..., content: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EmotionalReading(_message.Message):
    __slots__ = ("id", "intensity", "context", "stage", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    intensity: int
    context: str
    stage: Stage
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., intensity: _Optional[int] = ..., context: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
