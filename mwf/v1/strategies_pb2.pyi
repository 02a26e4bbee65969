import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StrategyPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STRATEGY_PHASE_UNSPECIFIED: _ClassVar[StrategyPhase]
    STRATEGY_PHASE_COLLECTING: _ClassVar[StrategyPhase]
    STRATEGY_PHASE_RANKING: _ClassVar[StrategyPhase]
    STRATEGY_PHASE_REVEALING: _ClassVar[StrategyPhase]

class SessionAgreementType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_AGREEMENT_TYPE_UNSPECIFIED: _ClassVar[SessionAgreementType]
    SESSION_AGREEMENT_TYPE_MICRO_EXPERIMENT: _ClassVar[SessionAgreementType]
    SESSION_AGREEMENT_TYPE_COMMITMENT: _ClassVar[SessionAgreementType]
    SESSION_AGREEMENT_TYPE_CHECK_IN: _ClassVar[SessionAgreementType]
    SESSION_AGREEMENT_TYPE_HYBRID: _ClassVar[SessionAgreementType]

class SessionAgreementStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_AGREEMENT_STATUS_UNSPECIFIED: _ClassVar[SessionAgreementStatus]
    SESSION_AGREEMENT_STATUS_PROPOSED: _ClassVar[SessionAgreementStatus]
    SESSION_AGREEMENT_STATUS_AGREED: _ClassVar[SessionAgreementStatus]
    SESSION_AGREEMENT_STATUS_IN_PROGRESS: _ClassVar[SessionAgreementStatus]
    SESSION_AGREEMENT_STATUS_COMPLETED: _ClassVar[SessionAgreementStatus]
    SESSION_AGREEMENT_STATUS_ABANDONED: _ClassVar[SessionAgreementStatus]
STRATEGY_PHASE_UNSPECIFIED: StrategyPhase
STRATEGY_PHASE_COLLECTING: StrategyPhase
STRATEGY_PHASE_RANKING: StrategyPhase
STRATEGY_PHASE_REVEALING: StrategyPhase
SESSION_AGREEMENT_TYPE_UNSPECIFIED: SessionAgreementType
SESSION_AGREEMENT_TYPE_MICRO_EXPERIMENT: SessionAgreementType
SESSION_AGREEMENT_TYPE_COMMITMENT: SessionAgreementType
SESSION_AGREEMENT_TYPE_CHECK_IN: SessionAgreementType
SESSION_AGREEMENT_TYPE_HYBRID: SessionAgreementType
SESSION_AGREEMENT_STATUS_UNSPECIFIED: SessionAgreementStatus
SESSION_AGREEMENT_STATUS_PROPOSED: SessionAgreementStatus
SESSION_AGREEMENT_STATUS_AGREED: SessionAgreementStatus
SESSION_AGREEMENT_STATUS_IN_PROGRESS: SessionAgreementStatus
SESSION_AGREEMENT_STATUS_COMPLETED: SessionAgreementStatus
SESSION_AGREEMENT_STATUS_ABANDONED: SessionAgreementStatus

class RankableStrategy(_message.Message):
    __slots__ = ("id", "description", "needs_addressed", "duration", "measure_of_success")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ADDRESSED_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MEASURE_OF_SUCCESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    needs_addressed: _containers.RepeatedScalarFieldContainer[str]
    duration: str
    measure_of_success: str
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., needs_addressed: _Optional[_Iterable[str]] = ..., duration: _Optional[str] = ..., measure_of_success: _Optional[str] = ...) -> None: ...

class SessionAgreement(_message.Message):
    __slots__ = ("id", "strategy_id", "description", "type", "status", "agreed_by_me", "agreed_by_partner", "agree_time", "follow_up_time", "duration", "measure_of_success")
    ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AGREED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    AGREED_BY_PARTNER_FIELD_NUMBER: _ClassVar[int]
    AGREE_TIME_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MEASURE_OF_SUCCESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    strategy_id: str
    description: str
    type: SessionAgreementType
    status: SessionAgreementStatus
    agreed_by_me: bool
    agreed_by_partner: bool
    agree_time: _timestamp_pb2.Timestamp
    follow_up_time: _timestamp_pb2.Timestamp
    duration: str
    measure_of_success: str
    def __init__(self, id: _Optional[str] = ..., strategy_id: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[SessionAgreementType, str]] = ..., status: _Optional[_Union[SessionAgreementStatus, str]] = ..., agreed_by_me: _Optional[bool] = ..., agreed_by_partner: _Optional[bool] = ..., agree_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., follow_up_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[str] = ..., measure_of_success: _Optional[str] = ...) -> None: ...

class ListStrategiesRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ListStrategiesResponse(_message.Message):
    __slots__ = ("strategies", "phase", "ai_suggestions_available", "my_ready_to_rank", "partner_ready_to_rank", "can_mark_ready_to_rank", "can_rank", "rankable_strategy_count")
    STRATEGIES_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    AI_SUGGESTIONS_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    MY_READY_TO_RANK_FIELD_NUMBER: _ClassVar[int]
    PARTNER_READY_TO_RANK_FIELD_NUMBER: _ClassVar[int]
    CAN_MARK_READY_TO_RANK_FIELD_NUMBER: _ClassVar[int]
    CAN_RANK_FIELD_NUMBER: _ClassVar[int]
    RANKABLE_STRATEGY_COUNT_FIELD_NUMBER: _ClassVar[int]
    strategies: _containers.RepeatedCompositeFieldContainer[RankableStrategy]
    phase: StrategyPhase
    ai_suggestions_available: bool
    my_ready_to_rank: bool
    partner_ready_to_rank: bool
    can_mark_ready_to_rank: bool
    can_rank: bool
    rankable_strategy_count: int
    def __init__(self, strategies: _Optional[_Iterable[_Union[RankableStrategy, _Mapping]]] = ..., phase: _Optional[_Union[StrategyPhase, str]] = ..., ai_suggestions_available: _Optional[bool] = ..., my_ready_to_rank: _Optional[bool] = ..., partner_ready_to_rank: _Optional[bool] = ..., can_mark_ready_to_rank: _Optional[bool] = ..., can_rank: _Optional[bool] = ..., rankable_strategy_count: _Optional[int] = ...) -> None: ...

class ProposeStrategyRequest(_message.Message):
    __slots__ = ("session_id", "description", "needs_addressed", "duration", "measure_of_success")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ADDRESSED_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MEASURE_OF_SUCCESS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    description: str
    needs_addressed: _containers.RepeatedScalarFieldContainer[str]
    duration: str
    measure_of_success: str
    def __init__(self, session_id: _Optional[str] = ..., description: _Optional[str] = ..., needs_addressed: _Optional[_Iterable[str]] = ..., duration: _Optional[str] = ..., measure_of_success: _Optional[str] = ...) -> None: ...

class ProposeStrategyResponse(_message.Message):
    __slots__ = ("strategy", "create_time")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    strategy: RankableStrategy
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, strategy: _Optional[_Union[RankableStrategy, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MarkReadyToRankRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class MarkReadyToRankResponse(_message.Message):
    __slots__ = ("ready", "ready_time", "partner_ready", "can_start_ranking")
    READY_FIELD_NUMBER: _ClassVar[int]
    READY_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_READY_FIELD_NUMBER: _ClassVar[int]
    CAN_START_RANKING_FIELD_NUMBER: _ClassVar[int]
    ready: bool
    ready_time: _timestamp_pb2.Timestamp
    partner_ready: bool
    can_start_ranking: bool
    def __init__(self, ready: _Optional[bool] = ..., ready_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_ready: _Optional[bool] = ..., can_start_ranking: _Optional[bool] = ...) -> None: ...

class SubmitRankingRequest(_message.Message):
    __slots__ = ("session_id", "ranked_ids")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RANKED_IDS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    ranked_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., ranked_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SubmitRankingResponse(_message.Message):
    __slots__ = ("submitted", "submit_time", "partner_submitted", "can_reveal")
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    CAN_REVEAL_FIELD_NUMBER: _ClassVar[int]
    submitted: bool
    submit_time: _timestamp_pb2.Timestamp
    partner_submitted: bool
    can_reveal: bool
    def __init__(self, submitted: _Optional[bool] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_submitted: _Optional[bool] = ..., can_reveal: _Optional[bool] = ...) -> None: ...

class GetStrategyOverlapRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetStrategyOverlapResponse(_message.Message):
    __slots__ = ("revealed", "overlap", "waiting_for_partner", "agreement_candidates")
    REVEALED_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_PARTNER_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    revealed: bool
    overlap: _containers.RepeatedCompositeFieldContainer[RankableStrategy]
    waiting_for_partner: bool
    agreement_candidates: _containers.RepeatedCompositeFieldContainer[RankableStrategy]
    def __init__(self, revealed: _Optional[bool] = ..., overlap: _Optional[_Iterable[_Union[RankableStrategy, _Mapping]]] = ..., waiting_for_partner: _Optional[bool] = ..., agreement_candidates: _Optional[_Iterable[_Union[RankableStrategy, _Mapping]]] = ...) -> None: ...

class ProposeAgreementRequest(_message.Message):
    __slots__ = ("session_id", "strategy_id", "description", "type", "duration", "measure_of_success", "follow_up_time")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MEASURE_OF_SUCCESS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_TIME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    strategy_id: str
    description: str
    type: SessionAgreementType
    duration: str
    measure_of_success: str
    follow_up_time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., strategy_id: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[SessionAgreementType, str]] = ..., duration: _Optional[str] = ..., measure_of_success: _Optional[str] = ..., follow_up_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ProposeAgreementResponse(_message.Message):
    __slots__ = ("agreement", "awaiting_partner_confirmation")
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    AWAITING_PARTNER_CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    agreement: SessionAgreement
    awaiting_partner_confirmation: bool
    def __init__(self, agreement: _Optional[_Union[SessionAgreement, _Mapping]] = ..., awaiting_partner_confirmation: _Optional[bool] = ...) -> None: ...

class ListAgreementsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ListAgreementsResponse(_message.Message):
    __slots__ = ("agreements",)
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    agreements: _containers.RepeatedCompositeFieldContainer[SessionAgreement]
    def __init__(self, agreements: _Optional[_Iterable[_Union[SessionAgreement, _Mapping]]] = ...) -> None: ...

class ConfirmAgreementRequest(_message.Message):
    __slots__ = ("session_id", "agreement_id", "confirmed")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    agreement_id: str
    confirmed: bool
    def __init__(self, session_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., confirmed: _Optional[bool] = ...) -> None: ...

class ConfirmAgreementResponse(_message.Message):
    __slots__ = ("agreement", "session_can_resolve", "session_resolved")
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    SESSION_CAN_RESOLVE_FIELD_NUMBER: _ClassVar[int]
    SESSION_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    agreement: SessionAgreement
    session_can_resolve: bool
    session_resolved: bool
    def __init__(self, agreement: _Optional[_Union[SessionAgreement, _Mapping]] = ..., session_can_resolve: _Optional[bool] = ..., session_resolved: _Optional[bool] = ...) -> None: ...

class ResolveSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ResolveSessionResponse(_message.Message):
    __slots__ = ("resolved", "resolve_time", "agreements", "follow_up_scheduled")
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    resolved: bool
    resolve_time: _timestamp_pb2.Timestamp
    agreements: _containers.RepeatedCompositeFieldContainer[SessionAgreement]
    follow_up_scheduled: bool
    def __init__(self, resolved: _Optional[bool] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., agreements: _Optional[_Iterable[_Union[SessionAgreement, _Mapping]]] = ..., follow_up_scheduled: _Optional[bool] = ...) -> None: ...
