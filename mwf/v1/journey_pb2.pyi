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

class ConsentRecordView(_message.Message):
    __slots__ = ("id", "content_type", "target_id", "decision", "create_time", "decide_time", "revoke_time", "metadata")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    content_type: str
    target_id: str
    decision: str
    create_time: _timestamp_pb2.Timestamp
    decide_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., content_type: _Optional[str] = ..., target_id: _Optional[str] = ..., decision: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ConsentedContentView(_message.Message):
    __slots__ = ("id", "consent_record_id", "content", "consent_time", "consent_active")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONSENT_TIME_FIELD_NUMBER: _ClassVar[int]
    CONSENT_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    id: str
    consent_record_id: str
    content: str
    consent_time: _timestamp_pb2.Timestamp
    consent_active: bool
    def __init__(self, id: _Optional[str] = ..., consent_record_id: _Optional[str] = ..., content: _Optional[str] = ..., consent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., consent_active: _Optional[bool] = ...) -> None: ...

class ListPendingConsentsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ListPendingConsentsResponse(_message.Message):
    __slots__ = ("pending_requests",)
    PENDING_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    pending_requests: _containers.RepeatedCompositeFieldContainer[ConsentRecordView]
    def __init__(self, pending_requests: _Optional[_Iterable[_Union[ConsentRecordView, _Mapping]]] = ...) -> None: ...

class DecideConsentRequest(_message.Message):
    __slots__ = ("session_id", "consent_request_id", "decision", "edited_content")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    EDITED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    consent_request_id: str
    decision: str
    edited_content: str
    def __init__(self, session_id: _Optional[str] = ..., consent_request_id: _Optional[str] = ..., decision: _Optional[str] = ..., edited_content: _Optional[str] = ...) -> None: ...

class DecideConsentResponse(_message.Message):
    __slots__ = ("recorded", "consent_record", "shared_content")
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    CONSENT_RECORD_FIELD_NUMBER: _ClassVar[int]
    SHARED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    recorded: bool
    consent_record: ConsentRecordView
    shared_content: ConsentedContentView
    def __init__(self, recorded: _Optional[bool] = ..., consent_record: _Optional[_Union[ConsentRecordView, _Mapping]] = ..., shared_content: _Optional[_Union[ConsentedContentView, _Mapping]] = ...) -> None: ...

class RevokeConsentRequest(_message.Message):
    __slots__ = ("session_id", "consent_record_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    consent_record_id: str
    def __init__(self, session_id: _Optional[str] = ..., consent_record_id: _Optional[str] = ...) -> None: ...

class RevokeConsentResponse(_message.Message):
    __slots__ = ("revoked", "revoke_time")
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    revoked: bool
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, revoked: _Optional[bool] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListConsentHistoryRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ListConsentHistoryResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ConsentRecordView]
    def __init__(self, records: _Optional[_Iterable[_Union[ConsentRecordView, _Mapping]]] = ...) -> None: ...

class CompleteExerciseRequest(_message.Message):
    __slots__ = ("session_id", "type", "intensity_before", "intensity_after")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_BEFORE_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_AFTER_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    type: str
    intensity_before: int
    intensity_after: int
    def __init__(self, session_id: _Optional[str] = ..., type: _Optional[str] = ..., intensity_before: _Optional[int] = ..., intensity_after: _Optional[int] = ...) -> None: ...

class ExerciseCompletion(_message.Message):
    __slots__ = ("id", "type", "complete_time", "intensity_delta")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_DELTA_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    complete_time: _timestamp_pb2.Timestamp
    intensity_delta: int
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., intensity_delta: _Optional[int] = ...) -> None: ...

class CompleteExerciseResponse(_message.Message):
    __slots__ = ("logged", "completion")
    LOGGED_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_FIELD_NUMBER: _ClassVar[int]
    logged: bool
    completion: ExerciseCompletion
    def __init__(self, logged: _Optional[bool] = ..., completion: _Optional[_Union[ExerciseCompletion, _Mapping]] = ...) -> None: ...

class GetPendingActionsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class PendingAction(_message.Message):
    __slots__ = ("type", "id", "data")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    data: _struct_pb2.Struct
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetPendingActionsResponse(_message.Message):
    __slots__ = ("actions", "sent_tab_updates")
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    SENT_TAB_UPDATES_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[PendingAction]
    sent_tab_updates: int
    def __init__(self, actions: _Optional[_Iterable[_Union[PendingAction, _Mapping]]] = ..., sent_tab_updates: _Optional[int] = ...) -> None: ...

class GetBadgeCountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetBadgeCountResponse(_message.Message):
    __slots__ = ("count", "by_session")
    class BySessionEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    COUNT_FIELD_NUMBER: _ClassVar[int]
    BY_SESSION_FIELD_NUMBER: _ClassVar[int]
    count: int
    by_session: _containers.ScalarMap[str, int]
    def __init__(self, count: _Optional[int] = ..., by_session: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ListTimelineRequest(_message.Message):
    __slots__ = ("session_id", "before", "page_size")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    before: _timestamp_pb2.Timestamp
    page_size: int
    def __init__(self, session_id: _Optional[str] = ..., before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ...) -> None: ...

class ChatItem(_message.Message):
    __slots__ = ("id", "type", "time", "content", "indicator_type", "stage", "intensity", "previous_intensity")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    INDICATOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_INTENSITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    time: _timestamp_pb2.Timestamp
    content: str
    indicator_type: str
    stage: _types_pb2.Stage
    intensity: int
    previous_intensity: int
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content: _Optional[str] = ..., indicator_type: _Optional[str] = ..., stage: _Optional[_Union[_types_pb2.Stage, str]] = ..., intensity: _Optional[int] = ..., previous_intensity: _Optional[int] = ...) -> None: ...

class ListTimelineResponse(_message.Message):
    __slots__ = ("items", "has_more")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ChatItem]
    has_more: bool
    def __init__(self, items: _Optional[_Iterable[_Union[ChatItem, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class MarkSessionViewedRequest(_message.Message):
    __slots__ = ("session_id", "last_seen_chat_item_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_CHAT_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    last_seen_chat_item_id: str
    def __init__(self, session_id: _Optional[str] = ..., last_seen_chat_item_id: _Optional[str] = ...) -> None: ...

class MarkSessionViewedResponse(_message.Message):
    __slots__ = ("success", "last_view_time", "last_seen_chat_item_id")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    LAST_VIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_CHAT_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    success: bool
    last_view_time: _timestamp_pb2.Timestamp
    last_seen_chat_item_id: str
    def __init__(self, success: _Optional[bool] = ..., last_view_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_chat_item_id: _Optional[str] = ...) -> None: ...

class MarkShareTabViewedRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class MarkShareTabViewedResponse(_message.Message):
    __slots__ = ("success", "last_share_tab_view_time")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    LAST_SHARE_TAB_VIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    success: bool
    last_share_tab_view_time: _timestamp_pb2.Timestamp
    def __init__(self, success: _Optional[bool] = ..., last_share_tab_view_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AdvanceStageRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class AdvanceStageResponse(_message.Message):
    __slots__ = ("advanced", "new_stage", "new_status", "advance_time", "blocked_reason", "unsatisfied_gates")
    ADVANCED_FIELD_NUMBER: _ClassVar[int]
    NEW_STAGE_FIELD_NUMBER: _ClassVar[int]
    NEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    ADVANCE_TIME_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_REASON_FIELD_NUMBER: _ClassVar[int]
    UNSATISFIED_GATES_FIELD_NUMBER: _ClassVar[int]
    advanced: bool
    new_stage: _types_pb2.Stage
    new_status: _types_pb2.StageStatus
    advance_time: _timestamp_pb2.Timestamp
    blocked_reason: str
    unsatisfied_gates: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, advanced: _Optional[bool] = ..., new_stage: _Optional[_Union[_types_pb2.Stage, str]] = ..., new_status: _Optional[_Union[_types_pb2.StageStatus, str]] = ..., advance_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., blocked_reason: _Optional[str] = ..., unsatisfied_gates: _Optional[_Iterable[str]] = ...) -> None: ...
