"""In-memory reconciler results and share offers. Rows live in `self._s.tables[name]`."""

from __future__ import annotations

from datetime import datetime

from mwf_core.domain.errors import DuplicateKey
from mwf_core.domain.reconciler import (
    OPEN_OFFER,
    ReconcilerResult,
    ShareOffer,
    ShareOfferStatus,
)

from .store import _copy, _Table

RESULTS = "reconciler_results"
OFFERS = "reconciler_share_offers"


class InMemoryReconcilerRepository(_Table):
    async def add_result(self, result: ReconcilerResult) -> None:
        self._insert(self._rows(RESULTS), result.id, result)

    def _results(self, session_id: str) -> list[ReconcilerResult]:
        found = [r for r in self._rows(RESULTS).values() if r.session_id == session_id]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    async def latest_result(self, session_id: str, guesser_id: str) -> ReconcilerResult | None:
        live = [r for r in self._results(session_id)
                if r.guesser_id == guesser_id and r.superseded_at is None]
        return _copy(live[-1]) if live else None

    async def results_for_session(self, session_id: str) -> list[ReconcilerResult]:
        return [_copy(r) for r in self._results(session_id)]

    async def supersede_results(self, session_id: str, guesser_id: str, at: datetime) -> int:
        count = 0
        for row in self._rows(RESULTS).values():
            if (row.session_id == session_id and row.guesser_id == guesser_id
                    and row.superseded_at is None):
                row.superseded_at = at
                count += 1
        if count:
            self._uow.dirty = True
        return count

    async def add_offer(self, offer: ShareOffer) -> None:
        rows = self._rows(OFFERS)
        if any(o.result_id == offer.result_id for o in rows.values()):
            raise DuplicateKey("reconciler_share_offers: one offer per result")
        self._insert(rows, offer.id, offer)

    async def update_offer(self, offer: ShareOffer) -> None:
        self._replace(self._rows(OFFERS), offer.id, offer)

    def _offers(self, session_id: str) -> list[ShareOffer]:
        found = [o for o in self._rows(OFFERS).values() if o.session_id == session_id]
        return sorted(found, key=lambda o: (o.created_at, o.id))

    async def open_offer_for(self, session_id: str, subject_id: str) -> ShareOffer | None:
        found = [o for o in self._offers(session_id)
                 if o.user_id == subject_id and o.status in OPEN_OFFER]
        return _copy(found[-1]) if found else None

    async def latest_offer_for(self, session_id: str, subject_id: str) -> ShareOffer | None:
        found = [o for o in self._offers(session_id) if o.user_id == subject_id]
        return _copy(found[-1]) if found else None

    async def offers_for_session(self, session_id: str) -> list[ShareOffer]:
        return [_copy(o) for o in self._offers(session_id)]

    async def expire_open_offers(self, session_id: str, at: datetime) -> int:
        count = 0
        for offer in self._rows(OFFERS).values():
            if offer.session_id == session_id and offer.status in OPEN_OFFER:
                offer.status, offer.updated_at = ShareOfferStatus.EXPIRED, at
                count += 1
        if count:
            self._uow.dirty = True
        return count
