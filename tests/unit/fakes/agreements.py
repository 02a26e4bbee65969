"""In-memory agreements and legacy strategy rankings. Rows live in `self._rows(name)`."""

from __future__ import annotations

import dataclasses

from mwf_core.domain.agreements import Agreement, StrategyRanking
from mwf_core.domain.errors import NotFound

from .store import _copy, _Table


class InMemoryAgreementRepository(_Table):
    async def add(self, agreement: Agreement) -> None:
        if agreement.session_id not in self._s.sessions:
            raise NotFound(f"session {agreement.session_id} not found")
        self._insert(self._rows("agreements"), agreement.id, agreement)

    async def get(self, agreement_id: str) -> Agreement | None:
        return _copy(self._rows("agreements").get(agreement_id))

    async def for_session(self, session_id: str) -> list[Agreement]:
        rows = [a for a in self._rows("agreements").values() if a.session_id == session_id]
        return _copy(sorted(rows, key=lambda a: (a.created_at, a.id)))

    async def update(self, agreement: Agreement) -> None:
        table = self._rows("agreements")
        stored = table.get(agreement.id)
        if stored is None:
            raise NotFound(f"agreement {agreement.id} not found")
        # session_id and created_at never change, as in the database adapter.
        self._replace(table, agreement.id, dataclasses.replace(
            agreement, session_id=stored.session_id, created_at=stored.created_at))


class InMemoryRankingRepository(_Table):
    async def upsert(self, ranking: StrategyRanking) -> None:
        if ranking.session_id not in self._s.sessions:
            raise NotFound(f"session {ranking.session_id} not found")
        table = self._rows("strategy_rankings")
        key = (ranking.session_id, ranking.user_id)
        stored = table.get(key)
        if stored is None:
            self._insert(table, key, ranking)
        else:
            self._replace(table, key, dataclasses.replace(
                stored, ranked_ids=list(ranking.ranked_ids), submitted_at=ranking.submitted_at))

    async def for_session(self, session_id: str) -> list[StrategyRanking]:
        rows = [r for r in self._rows("strategy_rankings").values()
                if r.session_id == session_id]
        return _copy(sorted(rows, key=lambda r: (r.submitted_at, r.user_id)))
