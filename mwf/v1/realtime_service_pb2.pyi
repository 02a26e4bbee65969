import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WatchSessionRequest(_message.Message):
    __slots__ = ("session_id", "after_seq")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    after_seq: int
    def __init__(self, session_id: _Optional[str] = ..., after_seq: _Optional[int] = ...) -> None: ...

class SessionEvent(_message.Message):
    __slots__ = ("seq", "id", "name", "payload", "create_time")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    seq: int
    id: str
    name: str
    payload: _struct_pb2.Struct
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, seq: _Optional[int] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("server_time", "seq")
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    seq: int
    def __init__(self, server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., seq: _Optional[int] = ...) -> None: ...

class Reset(_message.Message):
    __slots__ = ("oldest_seq", "seq")
    OLDEST_SEQ_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    oldest_seq: int
    seq: int
    def __init__(self, oldest_seq: _Optional[int] = ..., seq: _Optional[int] = ...) -> None: ...

class WatchSessionResponse(_message.Message):
    __slots__ = ("event", "heartbeat", "reset")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    heartbeat: Heartbeat
    reset: Reset
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., reset: _Optional[_Union[Reset, _Mapping]] = ...) -> None: ...

class GetRealtimeTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AblyTokenRequest(_message.Message):
    __slots__ = ("key_name", "client_id", "ttl", "nonce", "capability", "timestamp", "mac")
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    MAC_FIELD_NUMBER: _ClassVar[int]
    key_name: str
    client_id: str
    ttl: int
    nonce: str
    capability: str
    timestamp: int
    mac: str
    def __init__(self, key_name: _Optional[str] = ..., client_id: _Optional[str] = ..., ttl: _Optional[int] = ..., nonce: _Optional[str] = ..., capability: _Optional[str] = ..., timestamp: _Optional[int] = ..., mac: _Optional[str] = ...) -> None: ...

class GetRealtimeTokenResponse(_message.Message):
    __slots__ = ("token_request",)
    TOKEN_REQUEST_FIELD_NUMBER: _ClassVar[int]
    token_request: AblyTokenRequest
    def __init__(self, token_request: _Optional[_Union[AblyTokenRequest, _Mapping]] = ...) -> None: ...

class NotificationPreferences(_message.Message):
    __slots__ = ("push_enabled", "email_enabled", "new_invitations", "partner_actions", "follow_up_reminders")
    PUSH_ENABLED_FIELD_NUMBER: _ClassVar[int]
    EMAIL_ENABLED_FIELD_NUMBER: _ClassVar[int]
    NEW_INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_REMINDERS_FIELD_NUMBER: _ClassVar[int]
    push_enabled: bool
    email_enabled: bool
    new_invitations: bool
    partner_actions: bool
    follow_up_reminders: bool
    def __init__(self, push_enabled: _Optional[bool] = ..., email_enabled: _Optional[bool] = ..., new_invitations: _Optional[bool] = ..., partner_actions: _Optional[bool] = ..., follow_up_reminders: _Optional[bool] = ...) -> None: ...

class GetNotificationPreferencesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetNotificationPreferencesResponse(_message.Message):
    __slots__ = ("preferences",)
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: NotificationPreferences
    def __init__(self, preferences: _Optional[_Union[NotificationPreferences, _Mapping]] = ...) -> None: ...

class UpdateNotificationPreferencesRequest(_message.Message):
    __slots__ = ("push_enabled", "email_enabled", "new_invitations", "partner_actions", "follow_up_reminders")
    PUSH_ENABLED_FIELD_NUMBER: _ClassVar[int]
    EMAIL_ENABLED_FIELD_NUMBER: _ClassVar[int]
    NEW_INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_REMINDERS_FIELD_NUMBER: _ClassVar[int]
    push_enabled: bool
    email_enabled: bool
    new_invitations: bool
    partner_actions: bool
    follow_up_reminders: bool
    def __init__(self, push_enabled: _Optional[bool] = ..., email_enabled: _Optional[bool] = ..., new_invitations: _Optional[bool] = ..., partner_actions: _Optional[bool] = ..., follow_up_reminders: _Optional[bool] = ...) -> None: ...

class UpdateNotificationPreferencesResponse(_message.Message):
    __slots__ = ("preferences",)
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: NotificationPreferences
    def __init__(self, preferences: _Optional[_Union[NotificationPreferences, _Mapping]] = ...) -> None: ...
