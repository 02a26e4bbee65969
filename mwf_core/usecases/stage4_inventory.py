"""Stage 4 bookkeeping shared by chat capture and the stage-4 routes: adding a proposal (one
duplicate rule for every source), the session's live needs (the partner's only once both have
shared), the revision audit and the need-coverage recompute."""

from __future__ import annotations

from mwf_core.domain.enums import ProposalKind, ProposalSource, ProposalStatus, Stage
from mwf_core.domain.records import IdentifiedNeed, StageProgress, StrategyProposal
from mwf_core.domain.stage4 import (
    RevisionAction,
    Stage4NeedCoverage,
    Stage4ProposalDetails,
    Stage4ProposalRevision,
    compute_coverage,
)
from mwf_core.ports.repositories import UnitOfWork
from mwf_core.usecases.runtime import Dependencies


def needs_exchanged(progress: list[StageProgress], member_ids: list[str]) -> bool:
    """Whether the members' needs are visible to each other: both members' stage-3 rows
    carry `needsShared`, or both are in stage 4 (which cannot be entered without it)."""
    if len(member_ids) < 2:
        return False

    def shared(uid: str) -> bool:
        rows = [p for p in progress if p.user_id == uid]
        return any(p.stage >= Stage.STRATEGIC_REPAIR for p in rows) or any(
            p.stage == Stage.NEED_MAPPING and p.gates_satisfied.get("needsShared")
            for p in rows)

    return all(shared(uid) for uid in member_ids)


async def session_needs(
    uow: UnitOfWork, session_id: str, viewer_id: str | None,
) -> list[tuple[IdentifiedNeed, str]]:
    """The live stage-3 needs `viewer_id` may see, with their owner's user id (members in
    their relationship order, each one's needs oldest first).

    Needs are private until both have shared them: before that the viewer gets only their
    own needs. With `viewer_id=None` (the session-wide coverage) nobody's needs are
    returned until both have shared.
    """
    session = await uow.sessions.get(session_id)
    if session is None:
        return []
    members = await uow.relationships.members(session.relationship_id)
    exchanged = needs_exchanged(await uow.progress.for_session(session_id),
                                [m.user_id for m in members])
    found: list[tuple[IdentifiedNeed, str]] = []
    for member in members:
        if not exchanged and member.user_id != viewer_id:
            continue
        vessel = await uow.vessels.user_vessel(session_id, member.user_id)
        if vessel is not None:
            found.extend((need, member.user_id) for need in await uow.needs.for_vessel(vessel.id))
    return found


async def refresh_coverage(
    uow: UnitOfWork, deps: Dependencies, session_id: str,
    needs: list[tuple[IdentifiedNeed, str]] | None = None,
) -> list[Stage4NeedCoverage]:
    """Recompute OPEN / PARTIAL / COVERED of every live need from the active inventory."""
    if needs is None:
        needs = await session_needs(uow, session_id, None)
    proposals = await uow.proposals.for_session(session_id)
    rows = compute_coverage(needs, proposals, session_id=session_id, now=deps.clock.now(),
                            new_id=deps.ids.new_id)
    await uow.stage4.replace_coverage(session_id, rows)
    return rows


async def record_revision(
    uow: UnitOfWork, deps: Dependencies, parent: StrategyProposal, *, user_id: str | None,
    new_proposal: StrategyProposal | None = None,
) -> None:
    """One audit row per REVISE (new_proposal set) or REMOVE (no new proposal)."""
    await uow.stage4.add_revision(Stage4ProposalRevision(
        id=deps.ids.new_id(), session_id=parent.session_id, proposal_id=parent.id,
        action=RevisionAction.REVISE if new_proposal else RevisionAction.REMOVE,
        previous_description=parent.description, created_at=deps.clock.now(),
        new_proposal_id=new_proposal.id if new_proposal else None,
        new_description=new_proposal.description if new_proposal else None,
        user_id=user_id,
    ))


def same_text(a: str, b: str) -> bool:
    """The duplicate rule: equal once case and runs of white space are ignored."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


async def already_listed(uow: UnitOfWork, session_id: str, description: str,
                         ignore_id: str | None = None) -> bool:
    """Whether an ACTIVE proposal of the session (other than `ignore_id`) has this text."""
    active = await uow.proposals.for_session(session_id, frozenset({ProposalStatus.ACTIVE}))
    return any(p.id != ignore_id and same_text(p.description, description) for p in active)


async def add_proposal(
    uow: UnitOfWork, deps: Dependencies, session_id: str, *, description: str,
    needs_addressed: list[str], source: ProposalSource, kind: ProposalKind,
    created_by: str | None, duration: str | None = None, measure_of_success: str | None = None,
    parent: StrategyProposal | None = None, captured_from_message_id: str | None = None,
) -> StrategyProposal | None:
    """Add one ACTIVE proposal to the inventory - the one way for the legacy POST
    /strategies, AI suggestions and chat capture. None (nothing written) when an active
    proposal of the session already has the same text (`same_text`): each caller decides
    what a duplicate means (409 for a person's explicit proposal, skipped otherwise).
    Callers refresh coverage and publish `strategies.updated` themselves (once per batch)."""
    text = description.strip()
    if await already_listed(uow, session_id, text):
        return None
    proposal = StrategyProposal(
        id=deps.ids.new_id(), session_id=session_id, created_by_user_id=created_by,
        description=text, needs_addressed=list(dict.fromkeys(needs_addressed)),
        source=source, kind=kind, status=ProposalStatus.ACTIVE, created_at=deps.clock.now(),
        parent_proposal_id=parent.id if parent else None,
        captured_from_message_id=captured_from_message_id)
    await uow.proposals.add(proposal)
    if duration or measure_of_success:
        await uow.stage4.put_details(Stage4ProposalDetails(
            proposal.id, session_id, duration=duration, measure_of_success=measure_of_success))
    if parent is not None:
        await record_revision(uow, deps, parent, user_id=created_by, new_proposal=proposal)
    return proposal
