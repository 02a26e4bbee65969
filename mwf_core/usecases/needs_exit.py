"""The joint exit of stage 3: both partners have shared their needs → both move to stage 4.

Called only inside the transaction that decided it, after `load_locked_context`, so two
partners acting at the same instant produce exactly one move, one `session.needs_reveal_ready`
and one transition message per lane.
"""

from __future__ import annotations

from mwf_core.domain import events
from mwf_core.domain.enums import Stage
from mwf_core.domain.needs import stage4_transition_line
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .lane import emit_to_session
from .progression import move_both_to
from .runtime import Dependencies
from .session_view import SessionContext


async def move_both_to_stage4(
    uow: UnitOfWork, deps: Dependencies, context: SessionContext, triggered_by: str,
) -> bool:
    """Validate both partners' stage 3, open stage 4 for both, write the transition lines (each
    quotes that person's own first need, so it goes on their channel only) and one
    `session.needs_reveal_ready`. False (nothing written) when already done."""
    if context.partner_id is None or all(
            context.stage_of(uid) >= Stage.STRATEGIC_REPAIR
            for uid in (context.viewer.id, context.partner_id)):
        return False
    now = deps.clock.now()
    stamp = js_iso(now)
    session_id = context.session.id
    await emit_to_session(uow, deps, session_id, events.NEEDS_REVEAL_READY,
                          {"stage": int(Stage.NEED_MAPPING), "needsRevealReady": True})
    vessels = {context.viewer.id: context.my_vessel, context.partner_id: context.partner_vessel}

    async def line_for(uid: str) -> str:
        vessel = vessels.get(uid)
        needs = await uow.needs.for_vessel(vessel.id) if vessel is not None else []
        return stage4_transition_line(needs[0].need if needs else None)

    return await move_both_to(
        uow, deps, context, int(Stage.STRATEGIC_REPAIR), now=now, line_for=line_for,
        gates={"needsValidated": True, "needsValidatedAt": stamp,
               "needsRevealReviewedAt": stamp},
        triggered_by=triggered_by)
