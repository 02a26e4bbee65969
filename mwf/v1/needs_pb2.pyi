import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NeedCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NEED_CATEGORY_UNSPECIFIED: _ClassVar[NeedCategory]
    NEED_CATEGORY_SAFETY: _ClassVar[NeedCategory]
    NEED_CATEGORY_CONNECTION: _ClassVar[NeedCategory]
    NEED_CATEGORY_AUTONOMY: _ClassVar[NeedCategory]
    NEED_CATEGORY_RECOGNITION: _ClassVar[NeedCategory]
    NEED_CATEGORY_MEANING: _ClassVar[NeedCategory]
    NEED_CATEGORY_FAIRNESS: _ClassVar[NeedCategory]

class NeedStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NEED_STATUS_UNSPECIFIED: _ClassVar[NeedStatus]
    NEED_STATUS_DRAFT: _ClassVar[NeedStatus]
    NEED_STATUS_LOCKED: _ClassVar[NeedStatus]
    NEED_STATUS_SUPERSEDED: _ClassVar[NeedStatus]
    NEED_STATUS_DELETED: _ClassVar[NeedStatus]

class NeedEditType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NEED_EDIT_TYPE_UNSPECIFIED: _ClassVar[NeedEditType]
    NEED_EDIT_TYPE_ADD: _ClassVar[NeedEditType]
    NEED_EDIT_TYPE_REFINE: _ClassVar[NeedEditType]
    NEED_EDIT_TYPE_DELETE: _ClassVar[NeedEditType]
NEED_CATEGORY_UNSPECIFIED: NeedCategory
NEED_CATEGORY_SAFETY: NeedCategory
NEED_CATEGORY_CONNECTION: NeedCategory
NEED_CATEGORY_AUTONOMY: NeedCategory
NEED_CATEGORY_RECOGNITION: NeedCategory
NEED_CATEGORY_MEANING: NeedCategory
NEED_CATEGORY_FAIRNESS: NeedCategory
NEED_STATUS_UNSPECIFIED: NeedStatus
NEED_STATUS_DRAFT: NeedStatus
NEED_STATUS_LOCKED: NeedStatus
NEED_STATUS_SUPERSEDED: NeedStatus
NEED_STATUS_DELETED: NeedStatus
NEED_EDIT_TYPE_UNSPECIFIED: NeedEditType
NEED_EDIT_TYPE_ADD: NeedEditType
NEED_EDIT_TYPE_REFINE: NeedEditType
NEED_EDIT_TYPE_DELETE: NeedEditType

class IdentifiedNeed(_message.Message):
    __slots__ = ("id", "need", "category", "evidence", "confirmed", "lock_time", "delete_time", "superseded_by_need_id", "status", "ai_confidence", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NEED_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_NEED_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AI_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    need: str
    category: NeedCategory
    evidence: _containers.RepeatedScalarFieldContainer[str]
    confirmed: bool
    lock_time: _timestamp_pb2.Timestamp
    delete_time: _timestamp_pb2.Timestamp
    superseded_by_need_id: str
    status: NeedStatus
    ai_confidence: float
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., need: _Optional[str] = ..., category: _Optional[_Union[NeedCategory, str]] = ..., evidence: _Optional[_Iterable[str]] = ..., confirmed: _Optional[bool] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., superseded_by_need_id: _Optional[str] = ..., status: _Optional[_Union[NeedStatus, str]] = ..., ai_confidence: _Optional[float] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NeedInput(_message.Message):
    __slots__ = ("need", "category", "description", "evidence")
    NEED_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    need: str
    category: NeedCategory
    description: str
    evidence: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, need: _Optional[str] = ..., category: _Optional[_Union[NeedCategory, str]] = ..., description: _Optional[str] = ..., evidence: _Optional[_Iterable[str]] = ...) -> None: ...

class ListNeedsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ListNeedsResponse(_message.Message):
    __slots__ = ("needs", "synthesize_time")
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    SYNTHESIZE_TIME_FIELD_NUMBER: _ClassVar[int]
    needs: _containers.RepeatedCompositeFieldContainer[IdentifiedNeed]
    synthesize_time: _timestamp_pb2.Timestamp
    def __init__(self, needs: _Optional[_Iterable[_Union[IdentifiedNeed, _Mapping]]] = ..., synthesize_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CaptureNeedsRequest(_message.Message):
    __slots__ = ("session_id", "needs")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    needs: _containers.RepeatedCompositeFieldContainer[NeedInput]
    def __init__(self, session_id: _Optional[str] = ..., needs: _Optional[_Iterable[_Union[NeedInput, _Mapping]]] = ...) -> None: ...

class CaptureNeedsResponse(_message.Message):
    __slots__ = ("needs", "capture_time")
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    needs: _containers.RepeatedCompositeFieldContainer[IdentifiedNeed]
    capture_time: _timestamp_pb2.Timestamp
    def __init__(self, needs: _Optional[_Iterable[_Union[IdentifiedNeed, _Mapping]]] = ..., capture_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddNeedRequest(_message.Message):
    __slots__ = ("session_id", "need")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    need: NeedInput
    def __init__(self, session_id: _Optional[str] = ..., need: _Optional[_Union[NeedInput, _Mapping]] = ...) -> None: ...

class AddNeedResponse(_message.Message):
    __slots__ = ("need",)
    NEED_FIELD_NUMBER: _ClassVar[int]
    need: IdentifiedNeed
    def __init__(self, need: _Optional[_Union[IdentifiedNeed, _Mapping]] = ...) -> None: ...

class DeleteNeedRequest(_message.Message):
    __slots__ = ("session_id", "need_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    need_id: str
    def __init__(self, session_id: _Optional[str] = ..., need_id: _Optional[str] = ...) -> None: ...

class DeleteNeedResponse(_message.Message):
    __slots__ = ("need_id", "delete_time")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, need_id: _Optional[str] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NeedAdjustment(_message.Message):
    __slots__ = ("need_id", "confirmed", "correction")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    confirmed: bool
    correction: str
    def __init__(self, need_id: _Optional[str] = ..., confirmed: _Optional[bool] = ..., correction: _Optional[str] = ...) -> None: ...

class ConfirmNeedsRequest(_message.Message):
    __slots__ = ("session_id", "need_ids", "adjustments")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_IDS_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENTS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    need_ids: _containers.RepeatedScalarFieldContainer[str]
    adjustments: _containers.RepeatedCompositeFieldContainer[NeedAdjustment]
    def __init__(self, session_id: _Optional[str] = ..., need_ids: _Optional[_Iterable[str]] = ..., adjustments: _Optional[_Iterable[_Union[NeedAdjustment, _Mapping]]] = ...) -> None: ...

class ConfirmNeedsResponse(_message.Message):
    __slots__ = ("confirmed", "confirm_time", "partner_confirmed", "can_advance")
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    confirmed: bool
    confirm_time: _timestamp_pb2.Timestamp
    partner_confirmed: bool
    can_advance: bool
    def __init__(self, confirmed: _Optional[bool] = ..., confirm_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_confirmed: _Optional[bool] = ..., can_advance: _Optional[bool] = ...) -> None: ...

class ConsentToShareNeedsRequest(_message.Message):
    __slots__ = ("session_id", "need_ids")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_IDS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    need_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., need_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ConsentToShareNeedsResponse(_message.Message):
    __slots__ = ("consented", "share_time", "waiting_for_partner", "needs_reveal_ready", "advanced_to_stage4")
    CONSENTED_FIELD_NUMBER: _ClassVar[int]
    SHARE_TIME_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_PARTNER_FIELD_NUMBER: _ClassVar[int]
    NEEDS_REVEAL_READY_FIELD_NUMBER: _ClassVar[int]
    ADVANCED_TO_STAGE4_FIELD_NUMBER: _ClassVar[int]
    consented: bool
    share_time: _timestamp_pb2.Timestamp
    waiting_for_partner: bool
    needs_reveal_ready: bool
    advanced_to_stage4: bool
    def __init__(self, consented: _Optional[bool] = ..., share_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., waiting_for_partner: _Optional[bool] = ..., needs_reveal_ready: _Optional[bool] = ..., advanced_to_stage4: _Optional[bool] = ...) -> None: ...

class GetNeedsComparisonRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetNeedsComparisonResponse(_message.Message):
    __slots__ = ("my_needs", "partner_needs", "my_validated", "partner_validated", "can_advance", "analysis_complete", "no_overlap")
    MY_NEEDS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_NEEDS_FIELD_NUMBER: _ClassVar[int]
    MY_VALIDATED_FIELD_NUMBER: _ClassVar[int]
    PARTNER_VALIDATED_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    NO_OVERLAP_FIELD_NUMBER: _ClassVar[int]
    my_needs: _containers.RepeatedCompositeFieldContainer[IdentifiedNeed]
    partner_needs: _containers.RepeatedCompositeFieldContainer[IdentifiedNeed]
    my_validated: bool
    partner_validated: bool
    can_advance: bool
    analysis_complete: bool
    no_overlap: bool
    def __init__(self, my_needs: _Optional[_Iterable[_Union[IdentifiedNeed, _Mapping]]] = ..., partner_needs: _Optional[_Iterable[_Union[IdentifiedNeed, _Mapping]]] = ..., my_validated: _Optional[bool] = ..., partner_validated: _Optional[bool] = ..., can_advance: _Optional[bool] = ..., analysis_complete: _Optional[bool] = ..., no_overlap: _Optional[bool] = ...) -> None: ...

class ValidateNeedsRequest(_message.Message):
    __slots__ = ("session_id", "validated")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    validated: bool
    def __init__(self, session_id: _Optional[str] = ..., validated: _Optional[bool] = ...) -> None: ...

class ValidateNeedsResponse(_message.Message):
    __slots__ = ("validated", "validate_time", "partner_validated", "can_advance")
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_VALIDATED_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    validated: bool
    validate_time: _timestamp_pb2.Timestamp
    partner_validated: bool
    can_advance: bool
    def __init__(self, validated: _Optional[bool] = ..., validate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_validated: _Optional[bool] = ..., can_advance: _Optional[bool] = ...) -> None: ...

class NeedEditOperation(_message.Message):
    __slots__ = ("type", "need_id", "need", "category")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    type: NeedEditType
    need_id: str
    need: str
    category: NeedCategory
    def __init__(self, type: _Optional[_Union[NeedEditType, str]] = ..., need_id: _Optional[str] = ..., need: _Optional[str] = ..., category: _Optional[_Union[NeedCategory, str]] = ...) -> None: ...

class InterpretNeedEditRequest(_message.Message):
    __slots__ = ("session_id", "request", "target_need_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    TARGET_NEED_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    request: str
    target_need_id: str
    def __init__(self, session_id: _Optional[str] = ..., request: _Optional[str] = ..., target_need_id: _Optional[str] = ...) -> None: ...

class InterpretNeedEditResponse(_message.Message):
    __slots__ = ("operations", "fallback")
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[NeedEditOperation]
    fallback: bool
    def __init__(self, operations: _Optional[_Iterable[_Union[NeedEditOperation, _Mapping]]] = ..., fallback: _Optional[bool] = ...) -> None: ...

class ApplyNeedEditsRequest(_message.Message):
    __slots__ = ("session_id", "operations")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    operations: _containers.RepeatedCompositeFieldContainer[NeedEditOperation]
    def __init__(self, session_id: _Optional[str] = ..., operations: _Optional[_Iterable[_Union[NeedEditOperation, _Mapping]]] = ...) -> None: ...

class ApplyNeedEditsResponse(_message.Message):
    __slots__ = ("applied_count", "needs")
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    applied_count: int
    needs: _containers.RepeatedCompositeFieldContainer[IdentifiedNeed]
    def __init__(self, applied_count: _Optional[int] = ..., needs: _Optional[_Iterable[_Union[IdentifiedNeed, _Mapping]]] = ...) -> None: ...
