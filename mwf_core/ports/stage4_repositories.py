"""Stage 4: selections, need coverage, declinations, revisions and the closure."""

from __future__ import annotations

from typing import Protocol

from mwf_core.domain.stage4 import (
    Stage4Closure,
    Stage4NeedCoverage,
    Stage4NeedDeclination,
    Stage4ProposalDetails,
    Stage4ProposalRevision,
    Stage4Selection,
)


class Stage4Repository(Protocol):
    async def selections(self, session_id: str) -> list[Stage4Selection]:
        """Every selection of the session (both people), oldest first."""

    async def put_selection(self, selection: Stage4Selection) -> None:
        """Insert, or replace the (proposal_id, user_id) row's decision, note, updated_at."""

    async def coverage(self, session_id: str) -> list[Stage4NeedCoverage]:
        """The session's coverage rows, in the order they were written."""

    async def replace_coverage(self, session_id: str, rows: list[Stage4NeedCoverage]) -> None:
        """Drop the session's coverage rows and write `rows` instead."""

    async def declinations(self, session_id: str) -> list[Stage4NeedDeclination]: ...

    async def add_declination(self, declination: Stage4NeedDeclination) -> bool:
        """False (no write) when (session, user, need) is already declined."""

    async def remove_declination(self, session_id: str, user_id: str, need_id: str) -> bool:
        """False when there was nothing to remove."""

    async def add_revision(self, revision: Stage4ProposalRevision) -> None: ...

    async def revisions(self, session_id: str) -> list[Stage4ProposalRevision]:
        """Oldest first."""

    async def put_details(self, details: Stage4ProposalDetails) -> None:
        """Insert or replace the details of one proposal."""

    async def details(self, session_id: str) -> list[Stage4ProposalDetails]: ...

    async def closure(self, session_id: str) -> Stage4Closure | None: ...

    async def add_closure(self, closure: Stage4Closure) -> None:
        """DuplicateKey when the session already has a closure."""
