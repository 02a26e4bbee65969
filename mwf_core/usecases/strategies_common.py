"""What the legacy Stage 4 use cases share: the stage check, the strategy list (shared
proposals with their details, never their author) and member order. Status checks are in
`guards`, resolving the session in `resolution`."""

from __future__ import annotations

from dataclasses import dataclass

from mwf_core.domain.agreements import Agreement
from mwf_core.domain.enums import ProposalKind, ProposalSource, ProposalStatus, Stage
from mwf_core.domain.errors import DomainError, ErrorCode
from mwf_core.domain.records import StageProgress, StrategyProposal
from mwf_core.ports.repositories import UnitOfWork

from .guards import require_stage
from .session_view import SessionContext

_ACTIVE = frozenset({ProposalStatus.ACTIVE})


class PartnerNotReady(DomainError):
    """Ranking waits until both people said they are ready to rank."""

    code = ErrorCode.PARTNER_NOT_READY


@dataclass(frozen=True, slots=True)
class StrategyView:
    """A strategy as either person sees it: no author, no source beyond the text itself."""

    id: str
    description: str
    needs_addressed: list[str]
    duration: str | None
    measure_of_success: str | None


@dataclass(frozen=True, slots=True)
class Rankable:
    """The session's rankable strategies (ACTIVE shared proposals), oldest first."""

    proposals: list[StrategyProposal]
    views: dict[str, StrategyView]

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.proposals]

    @property
    def ai_suggested(self) -> bool:
        return any(p.source is ProposalSource.AI_SUGGESTED for p in self.proposals)


async def rankable(uow: UnitOfWork, session_id: str) -> Rankable:
    proposals = [p for p in await uow.proposals.for_session(session_id, _ACTIVE)
                 if p.kind is ProposalKind.SHARED_PROPOSAL]
    details = {d.proposal_id: d for d in await uow.stage4.details(session_id)}
    views: dict[str, StrategyView] = {}
    for p in proposals:
        extra = details.get(p.id)
        views[p.id] = StrategyView(p.id, p.description, list(p.needs_addressed),
                                   extra.duration if extra else None,
                                   extra.measure_of_success if extra else None)
    return Rankable(proposals, views)


def require_stage4(context: SessionContext, action: str) -> StageProgress:
    """The caller's stage-4 row; VALIDATION_ERROR (the common wording) when elsewhere."""
    require_stage(context, context.viewer.id, Stage.STRATEGIC_REPAIR, action)
    row = context.row(context.viewer.id, Stage.STRATEGIC_REPAIR)
    assert row is not None  # the current stage is 4
    return row


def gate(context: SessionContext, user_id: str | None, key: str) -> bool:
    row = context.row(user_id, Stage.STRATEGIC_REPAIR) if user_id else None
    return bool(row and row.gates_satisfied.get(key))


async def member_order(uow: UnitOfWork, context: SessionContext) -> tuple[str, str | None]:
    """(A, B): the relationship's members by joined_at, then user id. Agreement flags
    `agreed_by_a` / `agreed_by_b` follow this order."""
    members = sorted(await uow.relationships.members(context.session.relationship_id),
                     key=lambda m: (m.joined_at, m.user_id))
    first = members[0].user_id if members else context.viewer.id
    second = members[1].user_id if len(members) > 1 else None
    return first, second


def flags_for(agreement: Agreement, user_id: str, order: tuple[str, str | None]) -> bool:
    return agreement.agreed_by_a if order[0] == user_id else agreement.agreed_by_b


def set_flag(agreement: Agreement, user_id: str, order: tuple[str, str | None],
             value: bool) -> None:
    if order[0] == user_id:
        agreement.agreed_by_a = value
    else:
        agreement.agreed_by_b = value
