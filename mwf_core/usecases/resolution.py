"""The one way a session ends resolved (partner-journey.md §1.5, §6.2 `session.resolved`).

Three flows resolve a session: the redesigned stage-4 closure (`stage4_close`), the legacy
confirmation that makes every agreement fully agreed, and the legacy POST /resolve
(`strategies_agreements`). All of them call `resolve_session`, so the session, the progress
rows and the event look the same whichever way it ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mwf_core.domain import events
from mwf_core.domain.enums import SessionStatus, StageStatus
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .lane import emit_to_session
from .runtime import Dependencies
from .session_view import SessionContext


def resolved_payload(*, resolved_by: str, resolved_at: datetime, agreement_ids: list[str],
                     closure_kind: str | None = None,
                     agreement_id: str | None = None) -> dict[str, Any]:
    """The superset of the original's `session.resolved` variants (§6.2): `resolvedBy` /
    `resolvedAt` (POST /resolve), `closedBy` / `kind` / `closureKind` / `agreementIds`
    (closure) and `agreementId` (only from the legacy confirmation: the agreement whose
    confirmation resolved the session). `kind` / `closureKind` are null outside a closure."""
    payload: dict[str, Any] = {
        "resolvedBy": resolved_by, "resolvedAt": js_iso(resolved_at),
        "closedBy": resolved_by, "kind": closure_kind, "closureKind": closure_kind,
        "agreementIds": list(agreement_ids),
    }
    if agreement_id is not None:
        payload["agreementId"] = agreement_id
    return payload


async def resolve_session(uow: UnitOfWork, deps: Dependencies, context: SessionContext,
                          now: datetime, *, resolved_by: str, agreement_ids: list[str],
                          closure_kind: str | None = None,
                          agreement_id: str | None = None) -> None:
    """RESOLVED with `resolved_at`, every open stage row COMPLETED, one `session.resolved`
    on the session channel. Call only after `load_locked_context`, with the session ACTIVE."""
    session = context.session
    session.status = SessionStatus.RESOLVED
    session.resolved_at = now
    session.updated_at = now
    await uow.sessions.update(session)
    for row in context.progress:
        if row.status is not StageStatus.COMPLETED:
            row.status = StageStatus.COMPLETED
            row.completed_at = row.completed_at or now
            await uow.progress.update(row)
    await emit_to_session(uow, deps, session.id, events.SESSION_RESOLVED, resolved_payload(
        resolved_by=resolved_by, resolved_at=now, agreement_ids=agreement_ids,
        closure_kind=closure_kind, agreement_id=agreement_id))
