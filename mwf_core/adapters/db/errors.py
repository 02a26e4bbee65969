"""The one place where driver exceptions become domain errors.

Both drivers are mapped here so that callers (use cases, the retrying runner) see the same
error whichever database is configured.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from mwf_core.domain.errors import ConcurrencyConflict, DomainError, DuplicateKey

_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_SQLITE_BUSY = {"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_TIMEOUT", "SQLITE_LOCKED"}

_PG_RETRYABLE = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.LockNotAvailableError,
)


def translate(exc: BaseException) -> DomainError | None:
    """The domain error a driver exception stands for, or None when it is not ours to map."""
    if isinstance(exc, DomainError):
        return None
    if isinstance(exc, asyncpg.exceptions.UniqueViolationError):
        constraint = getattr(exc, "constraint_name", None) or "unique constraint"
        return DuplicateKey(f"duplicate key ({constraint})")
    if isinstance(exc, _PG_RETRYABLE):
        return ConcurrencyConflict(f"concurrent update, retry ({type(exc).__name__})")
    if isinstance(exc, sqlite3.IntegrityError):
        name = getattr(exc, "sqlite_errorname", "")
        if name in _SQLITE_UNIQUE or "UNIQUE constraint failed" in str(exc):
            return DuplicateKey(f"duplicate key ({exc})")
        return None
    if isinstance(exc, sqlite3.OperationalError):
        name = getattr(exc, "sqlite_errorname", "")
        if name in _SQLITE_BUSY or "database is locked" in str(exc):
            return ConcurrencyConflict("database is locked, retry")
    return None


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Re-raise driver exceptions as DuplicateKey / ConcurrencyConflict (others pass through)."""
    try:
        yield
    except Exception as exc:
        domain_error = translate(exc)
        if domain_error is None:
            raise
        raise domain_error from exc
