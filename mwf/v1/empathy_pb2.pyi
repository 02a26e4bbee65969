import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mwf.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmpathyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMPATHY_STATUS_UNSPECIFIED: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_HELD: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_ANALYZING: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_AWAITING_SHARING: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_REFINING: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_NEEDS_WORK: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_READY: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_REVEALED: _ClassVar[EmpathyStatus]
    EMPATHY_STATUS_VALIDATED: _ClassVar[EmpathyStatus]

class EmpathyDeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMPATHY_DELIVERY_STATUS_UNSPECIFIED: _ClassVar[EmpathyDeliveryStatus]
    EMPATHY_DELIVERY_STATUS_PENDING: _ClassVar[EmpathyDeliveryStatus]
    EMPATHY_DELIVERY_STATUS_DELIVERED: _ClassVar[EmpathyDeliveryStatus]
    EMPATHY_DELIVERY_STATUS_SEEN: _ClassVar[EmpathyDeliveryStatus]
EMPATHY_STATUS_UNSPECIFIED: EmpathyStatus
EMPATHY_STATUS_HELD: EmpathyStatus
EMPATHY_STATUS_ANALYZING: EmpathyStatus
EMPATHY_STATUS_AWAITING_SHARING: EmpathyStatus
EMPATHY_STATUS_REFINING: EmpathyStatus
EMPATHY_STATUS_NEEDS_WORK: EmpathyStatus
EMPATHY_STATUS_READY: EmpathyStatus
EMPATHY_STATUS_REVEALED: EmpathyStatus
EMPATHY_STATUS_VALIDATED: EmpathyStatus
EMPATHY_DELIVERY_STATUS_UNSPECIFIED: EmpathyDeliveryStatus
EMPATHY_DELIVERY_STATUS_PENDING: EmpathyDeliveryStatus
EMPATHY_DELIVERY_STATUS_DELIVERED: EmpathyDeliveryStatus
EMPATHY_DELIVERY_STATUS_SEEN: EmpathyDeliveryStatus

class EmpathyDraft(_message.Message):
    __slots__ = ("id", "content", "ready_to_share", "version", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    READY_TO_SHARE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    content: str
    ready_to_share: bool
    version: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., content: _Optional[str] = ..., ready_to_share: _Optional[bool] = ..., version: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EmpathyAttempt(_message.Message):
    __slots__ = ("id", "source_user_id", "content", "share_time", "consent_record_id", "status", "reveal_time", "validate_time", "revision_count", "status_version", "delivery_status")
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SHARE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONSENT_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVEAL_TIME_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVISION_COUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    source_user_id: str
    content: str
    share_time: _timestamp_pb2.Timestamp
    consent_record_id: str
    status: EmpathyStatus
    reveal_time: _timestamp_pb2.Timestamp
    validate_time: _timestamp_pb2.Timestamp
    revision_count: int
    status_version: int
    delivery_status: EmpathyDeliveryStatus
    def __init__(self, id: _Optional[str] = ..., source_user_id: _Optional[str] = ..., content: _Optional[str] = ..., share_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., consent_record_id: _Optional[str] = ..., status: _Optional[_Union[EmpathyStatus, str]] = ..., reveal_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., validate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision_count: _Optional[int] = ..., status_version: _Optional[int] = ..., delivery_status: _Optional[_Union[EmpathyDeliveryStatus, str]] = ...) -> None: ...

class EmpathySharedContext(_message.Message):
    __slots__ = ("content", "share_time")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SHARE_TIME_FIELD_NUMBER: _ClassVar[int]
    content: str
    share_time: _timestamp_pb2.Timestamp
    def __init__(self, content: _Optional[str] = ..., share_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EmpathyRefinementHint(_message.Message):
    __slots__ = ("area_hint", "guidance_type", "prompt_seed")
    AREA_HINT_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PROMPT_SEED_FIELD_NUMBER: _ClassVar[int]
    area_hint: str
    guidance_type: str
    prompt_seed: str
    def __init__(self, area_hint: _Optional[str] = ..., guidance_type: _Optional[str] = ..., prompt_seed: _Optional[str] = ...) -> None: ...

class EmpathyReconcilerSummary(_message.Message):
    __slots__ = ("gap_severity", "action", "analyze_time", "gap_summary")
    GAP_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ANALYZE_TIME_FIELD_NUMBER: _ClassVar[int]
    GAP_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    gap_severity: str
    action: str
    analyze_time: _timestamp_pb2.Timestamp
    gap_summary: str
    def __init__(self, gap_severity: _Optional[str] = ..., action: _Optional[str] = ..., analyze_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., gap_summary: _Optional[str] = ...) -> None: ...

class EmpathyExchangeStatus(_message.Message):
    __slots__ = ("my_attempt", "partner_attempt", "partner_completed_stage1", "analyzing", "awaiting_sharing", "has_new_shared_context", "has_unviewed_shared_context", "shared_context", "refinement_hint", "ready_for_stage3", "message_count_since_shared_context", "shared_content_delivery_status", "my_shared_context", "my_share_time", "my_reconciler_result", "partner_has_submitted_empathy", "partner_empathy_held_status", "partner_empathy_submit_time")
    MY_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_COMPLETED_STAGE1_FIELD_NUMBER: _ClassVar[int]
    ANALYZING_FIELD_NUMBER: _ClassVar[int]
    AWAITING_SHARING_FIELD_NUMBER: _ClassVar[int]
    HAS_NEW_SHARED_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    HAS_UNVIEWED_SHARED_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SHARED_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REFINEMENT_HINT_FIELD_NUMBER: _ClassVar[int]
    READY_FOR_STAGE3_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_SINCE_SHARED_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SHARED_CONTENT_DELIVERY_STATUS_FIELD_NUMBER: _ClassVar[int]
    MY_SHARED_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MY_SHARE_TIME_FIELD_NUMBER: _ClassVar[int]
    MY_RECONCILER_RESULT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_HAS_SUBMITTED_EMPATHY_FIELD_NUMBER: _ClassVar[int]
    PARTNER_EMPATHY_HELD_STATUS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_EMPATHY_SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    my_attempt: EmpathyAttempt
    partner_attempt: EmpathyAttempt
    partner_completed_stage1: bool
    analyzing: bool
    awaiting_sharing: bool
    has_new_shared_context: bool
    has_unviewed_shared_context: bool
    shared_context: EmpathySharedContext
    refinement_hint: EmpathyRefinementHint
    ready_for_stage3: bool
    message_count_since_shared_context: int
    shared_content_delivery_status: str
    my_shared_context: str
    my_share_time: _timestamp_pb2.Timestamp
    my_reconciler_result: EmpathyReconcilerSummary
    partner_has_submitted_empathy: bool
    partner_empathy_held_status: EmpathyStatus
    partner_empathy_submit_time: _timestamp_pb2.Timestamp
    def __init__(self, my_attempt: _Optional[_Union[EmpathyAttempt, _Mapping]] = ..., partner_attempt: _Optional[_Union[EmpathyAttempt, _Mapping]] = ..., partner_completed_stage1: _Optional[bool] = ..., analyzing: _Optional[bool] = ..., awaiting_sharing: _Optional[bool] = ..., has_new_shared_context: _Optional[bool] = ..., has_unviewed_shared_context: _Optional[bool] = ..., shared_context: _Optional[_Union[EmpathySharedContext, _Mapping]] = ..., refinement_hint: _Optional[_Union[EmpathyRefinementHint, _Mapping]] = ..., ready_for_stage3: _Optional[bool] = ..., message_count_since_shared_context: _Optional[int] = ..., shared_content_delivery_status: _Optional[str] = ..., my_shared_context: _Optional[str] = ..., my_share_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., my_reconciler_result: _Optional[_Union[EmpathyReconcilerSummary, _Mapping]] = ..., partner_has_submitted_empathy: _Optional[bool] = ..., partner_empathy_held_status: _Optional[_Union[EmpathyStatus, str]] = ..., partner_empathy_submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SaveEmpathyDraftRequest(_message.Message):
    __slots__ = ("session_id", "content", "ready_to_share")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    READY_TO_SHARE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    content: str
    ready_to_share: bool
    def __init__(self, session_id: _Optional[str] = ..., content: _Optional[str] = ..., ready_to_share: _Optional[bool] = ...) -> None: ...

class SaveEmpathyDraftResponse(_message.Message):
    __slots__ = ("draft_id", "save_time", "ready_to_share")
    DRAFT_ID_FIELD_NUMBER: _ClassVar[int]
    SAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    READY_TO_SHARE_FIELD_NUMBER: _ClassVar[int]
    draft_id: str
    save_time: _timestamp_pb2.Timestamp
    ready_to_share: bool
    def __init__(self, draft_id: _Optional[str] = ..., save_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ready_to_share: _Optional[bool] = ...) -> None: ...

class GetEmpathyDraftRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetEmpathyDraftResponse(_message.Message):
    __slots__ = ("draft", "can_consent", "already_consented")
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    CAN_CONSENT_FIELD_NUMBER: _ClassVar[int]
    ALREADY_CONSENTED_FIELD_NUMBER: _ClassVar[int]
    draft: EmpathyDraft
    can_consent: bool
    already_consented: bool
    def __init__(self, draft: _Optional[_Union[EmpathyDraft, _Mapping]] = ..., can_consent: _Optional[bool] = ..., already_consented: _Optional[bool] = ...) -> None: ...

class ConsentToShareEmpathyRequest(_message.Message):
    __slots__ = ("session_id", "consent")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    consent: bool
    def __init__(self, session_id: _Optional[str] = ..., consent: _Optional[bool] = ...) -> None: ...

class ConsentToShareEmpathyResponse(_message.Message):
    __slots__ = ("consented", "consent_time", "partner_consented", "can_reveal", "status", "empathy_message", "transition_message")
    CONSENTED_FIELD_NUMBER: _ClassVar[int]
    CONSENT_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_CONSENTED_FIELD_NUMBER: _ClassVar[int]
    CAN_REVEAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EMPATHY_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    consented: bool
    consent_time: _timestamp_pb2.Timestamp
    partner_consented: bool
    can_reveal: bool
    status: EmpathyStatus
    empathy_message: _types_pb2.Message
    transition_message: _types_pb2.Message
    def __init__(self, consented: _Optional[bool] = ..., consent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_consented: _Optional[bool] = ..., can_reveal: _Optional[bool] = ..., status: _Optional[_Union[EmpathyStatus, str]] = ..., empathy_message: _Optional[_Union[_types_pb2.Message, _Mapping]] = ..., transition_message: _Optional[_Union[_types_pb2.Message, _Mapping]] = ...) -> None: ...

class GetPartnerEmpathyRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetPartnerEmpathyResponse(_message.Message):
    __slots__ = ("attempt", "waiting_for_partner", "partner_status", "validated", "validate_time", "awaiting_revision")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_PARTNER_FIELD_NUMBER: _ClassVar[int]
    PARTNER_STATUS_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    AWAITING_REVISION_FIELD_NUMBER: _ClassVar[int]
    attempt: EmpathyAttempt
    waiting_for_partner: bool
    partner_status: EmpathyStatus
    validated: bool
    validate_time: _timestamp_pb2.Timestamp
    awaiting_revision: bool
    def __init__(self, attempt: _Optional[_Union[EmpathyAttempt, _Mapping]] = ..., waiting_for_partner: _Optional[bool] = ..., partner_status: _Optional[_Union[EmpathyStatus, str]] = ..., validated: _Optional[bool] = ..., validate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., awaiting_revision: _Optional[bool] = ...) -> None: ...

class GetEmpathyStatusRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetEmpathyStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: EmpathyExchangeStatus
    def __init__(self, status: _Optional[_Union[EmpathyExchangeStatus, _Mapping]] = ...) -> None: ...

class ValidateEmpathyRequest(_message.Message):
    __slots__ = ("session_id", "validated", "feedback")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    validated: bool
    feedback: str
    def __init__(self, session_id: _Optional[str] = ..., validated: _Optional[bool] = ..., feedback: _Optional[str] = ...) -> None: ...

class ValidateEmpathyResponse(_message.Message):
    __slots__ = ("validated", "validate_time", "feedback_shared", "awaiting_revision", "can_advance", "partner_validated")
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_SHARED_FIELD_NUMBER: _ClassVar[int]
    AWAITING_REVISION_FIELD_NUMBER: _ClassVar[int]
    CAN_ADVANCE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_VALIDATED_FIELD_NUMBER: _ClassVar[int]
    validated: bool
    validate_time: _timestamp_pb2.Timestamp
    feedback_shared: bool
    awaiting_revision: bool
    can_advance: bool
    partner_validated: bool
    def __init__(self, validated: _Optional[bool] = ..., validate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., feedback_shared: _Optional[bool] = ..., awaiting_revision: _Optional[bool] = ..., can_advance: _Optional[bool] = ..., partner_validated: _Optional[bool] = ...) -> None: ...

class ResubmitEmpathyRequest(_message.Message):
    __slots__ = ("session_id", "content")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    content: str
    def __init__(self, session_id: _Optional[str] = ..., content: _Optional[str] = ...) -> None: ...

class ResubmitEmpathyResponse(_message.Message):
    __slots__ = ("status", "message", "empathy_message", "transition_message")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EMPATHY_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    status: EmpathyStatus
    message: str
    empathy_message: _types_pb2.Message
    transition_message: _types_pb2.Message
    def __init__(self, status: _Optional[_Union[EmpathyStatus, str]] = ..., message: _Optional[str] = ..., empathy_message: _Optional[_Union[_types_pb2.Message, _Mapping]] = ..., transition_message: _Optional[_Union[_types_pb2.Message, _Mapping]] = ...) -> None: ...

class SkipEmpathyRefinementRequest(_message.Message):
    __slots__ = ("session_id", "willing_to_accept", "reason")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    WILLING_TO_ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    willing_to_accept: bool
    reason: str
    def __init__(self, session_id: _Optional[str] = ..., willing_to_accept: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class SkipEmpathyRefinementResponse(_message.Message):
    __slots__ = ("success",)
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    success: bool
    def __init__(self, success: _Optional[bool] = ...) -> None: ...

class SaveValidationFeedbackDraftRequest(_message.Message):
    __slots__ = ("session_id", "content", "ready_to_share")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    READY_TO_SHARE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    content: str
    ready_to_share: bool
    def __init__(self, session_id: _Optional[str] = ..., content: _Optional[str] = ..., ready_to_share: _Optional[bool] = ...) -> None: ...

class SaveValidationFeedbackDraftResponse(_message.Message):
    __slots__ = ("success", "draft_id", "save_time")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DRAFT_ID_FIELD_NUMBER: _ClassVar[int]
    SAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    success: bool
    draft_id: str
    save_time: _timestamp_pb2.Timestamp
    def __init__(self, success: _Optional[bool] = ..., draft_id: _Optional[str] = ..., save_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
