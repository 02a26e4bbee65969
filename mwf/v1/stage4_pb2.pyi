import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Stage4Need(_message.Message):
    __slots__ = ("id", "label", "owner", "coverage", "covering_proposal_ids", "declined_by_me")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    COVERING_PROPOSAL_IDS_FIELD_NUMBER: _ClassVar[int]
    DECLINED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    owner: str
    coverage: str
    covering_proposal_ids: _containers.RepeatedScalarFieldContainer[str]
    declined_by_me: bool
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., owner: _Optional[str] = ..., coverage: _Optional[str] = ..., covering_proposal_ids: _Optional[_Iterable[str]] = ..., declined_by_me: _Optional[bool] = ...) -> None: ...

class Stage4NeedRef(_message.Message):
    __slots__ = ("id", "label", "coverage")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    coverage: str
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., coverage: _Optional[str] = ...) -> None: ...

class ProposalCard(_message.Message):
    __slots__ = ("id", "kind", "description", "source_label", "owner_label", "needs_addressed", "duration", "measure_of_success", "status", "my_decision", "partner_decision_visible", "partner_decision", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_LABEL_FIELD_NUMBER: _ClassVar[int]
    OWNER_LABEL_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ADDRESSED_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MEASURE_OF_SUCCESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MY_DECISION_FIELD_NUMBER: _ClassVar[int]
    PARTNER_DECISION_VISIBLE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_DECISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    description: str
    source_label: str
    owner_label: str
    needs_addressed: _containers.RepeatedCompositeFieldContainer[Stage4NeedRef]
    duration: str
    measure_of_success: str
    status: str
    my_decision: str
    partner_decision_visible: bool
    partner_decision: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., source_label: _Optional[str] = ..., owner_label: _Optional[str] = ..., needs_addressed: _Optional[_Iterable[_Union[Stage4NeedRef, _Mapping]]] = ..., duration: _Optional[str] = ..., measure_of_success: _Optional[str] = ..., status: _Optional[str] = ..., my_decision: _Optional[str] = ..., partner_decision_visible: _Optional[bool] = ..., partner_decision: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Stage4Selection(_message.Message):
    __slots__ = ("proposal_id", "decision", "note", "update_time")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    decision: str
    note: str
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, proposal_id: _Optional[str] = ..., decision: _Optional[str] = ..., note: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Stage4ProposalGroup(_message.Message):
    __slots__ = ("need_id", "proposal_ids")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_IDS_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    proposal_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, need_id: _Optional[str] = ..., proposal_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Stage4Walkthrough(_message.Message):
    __slots__ = ("phase", "current_need", "current_index", "total_in_phase", "own_needs", "partner_needs", "proposal_groups", "quality_warnings", "default_check_in_time")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_NEED_FIELD_NUMBER: _ClassVar[int]
    CURRENT_INDEX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_IN_PHASE_FIELD_NUMBER: _ClassVar[int]
    OWN_NEEDS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_NEEDS_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_GROUPS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CHECK_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    phase: str
    current_need: Stage4Need
    current_index: int
    total_in_phase: int
    own_needs: _containers.RepeatedCompositeFieldContainer[Stage4Need]
    partner_needs: _containers.RepeatedCompositeFieldContainer[Stage4Need]
    proposal_groups: _containers.RepeatedCompositeFieldContainer[Stage4ProposalGroup]
    quality_warnings: _containers.RepeatedScalarFieldContainer[str]
    default_check_in_time: _timestamp_pb2.Timestamp
    def __init__(self, phase: _Optional[str] = ..., current_need: _Optional[_Union[Stage4Need, _Mapping]] = ..., current_index: _Optional[int] = ..., total_in_phase: _Optional[int] = ..., own_needs: _Optional[_Iterable[_Union[Stage4Need, _Mapping]]] = ..., partner_needs: _Optional[_Iterable[_Union[Stage4Need, _Mapping]]] = ..., proposal_groups: _Optional[_Iterable[_Union[Stage4ProposalGroup, _Mapping]]] = ..., quality_warnings: _Optional[_Iterable[str]] = ..., default_check_in_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Stage4Inventory(_message.Message):
    __slots__ = ("shared_proposals", "individual_commitments", "unaddressed_needs", "removed_proposal_count", "update_time")
    SHARED_PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    INDIVIDUAL_COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    UNADDRESSED_NEEDS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_PROPOSAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    shared_proposals: _containers.RepeatedCompositeFieldContainer[ProposalCard]
    individual_commitments: _containers.RepeatedCompositeFieldContainer[ProposalCard]
    unaddressed_needs: _containers.RepeatedCompositeFieldContainer[Stage4Need]
    removed_proposal_count: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, shared_proposals: _Optional[_Iterable[_Union[ProposalCard, _Mapping]]] = ..., individual_commitments: _Optional[_Iterable[_Union[ProposalCard, _Mapping]]] = ..., unaddressed_needs: _Optional[_Iterable[_Union[Stage4Need, _Mapping]]] = ..., removed_proposal_count: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Stage4CoverageAudit(_message.Message):
    __slots__ = ("covered", "partial", "open", "update_time")
    COVERED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    covered: _containers.RepeatedCompositeFieldContainer[Stage4Need]
    partial: _containers.RepeatedCompositeFieldContainer[Stage4Need]
    open: _containers.RepeatedCompositeFieldContainer[Stage4Need]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, covered: _Optional[_Iterable[_Union[Stage4Need, _Mapping]]] = ..., partial: _Optional[_Iterable[_Union[Stage4Need, _Mapping]]] = ..., open: _Optional[_Iterable[_Union[Stage4Need, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Stage4Agreement(_message.Message):
    __slots__ = ("id", "description", "proposal_id", "status", "follow_up_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    proposal_id: str
    status: str
    follow_up_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., proposal_id: _Optional[str] = ..., status: _Optional[str] = ..., follow_up_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Stage4Outcome(_message.Message):
    __slots__ = ("kind", "reason", "summary", "agreements", "individual_commitments", "open_needs", "close_time", "check_in_time")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    INDIVIDUAL_COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    OPEN_NEEDS_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CHECK_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    kind: str
    reason: str
    summary: str
    agreements: _containers.RepeatedCompositeFieldContainer[Stage4Agreement]
    individual_commitments: _containers.RepeatedCompositeFieldContainer[ProposalCard]
    open_needs: _containers.RepeatedCompositeFieldContainer[Stage4Need]
    close_time: _timestamp_pb2.Timestamp
    check_in_time: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[str] = ..., reason: _Optional[str] = ..., summary: _Optional[str] = ..., agreements: _Optional[_Iterable[_Union[Stage4Agreement, _Mapping]]] = ..., individual_commitments: _Optional[_Iterable[_Union[ProposalCard, _Mapping]]] = ..., open_needs: _Optional[_Iterable[_Union[Stage4Need, _Mapping]]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., check_in_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Stage4State(_message.Message):
    __slots__ = ("phase", "walkthrough", "inventory", "coverage_audit", "my_selections", "partner_selections", "my_selection_status", "partner_selection_status", "outcome", "declined_need_ids")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    WALKTHROUGH_FIELD_NUMBER: _ClassVar[int]
    INVENTORY_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_AUDIT_FIELD_NUMBER: _ClassVar[int]
    MY_SELECTIONS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SELECTIONS_FIELD_NUMBER: _ClassVar[int]
    MY_SELECTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SELECTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DECLINED_NEED_IDS_FIELD_NUMBER: _ClassVar[int]
    phase: str
    walkthrough: Stage4Walkthrough
    inventory: Stage4Inventory
    coverage_audit: Stage4CoverageAudit
    my_selections: _containers.RepeatedCompositeFieldContainer[Stage4Selection]
    partner_selections: _containers.RepeatedCompositeFieldContainer[Stage4Selection]
    my_selection_status: str
    partner_selection_status: str
    outcome: Stage4Outcome
    declined_need_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, phase: _Optional[str] = ..., walkthrough: _Optional[_Union[Stage4Walkthrough, _Mapping]] = ..., inventory: _Optional[_Union[Stage4Inventory, _Mapping]] = ..., coverage_audit: _Optional[_Union[Stage4CoverageAudit, _Mapping]] = ..., my_selections: _Optional[_Iterable[_Union[Stage4Selection, _Mapping]]] = ..., partner_selections: _Optional[_Iterable[_Union[Stage4Selection, _Mapping]]] = ..., my_selection_status: _Optional[str] = ..., partner_selection_status: _Optional[str] = ..., outcome: _Optional[_Union[Stage4Outcome, _Mapping]] = ..., declined_need_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetStage4StateRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetStage4StateResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: Stage4State
    def __init__(self, state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class ProposalSelectionInput(_message.Message):
    __slots__ = ("proposal_id", "decision", "note")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    decision: str
    note: str
    def __init__(self, proposal_id: _Optional[str] = ..., decision: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class SetProposalSelectionRequest(_message.Message):
    __slots__ = ("session_id", "proposal_id", "decision", "note")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    proposal_id: str
    decision: str
    note: str
    def __init__(self, session_id: _Optional[str] = ..., proposal_id: _Optional[str] = ..., decision: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class SetProposalSelectionResponse(_message.Message):
    __slots__ = ("submitted", "submit_time", "partner_submitted", "state")
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    submitted: bool
    submit_time: _timestamp_pb2.Timestamp
    partner_submitted: bool
    state: Stage4State
    def __init__(self, submitted: _Optional[bool] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_submitted: _Optional[bool] = ..., state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class SetProposalSelectionsRequest(_message.Message):
    __slots__ = ("session_id", "selections")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SELECTIONS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    selections: _containers.RepeatedCompositeFieldContainer[ProposalSelectionInput]
    def __init__(self, session_id: _Optional[str] = ..., selections: _Optional[_Iterable[_Union[ProposalSelectionInput, _Mapping]]] = ...) -> None: ...

class SetProposalSelectionsResponse(_message.Message):
    __slots__ = ("submitted", "submit_time", "partner_submitted", "state")
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTNER_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    submitted: bool
    submit_time: _timestamp_pb2.Timestamp
    partner_submitted: bool
    state: Stage4State
    def __init__(self, submitted: _Optional[bool] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_submitted: _Optional[bool] = ..., state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class ShareSelectionsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ShareSelectionsResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: Stage4State
    def __init__(self, state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class UnshareSelectionsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class UnshareSelectionsResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: Stage4State
    def __init__(self, state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class DeclineNeedRequest(_message.Message):
    __slots__ = ("session_id", "need_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    need_id: str
    def __init__(self, session_id: _Optional[str] = ..., need_id: _Optional[str] = ...) -> None: ...

class DeclineNeedResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: Stage4State
    def __init__(self, state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class UndeclineNeedRequest(_message.Message):
    __slots__ = ("session_id", "need_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    need_id: str
    def __init__(self, session_id: _Optional[str] = ..., need_id: _Optional[str] = ...) -> None: ...

class UndeclineNeedResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: Stage4State
    def __init__(self, state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class SuggestProposalsRequest(_message.Message):
    __slots__ = ("session_id", "count", "focus_needs", "need_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FOCUS_NEEDS_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    count: int
    focus_needs: _containers.RepeatedScalarFieldContainer[str]
    need_id: str
    def __init__(self, session_id: _Optional[str] = ..., count: _Optional[int] = ..., focus_needs: _Optional[_Iterable[str]] = ..., need_id: _Optional[str] = ...) -> None: ...

class SuggestedProposal(_message.Message):
    __slots__ = ("id", "description", "needs_addressed", "duration", "measure_of_success", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ADDRESSED_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MEASURE_OF_SUCCESS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    needs_addressed: _containers.RepeatedScalarFieldContainer[str]
    duration: str
    measure_of_success: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., needs_addressed: _Optional[_Iterable[str]] = ..., duration: _Optional[str] = ..., measure_of_success: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SuggestProposalsResponse(_message.Message):
    __slots__ = ("suggestions", "source", "state")
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[SuggestedProposal]
    source: str
    state: Stage4State
    def __init__(self, suggestions: _Optional[_Iterable[_Union[SuggestedProposal, _Mapping]]] = ..., source: _Optional[str] = ..., state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...

class CloseStage4Request(_message.Message):
    __slots__ = ("session_id", "kind", "reason", "summary", "check_in_time")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    CHECK_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    kind: str
    reason: str
    summary: str
    check_in_time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., summary: _Optional[str] = ..., check_in_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CloseStage4Response(_message.Message):
    __slots__ = ("closed", "close_time", "outcome", "state")
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    closed: bool
    close_time: _timestamp_pb2.Timestamp
    outcome: Stage4Outcome
    state: Stage4State
    def __init__(self, closed: _Optional[bool] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[Stage4Outcome, _Mapping]] = ..., state: _Optional[_Union[Stage4State, _Mapping]] = ...) -> None: ...
