"""The status and stage checks every stage's use cases share (one wording for each refusal)."""

from __future__ import annotations

from mwf_core.domain.enums import SessionStatus
from mwf_core.domain.errors import SessionNotActive, ValidationFailed

from .session_view import SessionContext


def require_active(context: SessionContext) -> None:
    """SESSION_NOT_ACTIVE unless the session is ACTIVE."""
    if context.session.status is not SessionStatus.ACTIVE:
        raise SessionNotActive("Session is not active")


def stage_refusal(context: SessionContext, user_id: str | None, stage: int,
                  action: str) -> ValidationFailed:
    return ValidationFailed(f"Cannot {action}: you are in stage {context.stage_of(user_id)}, "
                            f"but stage {int(stage)} is required")


def require_stage(context: SessionContext, user_id: str | None, stage: int, action: str) -> None:
    """VALIDATION_ERROR (the original's wording) unless `user_id` is now in `stage`."""
    if context.stage_of(user_id) != stage:
        raise stage_refusal(context, user_id, stage, action)
