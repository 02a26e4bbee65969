"""Agreements and the legacy strategy rankings."""

from __future__ import annotations

from typing import Protocol

from mwf_core.domain.agreements import Agreement, StrategyRanking


class AgreementRepository(Protocol):
    async def add(self, agreement: Agreement) -> None:
        """DuplicateKey when the id exists."""

    async def get(self, agreement_id: str) -> Agreement | None: ...

    async def for_session(self, session_id: str) -> list[Agreement]:
        """Oldest first (created_at, then id)."""

    async def update(self, agreement: Agreement) -> None:
        """Write every field but id, session_id and created_at; NotFound when missing.
        Callers deciding on both partners' flags hold the session lock
        (`load_locked_context`)."""


class RankingRepository(Protocol):
    async def upsert(self, ranking: StrategyRanking) -> None:
        """Insert, or replace the (session_id, user_id) row's ranked_ids and submitted_at
        (the stored row keeps its first id)."""

    async def for_session(self, session_id: str) -> list[StrategyRanking]:
        """Every ranking of the session, ordered by submitted_at then user id."""
