import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReconcilerAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECONCILER_ACTION_UNSPECIFIED: _ClassVar[ReconcilerAction]
    RECONCILER_ACTION_PROCEED: _ClassVar[ReconcilerAction]
    RECONCILER_ACTION_OFFER_OPTIONAL: _ClassVar[ReconcilerAction]
    RECONCILER_ACTION_OFFER_SHARING: _ClassVar[ReconcilerAction]

class ShareOfferAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHARE_OFFER_ACTION_UNSPECIFIED: _ClassVar[ShareOfferAction]
    SHARE_OFFER_ACTION_ACCEPT: _ClassVar[ShareOfferAction]
    SHARE_OFFER_ACTION_DECLINE: _ClassVar[ShareOfferAction]
    SHARE_OFFER_ACTION_REFINE: _ClassVar[ShareOfferAction]
RECONCILER_ACTION_UNSPECIFIED: ReconcilerAction
RECONCILER_ACTION_PROCEED: ReconcilerAction
RECONCILER_ACTION_OFFER_OPTIONAL: ReconcilerAction
RECONCILER_ACTION_OFFER_SHARING: ReconcilerAction
SHARE_OFFER_ACTION_UNSPECIFIED: ShareOfferAction
SHARE_OFFER_ACTION_ACCEPT: ShareOfferAction
SHARE_OFFER_ACTION_DECLINE: ShareOfferAction
SHARE_OFFER_ACTION_REFINE: ShareOfferAction

class ShareSuggestion(_message.Message):
    __slots__ = ("offer_id", "guesser_name", "suggested_share_focus", "suggested_content", "reason", "can_refine", "action")
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    GUESSER_NAME_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_SHARE_FOCUS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CAN_REFINE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    offer_id: str
    guesser_name: str
    suggested_share_focus: str
    suggested_content: str
    reason: str
    can_refine: bool
    action: ReconcilerAction
    def __init__(self, offer_id: _Optional[str] = ..., guesser_name: _Optional[str] = ..., suggested_share_focus: _Optional[str] = ..., suggested_content: _Optional[str] = ..., reason: _Optional[str] = ..., can_refine: _Optional[bool] = ..., action: _Optional[_Union[ReconcilerAction, str]] = ...) -> None: ...

class GetShareOfferRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetShareOfferResponse(_message.Message):
    __slots__ = ("has_suggestion", "suggestion")
    HAS_SUGGESTION_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_FIELD_NUMBER: _ClassVar[int]
    has_suggestion: bool
    suggestion: ShareSuggestion
    def __init__(self, has_suggestion: _Optional[bool] = ..., suggestion: _Optional[_Union[ShareSuggestion, _Mapping]] = ...) -> None: ...

class RespondToShareOfferRequest(_message.Message):
    __slots__ = ("session_id", "action", "refined_content")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REFINED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    action: ShareOfferAction
    refined_content: str
    def __init__(self, session_id: _Optional[str] = ..., action: _Optional[_Union[ShareOfferAction, str]] = ..., refined_content: _Optional[str] = ...) -> None: ...

class RespondToShareOfferResponse(_message.Message):
    __slots__ = ("status", "shared_content", "guesser_updated")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHARED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    GUESSER_UPDATED_FIELD_NUMBER: _ClassVar[int]
    status: str
    shared_content: str
    guesser_updated: bool
    def __init__(self, status: _Optional[str] = ..., shared_content: _Optional[str] = ..., guesser_updated: _Optional[bool] = ...) -> None: ...

class SkipShareOfferRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class SkipShareOfferResponse(_message.Message):
    __slots__ = ("status", "message")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    status: str
    message: str
    def __init__(self, status: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ReconcilerDirection(_message.Message):
    __slots__ = ("guesser_id", "subject_id", "has_result", "recommended_action", "gap_severity", "attempt_status", "analyze_time")
    GUESSER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_RESULT_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDED_ACTION_FIELD_NUMBER: _ClassVar[int]
    GAP_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_STATUS_FIELD_NUMBER: _ClassVar[int]
    ANALYZE_TIME_FIELD_NUMBER: _ClassVar[int]
    guesser_id: str
    subject_id: str
    has_result: bool
    recommended_action: ReconcilerAction
    gap_severity: str
    attempt_status: str
    analyze_time: _timestamp_pb2.Timestamp
    def __init__(self, guesser_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., has_result: _Optional[bool] = ..., recommended_action: _Optional[_Union[ReconcilerAction, str]] = ..., gap_severity: _Optional[str] = ..., attempt_status: _Optional[str] = ..., analyze_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetReconcilerStatusRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetReconcilerStatusResponse(_message.Message):
    __slots__ = ("session_id", "has_run", "a_understanding_b", "b_understanding_a", "pending_share_offers", "ready_for_stage3")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_RUN_FIELD_NUMBER: _ClassVar[int]
    A_UNDERSTANDING_B_FIELD_NUMBER: _ClassVar[int]
    B_UNDERSTANDING_A_FIELD_NUMBER: _ClassVar[int]
    PENDING_SHARE_OFFERS_FIELD_NUMBER: _ClassVar[int]
    READY_FOR_STAGE3_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    has_run: bool
    a_understanding_b: ReconcilerDirection
    b_understanding_a: ReconcilerDirection
    pending_share_offers: int
    ready_for_stage3: bool
    def __init__(self, session_id: _Optional[str] = ..., has_run: _Optional[bool] = ..., a_understanding_b: _Optional[_Union[ReconcilerDirection, _Mapping]] = ..., b_understanding_a: _Optional[_Union[ReconcilerDirection, _Mapping]] = ..., pending_share_offers: _Optional[int] = ..., ready_for_stage3: _Optional[bool] = ...) -> None: ...

class GetReconcilerSummaryRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetReconcilerSummaryResponse(_message.Message):
    __slots__ = ("summary", "ready_for_next_stage")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    READY_FOR_NEXT_STAGE_FIELD_NUMBER: _ClassVar[int]
    summary: str
    ready_for_next_stage: bool
    def __init__(self, summary: _Optional[str] = ..., ready_for_next_stage: _Optional[bool] = ...) -> None: ...
