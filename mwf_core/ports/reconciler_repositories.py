"""Stage 2 reconciler: analysis results and share offers (one live result per direction)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from mwf_core.domain.reconciler import ReconcilerResult, ShareOffer


class ReconcilerRepository(Protocol):
    async def add_result(self, result: ReconcilerResult) -> None: ...

    async def latest_result(self, session_id: str, guesser_id: str) -> ReconcilerResult | None:
        """The live (not superseded) result of the direction guesser -> partner, if any."""

    async def results_for_session(self, session_id: str) -> list[ReconcilerResult]:
        """Every result of the session, superseded ones included, oldest first."""

    async def supersede_results(self, session_id: str, guesser_id: str, at: datetime) -> int:
        """Mark the direction's live results superseded; returns how many."""

    async def add_offer(self, offer: ShareOffer) -> None: ...

    async def update_offer(self, offer: ShareOffer) -> None: ...

    async def open_offer_for(self, session_id: str, subject_id: str) -> ShareOffer | None:
        """The PENDING or OFFERED offer addressed to that subject (newest), if any."""

    async def latest_offer_for(self, session_id: str, subject_id: str) -> ShareOffer | None:
        """The newest offer addressed to that subject, whatever its status."""

    async def offers_for_session(self, session_id: str) -> list[ShareOffer]:
        """Every offer of the session, oldest first."""

    async def expire_open_offers(self, session_id: str, at: datetime) -> int:
        """PENDING/OFFERED offers of the session become EXPIRED (the stage moved on); returns
        how many."""
