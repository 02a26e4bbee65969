"""In-memory stage-4 repository. Rows live in `self._s.tables[name]`."""

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

from .store import _copy, _Table


class InMemoryStage4Repository(_Table):
    async def selections(self, session_id: str) -> list[Stage4Selection]:
        rows = [r for r in self._rows("stage4_selections").values()
                if r.session_id == session_id]
        return _copy(sorted(rows, key=lambda r: (r.created_at, r.id)))

    async def put_selection(self, selection: Stage4Selection) -> None:
        table = self._rows("stage4_selections")
        key = (selection.proposal_id, selection.user_id)
        stored = table.get(key)
        if stored is None:
            self._insert(table, key, selection)
            return
        stored = _copy(stored)
        stored.decision, stored.note = selection.decision, selection.note
        stored.updated_at = selection.updated_at
        self._replace(table, key, stored)

    async def coverage(self, session_id: str) -> list[Stage4NeedCoverage]:
        return _copy([r for r in self._rows("stage4_need_coverage").values()
                      if r.session_id == session_id])

    async def replace_coverage(self, session_id: str, rows: list[Stage4NeedCoverage]) -> None:
        table = self._rows("stage4_need_coverage")
        self._drop(table, lambda r: r.session_id != session_id)
        for row in rows:
            self._insert(table, row.id, row)

    async def declinations(self, session_id: str) -> list[Stage4NeedDeclination]:
        rows = [r for r in self._rows("stage4_need_declinations").values()
                if r.session_id == session_id]
        return _copy(sorted(rows, key=lambda r: (r.created_at, r.id)))

    async def add_declination(self, declination: Stage4NeedDeclination) -> bool:
        table = self._rows("stage4_need_declinations")
        key = (declination.session_id, declination.user_id, declination.need_id)
        if key in table:
            return False
        self._insert(table, key, declination)
        return True

    async def remove_declination(self, session_id: str, user_id: str, need_id: str) -> bool:
        table = self._rows("stage4_need_declinations")
        return bool(self._drop(table, lambda r: (r.session_id, r.user_id, r.need_id)
                               != (session_id, user_id, need_id)))

    async def add_revision(self, revision: Stage4ProposalRevision) -> None:
        self._insert(self._rows("stage4_proposal_revisions"), revision.id, revision)

    async def revisions(self, session_id: str) -> list[Stage4ProposalRevision]:
        rows = [r for r in self._rows("stage4_proposal_revisions").values()
                if r.session_id == session_id]
        return _copy(sorted(rows, key=lambda r: (r.created_at, r.id)))

    async def put_details(self, details: Stage4ProposalDetails) -> None:
        table = self._rows("stage4_proposal_details")
        self._drop(table, lambda r: r.proposal_id != details.proposal_id)
        self._insert(table, details.proposal_id, details)

    async def details(self, session_id: str) -> list[Stage4ProposalDetails]:
        return _copy([r for r in self._rows("stage4_proposal_details").values()
                      if r.session_id == session_id])

    async def closure(self, session_id: str) -> Stage4Closure | None:
        return _copy(self._rows("stage4_closures").get(session_id))

    async def add_closure(self, closure: Stage4Closure) -> None:
        table = self._rows("stage4_closures")
        if closure.session_id in table:
            raise DuplicateKey(f"stage-4 closure of {closure.session_id} already exists")
        self._insert(table, closure.session_id, closure)
