"""Piccolo repositories of agreements and the legacy strategy rankings."""

from __future__ import annotations

from mwf_core.domain.agreements import Agreement, StrategyRanking
from mwf_core.domain.errors import DuplicateKey

from .agreement_tables import AgreementTable, StrategyRankingTable
from .mapping import TableRepository, run, to_row, to_utc


class PiccoloAgreementRepository(TableRepository):
    table = AgreementTable
    record = Agreement

    async def add(self, agreement: Agreement) -> None:
        await self._insert(agreement)

    async def get(self, agreement_id: str) -> Agreement | None:
        return await self._first(AgreementTable.id == agreement_id)

    async def for_session(self, session_id: str) -> list[Agreement]:
        return await self._select(
            AgreementTable.session_id == session_id,
            order_by=(AgreementTable.created_at, AgreementTable.id),
        )

    async def update(self, agreement: Agreement) -> None:
        row = {k: v for k, v in to_row(agreement).items()
               if k not in ("session_id", "created_at")}
        await self._update_row(AgreementTable.id == agreement.id, row, "agreement")


class PiccoloRankingRepository(TableRepository):
    table = StrategyRankingTable
    record = StrategyRanking

    async def upsert(self, ranking: StrategyRanking) -> None:
        t = StrategyRankingTable
        mine = (t.session_id == ranking.session_id) & (t.user_id == ranking.user_id)
        values = {t.ranked_ids: list(ranking.ranked_ids),
                  t.submitted_at: to_utc(ranking.submitted_at)}
        for _ in range(2):
            if await run(t.update(values).where(mine).returning(t.id)):
                return
            try:
                await self._insert(ranking)
                return
            except DuplicateKey:
                continue  # inserted by someone else in between: replace it
        raise DuplicateKey("strategy_rankings: could not upsert")

    async def for_session(self, session_id: str) -> list[StrategyRanking]:
        t = StrategyRankingTable
        return await self._select(t.session_id == session_id,
                                  order_by=(t.submitted_at, t.user_id))
