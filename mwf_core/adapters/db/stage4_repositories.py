"""Piccolo repository of stage 4 (redesigned flow)."""

from __future__ import annotations

from mwf_core.domain.errors import DuplicateKey
from mwf_core.domain.stage4 import (
    Stage4Closure,
    Stage4NeedCoverage,
    Stage4NeedDeclination,
    Stage4ProposalDetails,
    Stage4ProposalRevision,
    Stage4Selection,
)

from .mapping import TableRepository, run, to_row
from .stage4_tables import (
    Stage4ClosureTable,
    Stage4NeedCoverageTable,
    Stage4NeedDeclinationTable,
    Stage4ProposalDetailsTable,
    Stage4ProposalRevisionTable,
    Stage4SelectionTable,
)


class _Repo(TableRepository):
    pass


def _repo(table: type, record: type) -> _Repo:
    repo = _Repo()
    repo.table = table  # type: ignore[misc]
    repo.record = record  # type: ignore[misc]
    return repo


class PiccoloStage4Repository:
    def __init__(self) -> None:
        self._sel = _repo(Stage4SelectionTable, Stage4Selection)
        self._cov = _repo(Stage4NeedCoverageTable, Stage4NeedCoverage)
        self._dec = _repo(Stage4NeedDeclinationTable, Stage4NeedDeclination)
        self._rev = _repo(Stage4ProposalRevisionTable, Stage4ProposalRevision)
        self._det = _repo(Stage4ProposalDetailsTable, Stage4ProposalDetails)
        self._clo = _repo(Stage4ClosureTable, Stage4Closure)

    async def selections(self, session_id: str) -> list[Stage4Selection]:
        t = Stage4SelectionTable
        return await self._sel._select(t.session_id == session_id,
                                       order_by=(t.created_at, t.id))

    async def put_selection(self, selection: Stage4Selection) -> None:
        t = Stage4SelectionTable
        where = (t.proposal_id == selection.proposal_id) & (t.user_id == selection.user_id)
        row = to_row(selection)  # the note is encrypted at rest
        values = {t.decision: row["decision"], t.note: row["note"],
                  t.updated_at: row["updated_at"]}
        if await run(t.update(values).where(where).returning(t.id)):
            return
        try:
            await self._sel._insert(selection)
        except DuplicateKey:  # the same person's other request inserted first
            await run(t.update(values).where(where))

    async def coverage(self, session_id: str) -> list[Stage4NeedCoverage]:
        t = Stage4NeedCoverageTable
        return await self._cov._select(t.session_id == session_id,
                                       order_by=(t.updated_at, t.id))

    async def replace_coverage(self, session_id: str, rows: list[Stage4NeedCoverage]) -> None:
        t = Stage4NeedCoverageTable
        await run(t.delete().where(t.session_id == session_id))
        if rows:
            await run(t.insert(*(t(**to_row(row)) for row in rows)))

    async def declinations(self, session_id: str) -> list[Stage4NeedDeclination]:
        t = Stage4NeedDeclinationTable
        return await self._dec._select(t.session_id == session_id,
                                       order_by=(t.created_at, t.id))

    async def add_declination(self, declination: Stage4NeedDeclination) -> bool:
        t = Stage4NeedDeclinationTable
        query = (t.insert(t(**to_row(declination))).on_conflict(action="DO NOTHING")
                 .returning(t.id))
        return bool(await run(query))

    async def remove_declination(self, session_id: str, user_id: str, need_id: str) -> bool:
        t = Stage4NeedDeclinationTable
        return bool(await self._dec._delete((t.session_id == session_id)
                                            & (t.user_id == user_id) & (t.need_id == need_id)))

    async def add_revision(self, revision: Stage4ProposalRevision) -> None:
        await self._rev._insert(revision)

    async def revisions(self, session_id: str) -> list[Stage4ProposalRevision]:
        t = Stage4ProposalRevisionTable
        return await self._rev._select(t.session_id == session_id,
                                       order_by=(t.created_at, t.id))

    async def put_details(self, details: Stage4ProposalDetails) -> None:
        t = Stage4ProposalDetailsTable
        await run(t.delete().where(t.proposal_id == details.proposal_id))
        await self._det._insert(details)

    async def details(self, session_id: str) -> list[Stage4ProposalDetails]:
        t = Stage4ProposalDetailsTable
        return await self._det._select(t.session_id == session_id)

    async def closure(self, session_id: str) -> Stage4Closure | None:
        return await self._clo._first(Stage4ClosureTable.session_id == session_id)

    async def add_closure(self, closure: Stage4Closure) -> None:
        await self._clo._insert(closure)

