"""In-memory empathy drafts, identified needs and strategy proposals (stages 2 to 4)."""

from __future__ import annotations

from datetime import datetime

from mwf_core.domain.enums import ProposalStatus
from mwf_core.domain.errors import NotFound
from mwf_core.domain.records import EmpathyDraft, IdentifiedNeed, StrategyProposal

from .store import _copy, _Table


class InMemoryEmpathyDraftRepository(_Table):
    async def get(self, session_id: str, user_id: str) -> EmpathyDraft | None:
        return _copy(next((d for d in self._s.empathy_drafts.values()
                           if d.session_id == session_id and d.user_id == user_id), None))

    async def add(self, draft: EmpathyDraft) -> None:
        if draft.session_id not in self._s.sessions:
            raise NotFound(f"session {draft.session_id} not found")
        self._unique(self._s.empathy_drafts.values(), draft, "session_id", "user_id")
        self._insert(self._s.empathy_drafts, draft.id, draft)

    async def update(self, draft: EmpathyDraft, expected_version: int) -> bool:
        stored = self._s.empathy_drafts.get(draft.id)
        if stored is None or stored.version != expected_version:
            return False
        self._replace(self._s.empathy_drafts, draft.id, draft)
        return True


class InMemoryNeedRepository(_Table):
    async def add(self, need: IdentifiedNeed) -> None:
        if need.vessel_id not in self._s.user_vessels:
            raise NotFound(f"vessel {need.vessel_id} not found")
        self._insert(self._s.needs, need.id, need)

    async def get(self, need_id: str) -> IdentifiedNeed | None:
        return _copy(self._s.needs.get(need_id))

    async def for_vessel(self, vessel_id: str, live_only: bool = True) -> list[IdentifiedNeed]:
        rows = [n for n in self._s.needs.values()
                if n.vessel_id == vessel_id and (n.live or not live_only)]
        return _copy(sorted(rows, key=lambda n: (n.created_at, n.id)))

    async def supersede(self, need_id: str, new_need_id: str) -> bool:
        need = self._open(need_id)
        if need is None:
            return False
        need.superseded_by_need_id = new_need_id
        self._uow.dirty = True
        return True

    async def soft_delete(self, need_id: str, at: datetime) -> bool:
        need = self._open(need_id)
        if need is None:
            return False
        need.deleted_at = at
        self._uow.dirty = True
        return True

    async def lock(self, need_id: str, at: datetime) -> bool:
        need = self._open(need_id)
        if need is None:
            return False
        need.confirmed, need.locked_at = True, at
        self._uow.dirty = True
        return True

    def _open(self, need_id: str) -> IdentifiedNeed | None:
        need = self._s.needs.get(need_id)
        return need if need is not None and need.live and need.locked_at is None else None


class InMemoryProposalRepository(_Table):
    async def add(self, proposal: StrategyProposal) -> None:
        if proposal.session_id not in self._s.sessions:
            raise NotFound(f"session {proposal.session_id} not found")
        self._insert(self._s.proposals, proposal.id, proposal)

    async def get(self, proposal_id: str) -> StrategyProposal | None:
        return _copy(self._s.proposals.get(proposal_id))

    async def for_session(
        self, session_id: str, statuses: frozenset[ProposalStatus] | None = None
    ) -> list[StrategyProposal]:
        rows = [p for p in self._s.proposals.values() if p.session_id == session_id
                and (statuses is None or p.status in statuses)]
        return _copy(sorted(rows, key=lambda p: (p.created_at, p.id)))

    async def retire(
        self, proposal_id: str, status: ProposalStatus, *,
        removed_at: datetime | None = None, removed_by_user_id: str | None = None,
    ) -> bool:
        proposal = self._s.proposals.get(proposal_id)
        if proposal is None or proposal.status is not ProposalStatus.ACTIVE:
            return False
        proposal.status = status
        if removed_at is not None:
            proposal.removed_at = removed_at
        if removed_by_user_id is not None:
            proposal.removed_by_user_id = removed_by_user_id
        self._uow.dirty = True
        return True
