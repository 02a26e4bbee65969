"""Domain errors. Each carries a code from the original app's list; entrypoints map codes to
gRPC status codes and HTTP statuses, so the rules live here and nowhere else."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_STAGE = "INVALID_STAGE"
    GATE_NOT_SATISFIED = "GATE_NOT_SATISFIED"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    SESSION_NOT_ACTIVE = "SESSION_NOT_ACTIVE"
    PARTNER_NOT_READY = "PARTNER_NOT_READY"
    EXPIRED = "EXPIRED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    # The server was deployed without what the call needs (e.g. production without
    # ABLY_API_KEY): not a passing outage, so not retryable. The original's ad-hoc code.
    NOT_CONFIGURED = "NOT_CONFIGURED"
    RATE_LIMITED = "RATE_LIMITED"
    # Retryable: two transactions touched the same rows; the use-case runner retries these.
    CONCURRENCY_CONFLICT = "CONCURRENCY_CONFLICT"


class DomainError(Exception):
    """A rule said no. `details` maps a field path to messages, for validation errors."""

    code: ErrorCode = ErrorCode.INTERNAL_ERROR

    def __init__(self, message: str, details: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class Unauthorized(DomainError):
    code = ErrorCode.UNAUTHORIZED


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class ValidationFailed(DomainError):
    code = ErrorCode.VALIDATION_ERROR


class InvitesBlocked(ValidationFailed):
    """The invitee's privacy settings refuse session invites (the original answers 403)."""


class SessionNotActive(DomainError):
    code = ErrorCode.SESSION_NOT_ACTIVE


class GateNotSatisfied(DomainError):
    code = ErrorCode.GATE_NOT_SATISFIED


class Expired(DomainError):
    code = ErrorCode.EXPIRED


class RateLimited(DomainError):
    """Too many of something in a window (e.g. invitation emails per inviter per day)."""

    code = ErrorCode.RATE_LIMITED


class DuplicateKey(DomainError):
    """A unique constraint refused a row (both database drivers map to this)."""

    code = ErrorCode.CONFLICT


class ConcurrencyConflict(DomainError):
    """A serialization failure or lock timeout: safe to retry the whole transaction."""

    code = ErrorCode.CONCURRENCY_CONFLICT


def field_error(field: str, message: str) -> ValidationFailed:
    """A validation error about one request field."""
    return ValidationFailed(message, {field: [message]})
