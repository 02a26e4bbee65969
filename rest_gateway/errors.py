"""The REST envelope and the translation of gRPC failures into it.

The mobile app reads `{"success", "data"}` / `{"success", "error": {code, message, details?}}`
(partner-journey.md §4), so every JSON response except /health goes through `ok()` or
`ApiError.response()`.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

import grpc
from aiohttp import web
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

log = logging.getLogger(__name__)

# HTTP status of each error code the server may put in ErrorInfo.reason (the original's
# ErrorCode enum plus the ad-hoc codes it sends; partner-journey.md §4).
REASON_HTTP_STATUS: dict[str, int] = {
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "VALIDATION_ERROR": 400,
    "INVALID_STAGE": 400,
    "GATE_NOT_SATISFIED": 400,
    "SESSION_NOT_ACTIVE": 400,
    "PARTNER_NOT_READY": 400,
    "CONSENT_REQUIRED": 403,
    "EXPIRED": 410,
    "ENDPOINT_DEPRECATED": 410,
    "RATE_LIMITED": 429,
    "CONCURRENCY_CONFLICT": 409,
    "SERVICE_UNAVAILABLE": 503,
    "NOT_CONFIGURED": 503,  # as the original answered it (its audit-stream Ably token)
    "INTERNAL_ERROR": 500,
}

# Used when a status carries no ErrorInfo (an interceptor, grpc itself, or a bug upstream).
GRPC_FALLBACK: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.UNAUTHENTICATED: (401, "UNAUTHORIZED"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "FORBIDDEN"),
    grpc.StatusCode.NOT_FOUND: (404, "NOT_FOUND"),
    grpc.StatusCode.INVALID_ARGUMENT: (400, "VALIDATION_ERROR"),
    grpc.StatusCode.OUT_OF_RANGE: (400, "VALIDATION_ERROR"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "CONFLICT"),
    grpc.StatusCode.FAILED_PRECONDITION: (400, "VALIDATION_ERROR"),
    grpc.StatusCode.ABORTED: (409, "CONCURRENCY_CONFLICT"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "RATE_LIMITED"),
    grpc.StatusCode.UNAVAILABLE: (503, "SERVICE_UNAVAILABLE"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "SERVICE_UNAVAILABLE"),
}
_INTERNAL = (500, "INTERNAL_ERROR")

# Messages of 5xx statuses without ErrorInfo can contain tracebacks or addresses
# ("Unexpected <class 'KeyError'>: ..."), so they are replaced rather than passed on.
_GENERIC_MESSAGES = {
    500: "An unexpected error occurred",
    503: "Service temporarily unavailable",
    504: "The request timed out",
}

# Status codes an ErrorInfo "http_status" override may choose; anything else is ignored.
_VALID_OVERRIDE = range(400, 600)


class ApiError(Exception):
    """An error that becomes an enveloped JSON response."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details) if details else None
        self.headers = dict(headers) if headers else None

    def response(self) -> web.Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return web.json_response(
            {"success": False, "error": error}, status=self.status, headers=self.headers
        )


def ok(data: Any, status: int = 200) -> web.Response:
    """A success envelope."""
    return web.json_response({"success": True, "data": data}, status=status)


def validation_error(
    details: Mapping[str, list[str]], message: str = "Validation failed"
) -> ApiError:
    # "Validation failed" is what the original's central zod handler says.
    return ApiError(400, "VALIDATION_ERROR", message, details)


def route_not_found(method: str, path: str, status: int = 404) -> ApiError:
    # The original's 404 fallback text, also used for a wrong method on a known path
    # (Express has no 405; the message stays the same so clients matching on it keep working).
    return ApiError(status, "NOT_FOUND", f"Route {method} {path} not found")


def internal_error() -> ApiError:
    return ApiError(500, "INTERNAL_ERROR", _GENERIC_MESSAGES[500])


_SNAKE_PART = re.compile(r"_([a-z0-9])")

# Proto request fields whose REST name is not just the camelCase spelling.
_FIELD_RENAMES = {"page_size": "limit", "page_token": "cursor"}


def rest_field_path(proto_path: str) -> str:
    """`invite_name` → `inviteName`; `a.b_c` → `a.bC` (each dotted segment separately)."""
    parts = []
    for part in proto_path.split("."):
        part = _FIELD_RENAMES.get(part, part)
        parts.append(_SNAKE_PART.sub(lambda m: m.group(1).upper(), part))
    return ".".join(parts)


def from_rpc_error(err: grpc.aio.AioRpcError) -> ApiError:
    """Translate a failed RPC into the envelope error the original would have sent."""
    status = _rich_status(err)
    info: error_details_pb2.ErrorInfo | None = None
    details: dict[str, list[str]] = {}
    retry_after: int | None = None
    for any_detail in status.details if status is not None else ():
        if info is None and any_detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            any_detail.Unpack(info)
        elif any_detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            any_detail.Unpack(bad_request)
            for violation in bad_request.field_violations:
                key = rest_field_path(violation.field) or "value"
                details.setdefault(key, []).append(violation.description)
        elif any_detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            any_detail.Unpack(retry)
            retry_after = max(1, math.ceil(retry.retry_delay.ToTimedelta().total_seconds()))

    fallback_status, fallback_code = GRPC_FALLBACK.get(err.code(), _INTERNAL)
    message = err.details() or ""
    if info is not None and info.reason:
        code = info.reason
        http_status = REASON_HTTP_STATUS.get(code, fallback_status)
        override = _parse_status(info.metadata.get("http_status"))
        if override is not None:
            http_status = override
    else:
        code, http_status = fallback_code, fallback_status
        if http_status >= 500:
            if err.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                log.error("gRPC call failed without ErrorInfo: %s %s", err.code(), message)
            message = _GENERIC_MESSAGES.get(http_status, _GENERIC_MESSAGES[500])
    if not message:
        message = _GENERIC_MESSAGES.get(http_status, "Request failed")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return ApiError(http_status, code, message, details or None, headers)


def _rich_status(err: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    try:
        return rpc_status.from_call(err)
    except ValueError:
        # The Status proto disagrees with the plain status (code or message): trust neither
        # its details nor its reason and fall back to the gRPC code alone.
        log.warning("inconsistent grpc-status-details-bin on %s", err.code())
        return None


def _parse_status(raw: str | None) -> int | None:
    if raw is None or not raw.strip().isdigit():
        return None
    value = int(raw)
    return value if value in _VALID_OVERRIDE else None
