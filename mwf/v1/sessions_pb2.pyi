import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mwf.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetMeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMeResponse(_message.Message):
    __slots__ = ("user", "active_sessions", "push_notifications_enabled")
    USER_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    PUSH_NOTIFICATIONS_ENABLED_FIELD_NUMBER: _ClassVar[int]
    user: _types_pb2.User
    active_sessions: int
    push_notifications_enabled: bool
    def __init__(self, user: _Optional[_Union[_types_pb2.User, _Mapping]] = ..., active_sessions: _Optional[int] = ..., push_notifications_enabled: _Optional[bool] = ...) -> None: ...

class RegisterPushTokenRequest(_message.Message):
    __slots__ = ("push_token", "platform")
    PUSH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    push_token: str
    platform: str
    def __init__(self, push_token: _Optional[str] = ..., platform: _Optional[str] = ...) -> None: ...

class RegisterPushTokenResponse(_message.Message):
    __slots__ = ("registered",)
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    registered: bool
    def __init__(self, registered: _Optional[bool] = ...) -> None: ...

class ClearPushTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClearPushTokenResponse(_message.Message):
    __slots__ = ("registered",)
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    registered: bool
    def __init__(self, registered: _Optional[bool] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("request_id", "person_id", "invite_name", "context", "invite_email")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    INVITE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    INVITE_EMAIL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    person_id: str
    invite_name: str
    context: str
    invite_email: str
    def __init__(self, request_id: _Optional[str] = ..., person_id: _Optional[str] = ..., invite_name: _Optional[str] = ..., context: _Optional[str] = ..., invite_email: _Optional[str] = ...) -> None: ...

class CreateSessionResponse(_message.Message):
    __slots__ = ("session", "invitation_id", "invitation_url", "existing_active_session")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    INVITATION_URL_FIELD_NUMBER: _ClassVar[int]
    EXISTING_ACTIVE_SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _types_pb2.Session
    invitation_id: str
    invitation_url: str
    existing_active_session: _types_pb2.Session
    def __init__(self, session: _Optional[_Union[_types_pb2.Session, _Mapping]] = ..., invitation_id: _Optional[str] = ..., invitation_url: _Optional[str] = ..., existing_active_session: _Optional[_Union[_types_pb2.Session, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: _types_pb2.SessionStatus
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[_types_pb2.SessionStatus, str]] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[_types_pb2.Session]
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[_types_pb2.Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _types_pb2.Session
    def __init__(self, session: _Optional[_Union[_types_pb2.Session, _Mapping]] = ...) -> None: ...

class GetSessionStateRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class Milestones(_message.Message):
    __slots__ = ("witness_start_time", "feel_heard_confirm_time", "needs_identified_time", "common_ground_found_time")
    WITNESS_START_TIME_FIELD_NUMBER: _ClassVar[int]
    FEEL_HEARD_CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    NEEDS_IDENTIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    COMMON_GROUND_FOUND_TIME_FIELD_NUMBER: _ClassVar[int]
    witness_start_time: _timestamp_pb2.Timestamp
    feel_heard_confirm_time: _timestamp_pb2.Timestamp
    needs_identified_time: _timestamp_pb2.Timestamp
    common_ground_found_time: _timestamp_pb2.Timestamp
    def __init__(self, witness_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., feel_heard_confirm_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., needs_identified_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., common_ground_found_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetSessionStateResponse(_message.Message):
    __slots__ = ("session", "partner_last_view_time", "can_advance", "milestones", "messages", "has_more_messages", "invitation", "compact")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    PARTNER_LAST_VIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    COMPACT_FIELD_NUMBER: _ClassVar[int]
    session: _types_pb2.Session
    partner_last_view_time: _timestamp_pb2.Timestamp
    can_advance: bool
    milestones: Milestones
    messages: _containers.RepeatedCompositeFieldContainer[_types_pb2.Message]
    has_more_messages: bool
    invitation: _types_pb2.Invitation
    compact: _types_pb2.CompactStatus
    def __init__(self, session: _Optional[_Union[_types_pb2.Session, _Mapping]] = ..., partner_last_view_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., can_advance: _Optional[bool] = ..., milestones: _Optional[_Union[Milestones, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[_types_pb2.Message, _Mapping]]] = ..., has_more_messages: _Optional[bool] = ..., invitation: _Optional[_Union[_types_pb2.Invitation, _Mapping]] = ..., compact: _Optional[_Union[_types_pb2.CompactStatus, _Mapping]] = ...) -> None: ...

class GetProgressRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetProgressResponse(_message.Message):
    __slots__ = ("my_progress", "partner_progress", "session_status", "milestones", "can_advance")
    MY_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SESSION_STATUS_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    my_progress: _types_pb2.StageProgress
    partner_progress: _types_pb2.StageProgress
    session_status: _types_pb2.SessionStatus
    milestones: Milestones
    can_advance: bool
    def __init__(self, my_progress: _Optional[_Union[_types_pb2.StageProgress, _Mapping]] = ..., partner_progress: _Optional[_Union[_types_pb2.StageProgress, _Mapping]] = ..., session_status: _Optional[_Union[_types_pb2.SessionStatus, str]] = ..., milestones: _Optional[_Union[Milestones, _Mapping]] = ..., can_advance: _Optional[bool] = ...) -> None: ...

class GetSessionInvitationRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionInvitationResponse(_message.Message):
    __slots__ = ("invitation",)
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    invitation: _types_pb2.Invitation
    def __init__(self, invitation: _Optional[_Union[_types_pb2.Invitation, _Mapping]] = ...) -> None: ...

class SignCompactRequest(_message.Message):
    __slots__ = ("session_id", "agreed")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AGREED_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    agreed: bool
    def __init__(self, session_id: _Optional[str] = ..., agreed: _Optional[bool] = ...) -> None: ...

class SignCompactResponse(_message.Message):
    __slots__ = ("signed", "sign_time", "partner_signed", "can_advance")
    SIGNED_FIELD_NUMBER: _ClassVar[int]
    SIGN_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SIGNED_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    signed: bool
    sign_time: _timestamp_pb2.Timestamp
    partner_signed: bool
    can_advance: bool
    def __init__(self, signed: _Optional[bool] = ..., sign_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_signed: _Optional[bool] = ..., can_advance: _Optional[bool] = ...) -> None: ...

class GetCompactStatusRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetCompactStatusResponse(_message.Message):
    __slots__ = ("compact",)
    COMPACT_FIELD_NUMBER: _ClassVar[int]
    compact: _types_pb2.CompactStatus
    def __init__(self, compact: _Optional[_Union[_types_pb2.CompactStatus, _Mapping]] = ...) -> None: ...

class ConfirmTopicFrameRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ConfirmTopicFrameResponse(_message.Message):
    __slots__ = ("topic_frame", "confirm_time")
    TOPIC_FRAME_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    topic_frame: str
    confirm_time: _timestamp_pb2.Timestamp
    def __init__(self, topic_frame: _Optional[str] = ..., confirm_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConfirmInvitationRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ConfirmInvitationResponse(_message.Message):
    __slots__ = ("confirmed", "invitation", "advanced_to_stage")
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    ADVANCED_TO_STAGE_FIELD_NUMBER: _ClassVar[int]
    confirmed: bool
    invitation: _types_pb2.Invitation
    advanced_to_stage: _types_pb2.Stage
    def __init__(self, confirmed: _Optional[bool] = ..., invitation: _Optional[_Union[_types_pb2.Invitation, _Mapping]] = ..., advanced_to_stage: _Optional[_Union[_types_pb2.Stage, str]] = ...) -> None: ...

class PauseSessionRequest(_message.Message):
    __slots__ = ("session_id", "reason")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    reason: str
    def __init__(self, session_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PauseSessionResponse(_message.Message):
    __slots__ = ("paused", "pause_time", "status")
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    PAUSE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    paused: bool
    pause_time: _timestamp_pb2.Timestamp
    status: _types_pb2.SessionStatus
    def __init__(self, paused: _Optional[bool] = ..., pause_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_types_pb2.SessionStatus, str]] = ...) -> None: ...

class ResumeSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ResumeSessionResponse(_message.Message):
    __slots__ = ("resumed", "resume_time", "status")
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    RESUME_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    resumed: bool
    resume_time: _timestamp_pb2.Timestamp
    status: _types_pb2.SessionStatus
    def __init__(self, resumed: _Optional[bool] = ..., resume_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_types_pb2.SessionStatus, str]] = ...) -> None: ...

class ArchiveSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ArchiveSessionResponse(_message.Message):
    __slots__ = ("archived", "archive_time")
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    archived: bool
    archive_time: _timestamp_pb2.Timestamp
    def __init__(self, archived: _Optional[bool] = ..., archive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class DeleteSessionResponse(_message.Message):
    __slots__ = ("deleted", "session_abandoned", "partner_notified", "data_records_deleted")
    DELETED_FIELD_NUMBER: _ClassVar[int]
    SESSION_ABANDONED_FIELD_NUMBER: _ClassVar[int]
    PARTNER_NOTIFIED_FIELD_NUMBER: _ClassVar[int]
    DATA_RECORDS_DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    session_abandoned: bool
    partner_notified: bool
    data_records_deleted: int
    def __init__(self, deleted: _Optional[bool] = ..., session_abandoned: _Optional[bool] = ..., partner_notified: _Optional[bool] = ..., data_records_deleted: _Optional[int] = ...) -> None: ...

class UpdateNicknameRequest(_message.Message):
    __slots__ = ("relationship_id", "nickname")
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    relationship_id: str
    nickname: str
    def __init__(self, relationship_id: _Optional[str] = ..., nickname: _Optional[str] = ...) -> None: ...

class UpdateNicknameResponse(_message.Message):
    __slots__ = ("nickname",)
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    nickname: str
    def __init__(self, nickname: _Optional[str] = ...) -> None: ...

class ListPeopleRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SessionSummary(_message.Message):
    __slots__ = ("id", "status", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: _types_pb2.SessionStatus
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[_types_pb2.SessionStatus, str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("id", "relationship_id", "name", "nickname", "initials", "connect_time", "last_session", "active_session_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    INITIALS_FIELD_NUMBER: _ClassVar[int]
    CONNECT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SESSION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    relationship_id: str
    name: str
    nickname: str
    initials: str
    connect_time: _timestamp_pb2.Timestamp
    last_session: SessionSummary
    active_session_count: int
    def __init__(self, id: _Optional[str] = ..., relationship_id: _Optional[str] = ..., name: _Optional[str] = ..., nickname: _Optional[str] = ..., initials: _Optional[str] = ..., connect_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_session: _Optional[_Union[SessionSummary, _Mapping]] = ..., active_session_count: _Optional[int] = ...) -> None: ...

class ListPeopleResponse(_message.Message):
    __slots__ = ("people", "next_page_token")
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    people: _containers.RepeatedCompositeFieldContainer[Person]
    next_page_token: str
    def __init__(self, people: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordEmotionRequest(_message.Message):
    __slots__ = ("session_id", "intensity", "context", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    intensity: int
    context: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., intensity: _Optional[int] = ..., context: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordEmotionResponse(_message.Message):
    __slots__ = ("reading", "suggest_exercise")
    READING_FIELD_NUMBER: _ClassVar[int]
    SUGGEST_EXERCISE_FIELD_NUMBER: _ClassVar[int]
    reading: _types_pb2.EmotionalReading
    suggest_exercise: bool
    def __init__(self, reading: _Optional[_Union[_types_pb2.EmotionalReading, _Mapping]] = ..., suggest_exercise: _Optional[bool] = ...) -> None: ...

class ListEmotionsRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEmotionsResponse(_message.Message):
    __slots__ = ("readings", "next_page_token")
    READINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    readings: _containers.RepeatedCompositeFieldContainer[_types_pb2.EmotionalReading]
    next_page_token: str
    def __init__(self, readings: _Optional[_Iterable[_Union[_types_pb2.EmotionalReading, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
