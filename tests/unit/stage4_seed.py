"""Seeding stage 4 for tests (fakes or a real database): needs in the partners' vessels and
proposals in the shared inventory, written through a unit of work (reach stage 4 first with
`journey_seed.move_to`)."""

from __future__ import annotations

from mwf_core.domain.enums import NeedCategory, ProposalKind, ProposalSource, ProposalStatus
from mwf_core.domain.records import IdentifiedNeed, StrategyProposal
from mwf_core.usecases.runtime import Dependencies
from mwf_core.usecases.stage4_inventory import refresh_coverage


async def add_need(deps: Dependencies, session_id: str, user_id: str, text: str) -> str:
    async with deps.uow() as uow:
        vessel = await uow.vessels.user_vessel(session_id, user_id)
        assert vessel is not None
        need = IdentifiedNeed(deps.ids.new_id(), vessel.id, text, NeedCategory.CONNECTION, [],
                              True, deps.clock.now())
        await uow.needs.add(need)
        await uow.commit()
        return need.id


async def add_proposal(deps: Dependencies, session_id: str, user_id: str | None, text: str,
                       needs: list[str], kind: ProposalKind = ProposalKind.SHARED_PROPOSAL
                       ) -> str:
    async with deps.uow() as uow:
        proposal = StrategyProposal(
            deps.ids.new_id(), session_id, user_id, text, list(needs),
            ProposalSource.USER_SUBMITTED if user_id else ProposalSource.AI_SUGGESTED, kind,
            ProposalStatus.ACTIVE, deps.clock.now())
        await uow.proposals.add(proposal)
        await refresh_coverage(uow, deps, session_id)
        await uow.commit()
        return proposal.id
