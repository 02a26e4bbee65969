"""What the redesigned stage-4 use cases (stage4, stage4_suggest, stage4_close) share: the
checks, the `strategies.updated` event and loading the state one person sees."""

from __future__ import annotations

from typing import Any

from mwf_core.domain import events
from mwf_core.domain.enums import Stage
from mwf_core.domain.errors import Conflict
from mwf_core.domain.records import StageProgress
from mwf_core.ports.llm import LanguageModel
from mwf_core.ports.repositories import UnitOfWork

from .guards import require_active, require_stage
from .lane import emit_to_session
from .runtime import Dependencies
from .session_view import SessionContext
from .stage4_inventory import session_needs
from .stage4_state import Stage4Rows, Stage4State, build_state

STAGE = int(Stage.STRATEGIC_REPAIR)


def require_stage4(context: SessionContext) -> None:
    """Writes: an ACTIVE session and the caller in stage 4."""
    require_active(context)
    require_stage(context, context.viewer.id, STAGE, "update stage 4")


def require_stage4_view(context: SessionContext) -> None:
    """Reading stage 4 needs the reader in stage 4 (also after the session was resolved
    there): the state carries the partner's needs, which are private below stage 4."""
    require_stage(context, context.viewer.id, STAGE, "view stage 4")


async def require_open(uow: UnitOfWork, session_id: str) -> None:
    if await uow.stage4.closure(session_id) is not None:
        raise Conflict("Stage 4 is already closed")


def partner_row(context: SessionContext) -> StageProgress | None:
    partner_id = context.partner_id
    return context.row(partner_id, Stage.STRATEGIC_REPAIR) if partner_id else None


class Stage4Base:
    """The container's `Stage4UseCases` is this plus the suggest and close parts."""

    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm

    async def _event(self, uow: UnitOfWork, session_id: str, payload: dict[str, Any]) -> None:
        await emit_to_session(uow, self._deps, session_id, events.STRATEGIES_UPDATED,
                              {"stage": STAGE, **payload})

    async def _state(self, uow: UnitOfWork, context: SessionContext) -> Stage4State:
        return build_state(await self._rows(uow, context))

    async def _rows(self, uow: UnitOfWork, context: SessionContext) -> Stage4Rows:
        sid = context.session.id
        partner_id = context.partner_id
        mine = context.row(context.viewer.id, Stage.STRATEGIC_REPAIR)
        theirs = partner_row(context)
        coverage = await uow.stage4.coverage(sid)
        return Stage4Rows(
            viewer_id=context.viewer.id, partner_id=partner_id,
            proposals=await uow.proposals.for_session(sid),
            needs=await session_needs(uow, sid, context.viewer.id),
            selections=await uow.stage4.selections(sid),
            declinations=await uow.stage4.declinations(sid),
            details=await uow.stage4.details(sid),
            closure=await uow.stage4.closure(sid),
            agreements=await uow.agreements.for_session(sid),
            my_gates=dict(mine.gates_satisfied) if mine else {},
            partner_gates=dict(theirs.gates_satisfied) if theirs else {},
            coverage_updated_at=max((c.updated_at for c in coverage), default=None),
            now=self._deps.clock.now(),
        )
