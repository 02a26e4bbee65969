import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mwf.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SendMessageRequest(_message.Message):
    __slots__ = ("session_id", "content", "request_id", "refining_need_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REFINING_NEED_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    content: str
    request_id: str
    refining_need_id: str
    def __init__(self, session_id: _Optional[str] = ..., content: _Optional[str] = ..., request_id: _Optional[str] = ..., refining_need_id: _Optional[str] = ...) -> None: ...

class UserMessageEvent(_message.Message):
    __slots__ = ("id", "content", "create_time", "refining_need_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REFINING_NEED_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    content: str
    create_time: _timestamp_pb2.Timestamp
    refining_need_id: str
    def __init__(self, id: _Optional[str] = ..., content: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refining_need_id: _Optional[str] = ...) -> None: ...

class ChunkEvent(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class MetadataEvent(_message.Message):
    __slots__ = ("metadata",)
    METADATA_FIELD_NUMBER: _ClassVar[int]
    metadata: _struct_pb2.Struct
    def __init__(self, metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class TextCompleteEvent(_message.Message):
    __slots__ = ("metadata",)
    METADATA_FIELD_NUMBER: _ClassVar[int]
    metadata: _struct_pb2.Struct
    def __init__(self, metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CompleteEvent(_message.Message):
    __slots__ = ("message_id", "metadata")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    metadata: _struct_pb2.Struct
    def __init__(self, message_id: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ErrorEvent(_message.Message):
    __slots__ = ("message", "retryable", "user_message_id")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message: str
    retryable: bool
    user_message_id: str
    def __init__(self, message: _Optional[str] = ..., retryable: _Optional[bool] = ..., user_message_id: _Optional[str] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("user_message", "chunk", "metadata", "text_complete", "complete", "error")
    USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TEXT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    user_message: UserMessageEvent
    chunk: ChunkEvent
    metadata: MetadataEvent
    text_complete: TextCompleteEvent
    complete: CompleteEvent
    error: ErrorEvent
    def __init__(self, user_message: _Optional[_Union[UserMessageEvent, _Mapping]] = ..., chunk: _Optional[_Union[ChunkEvent, _Mapping]] = ..., metadata: _Optional[_Union[MetadataEvent, _Mapping]] = ..., text_complete: _Optional[_Union[TextCompleteEvent, _Mapping]] = ..., complete: _Optional[_Union[CompleteEvent, _Mapping]] = ..., error: _Optional[_Union[ErrorEvent, _Mapping]] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "before_time", "after_time", "oldest_first")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    BEFORE_TIME_FIELD_NUMBER: _ClassVar[int]
    AFTER_TIME_FIELD_NUMBER: _ClassVar[int]
    OLDEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    before_time: _timestamp_pb2.Timestamp
    after_time: _timestamp_pb2.Timestamp
    oldest_first: bool
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., before_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., after_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., oldest_first: _Optional[bool] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages", "has_more")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_types_pb2.Message]
    has_more: bool
    def __init__(self, messages: _Optional[_Iterable[_Union[_types_pb2.Message, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetInitialMessageRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetInitialMessageResponse(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _types_pb2.Message
    def __init__(self, message: _Optional[_Union[_types_pb2.Message, _Mapping]] = ...) -> None: ...

class ConfirmFeelHeardRequest(_message.Message):
    __slots__ = ("session_id", "confirmed", "feedback")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    confirmed: bool
    feedback: str
    def __init__(self, session_id: _Optional[str] = ..., confirmed: _Optional[bool] = ..., feedback: _Optional[str] = ...) -> None: ...

class ConfirmFeelHeardResponse(_message.Message):
    __slots__ = ("confirmed", "confirm_time", "can_advance", "partner_completed", "transition_message", "advanced_to_stage", "reconciler_triggered")
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ADVANCED_TO_STAGE_FIELD_NUMBER: _ClassVar[int]
    RECONCILER_TRIGGERED_FIELD_NUMBER: _ClassVar[int]
    confirmed: bool
    confirm_time: _timestamp_pb2.Timestamp
    can_advance: bool
    partner_completed: bool
    transition_message: _types_pb2.Message
    advanced_to_stage: _types_pb2.Stage
    reconciler_triggered: bool
    def __init__(self, confirmed: _Optional[bool] = ..., confirm_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., can_advance: _Optional[bool] = ..., partner_completed: _Optional[bool] = ..., transition_message: _Optional[_Union[_types_pb2.Message, _Mapping]] = ..., advanced_to_stage: _Optional[_Union[_types_pb2.Stage, str]] = ..., reconciler_triggered: _Optional[bool] = ...) -> None: ...
