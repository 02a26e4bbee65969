"""Domain errors → gRPC status with `google.rpc.ErrorInfo(reason=<ErrorCode>)`.

The gateway reads the reason (not the gRPC code) to pick the HTTP status and envelope code, so
REST and gRPC clients see the same error. Field problems travel as `google.rpc.BadRequest`.
"""

from __future__ import annotations

import logging

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from mwf_core.domain.errors import DomainError, ErrorCode, InvitesBlocked

log = logging.getLogger("mwf.grpc")

ERROR_DOMAIN = "mwf.v1"

_STATUS_BY_CODE: dict[ErrorCode, grpc.StatusCode] = {
    ErrorCode.UNAUTHORIZED: grpc.StatusCode.UNAUTHENTICATED,
    ErrorCode.FORBIDDEN: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.CONFLICT: grpc.StatusCode.ALREADY_EXISTS,
    ErrorCode.VALIDATION_ERROR: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorCode.INVALID_STAGE: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.GATE_NOT_SATISFIED: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.CONSENT_REQUIRED: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.SESSION_NOT_ACTIVE: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.PARTNER_NOT_READY: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.EXPIRED: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.CONCURRENCY_CONFLICT: grpc.StatusCode.ABORTED,
    ErrorCode.SERVICE_UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    # Not UNAVAILABLE, which gRPC clients may retry: no retry helps until the server is set up.
    ErrorCode.NOT_CONFIGURED: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.RATE_LIMITED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorCode.INTERNAL_ERROR: grpc.StatusCode.INTERNAL,
}


def _packed(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def rich_status(
    code: grpc.StatusCode,
    reason: str,
    message: str,
    details: dict[str, list[str]] | None = None,
    metadata: dict[str, str] | None = None,
) -> grpc.Status:
    status = status_pb2.Status(code=code.value[0], message=message)
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata or {})
    status.details.append(_packed(info))
    if details:
        violations = [
            error_details_pb2.BadRequest.FieldViolation(field=field, description=text)
            for field, texts in details.items()
            for text in texts
        ]
        status.details.append(_packed(error_details_pb2.BadRequest(field_violations=violations)))
    return rpc_status.to_status(status)


def status_for(error: DomainError) -> grpc.Status:
    metadata: dict[str, str] = {}
    code = _STATUS_BY_CODE.get(error.code, grpc.StatusCode.INTERNAL)
    if isinstance(error, InvitesBlocked):
        # The original answers 403 with VALIDATION_ERROR here; keep the mobile app's contract.
        code = grpc.StatusCode.PERMISSION_DENIED
        metadata["http_status"] = "403"
    return rich_status(code, error.code.value, error.message, error.details, metadata)


def internal_status() -> grpc.Status:
    return rich_status(
        grpc.StatusCode.INTERNAL, ErrorCode.INTERNAL_ERROR.value, "Something went wrong"
    )


assert code_pb2.OK == 0  # google.rpc codes share grpc's numbering, which rich_status relies on
