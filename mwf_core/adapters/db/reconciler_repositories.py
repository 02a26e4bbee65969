"""Piccolo repository of the reconciler's results and share offers."""

from __future__ import annotations

from datetime import datetime

from mwf_core.domain.reconciler import (
    OPEN_OFFER,
    ReconcilerResult,
    ShareOffer,
    ShareOfferStatus,
)

from .mapping import TableRepository, from_row, run, to_utc
from .reconciler_tables import ReconcilerResultTable, ReconcilerShareOfferTable

R, OF = ReconcilerResultTable, ReconcilerShareOfferTable


class _Offers(TableRepository):
    table = ReconcilerShareOfferTable
    record = ShareOffer


class PiccoloReconcilerRepository(TableRepository):
    table = ReconcilerResultTable
    record = ReconcilerResult

    def __init__(self) -> None:
        self._offers = _Offers()

    async def add_result(self, result: ReconcilerResult) -> None:
        await self._insert(result)

    async def latest_result(self, session_id: str, guesser_id: str) -> ReconcilerResult | None:
        found = await self._select(
            (R.session_id == session_id) & (R.guesser_id == guesser_id) & R.superseded_at.is_null(),
            order_by=(R.created_at, R.id), ascending=False, limit=1,
        )
        return found[0] if found else None

    async def results_for_session(self, session_id: str) -> list[ReconcilerResult]:
        return await self._select(R.session_id == session_id, order_by=(R.created_at, R.id))

    async def supersede_results(self, session_id: str, guesser_id: str, at: datetime) -> int:
        updated = await run(
            R.update({R.superseded_at: to_utc(at)})
            .where((R.session_id == session_id) & (R.guesser_id == guesser_id)
                   & R.superseded_at.is_null())
            .returning(R.id)
        )
        return len(updated)

    async def add_offer(self, offer: ShareOffer) -> None:
        await self._offers._insert(offer)

    async def update_offer(self, offer: ShareOffer) -> None:
        await self._offers._update(offer)

    async def _offer_rows(self, where: object, newest: bool, limit: int | None) -> list[ShareOffer]:
        query = OF.select().output(load_json=True).where(where)  # type: ignore[arg-type]
        query = query.order_by(OF.created_at, OF.id, ascending=not newest)
        if limit is not None:
            query = query.limit(limit)
        return [from_row(ShareOffer, row) for row in await run(query)]

    async def open_offer_for(self, session_id: str, subject_id: str) -> ShareOffer | None:
        found = await self._offer_rows(
            (OF.session_id == session_id) & (OF.user_id == subject_id)
            & OF.status.is_in([s.value for s in OPEN_OFFER]), newest=True, limit=1)
        return found[0] if found else None

    async def latest_offer_for(self, session_id: str, subject_id: str) -> ShareOffer | None:
        found = await self._offer_rows((OF.session_id == session_id) & (OF.user_id == subject_id),
                                       newest=True, limit=1)
        return found[0] if found else None

    async def offers_for_session(self, session_id: str) -> list[ShareOffer]:
        return await self._offer_rows(OF.session_id == session_id, newest=False, limit=None)

    async def expire_open_offers(self, session_id: str, at: datetime) -> int:
        updated = await run(
            OF.update({OF.status: ShareOfferStatus.EXPIRED.value, OF.updated_at: to_utc(at)})
            .where((OF.session_id == session_id)
                   & OF.status.is_in([s.value for s in OPEN_OFFER]))
            .returning(OF.id)
        )
        return len(updated)
