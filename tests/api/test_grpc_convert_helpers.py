"""The server's shared proto converters (grpc_server/convert.py): optional inbound
timestamps and enum value ↔ name, used by every RPC module."""

from __future__ import annotations

from datetime import UTC, datetime

from grpc_server import convert
from mwf.v1 import needs_pb2, stage4_pb2, strategies_pb2
from mwf.v1 import types_pb2 as t
from mwf_core.domain.agreements import AgreementType
from mwf_core.domain.enums import SessionStatus


def test_datetime_of_unset_and_set() -> None:
    request = stage4_pb2.CloseStage4Request()
    assert convert.datetime_of(request, "check_in_time") is None
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    request.check_in_time.FromDatetime(when)
    assert convert.datetime_of(request, "check_in_time") == when


def test_to_pb_enum_takes_members_names_and_nothing() -> None:
    assert convert.to_pb_enum(t.SessionStatus, "SESSION_STATUS_", SessionStatus.ACTIVE) == \
        t.SESSION_STATUS_ACTIVE
    assert convert.to_pb_enum(needs_pb2.NeedEditType, "NEED_EDIT_TYPE_", "refine") == \
        needs_pb2.NEED_EDIT_TYPE_REFINE
    assert convert.to_pb_enum(needs_pb2.NeedCategory, "NEED_CATEGORY_", "") == 0
    assert convert.to_pb_enum(needs_pb2.NeedCategory, "NEED_CATEGORY_", None) == 0


def test_from_pb_enum_names_and_unknowns() -> None:
    prefix = "SESSION_AGREEMENT_TYPE_"
    assert convert.from_pb_enum(strategies_pb2.SessionAgreementType, prefix,
                                strategies_pb2.SESSION_AGREEMENT_TYPE_HYBRID) == "HYBRID"
    assert AgreementType("HYBRID") is AgreementType.HYBRID
    assert convert.from_pb_enum(strategies_pb2.SessionAgreementType, prefix, 0) is None
    assert convert.from_pb_enum(strategies_pb2.SessionAgreementType, prefix, 999) is None
    assert convert.session_status_from_proto(t.SESSION_STATUS_ACTIVE) is SessionStatus.ACTIVE
    assert convert.session_status_from_proto(0) is None
