"""The stage-4 repository on a real database (both engines): upserted selections, unique
declinations, coverage replacement, revisions, details and the one closure per session."""

from __future__ import annotations

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.domain.errors import DuplicateKey
from mwf_core.domain.stage4 import (
    ClosureKind,
    ClosureReason,
    Coverage,
    Decision,
    RevisionAction,
    Stage4Closure,
    Stage4NeedCoverage,
    Stage4NeedDeclination,
    Stage4ProposalDetails,
    Stage4ProposalRevision,
    Stage4Selection,
)

from .test_repositories import assert_all_utc, at, new_id, seed_pair


async def test_stage4_rows_round_trip(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    factory = PiccoloUnitOfWorkFactory(db_engine)
    first = Stage4Selection(new_id("sel"), sid, "prp_1", pair.a.id, Decision.WILLING, at(1),
                            at(1), "a note")
    async with factory() as uow:
        await uow.stage4.put_selection(first)
        await uow.stage4.put_selection(Stage4Selection(
            new_id("sel"), sid, "prp_1", pair.a.id, Decision.NOT_WILLING, at(2), at(2), None))
        await uow.stage4.put_selection(Stage4Selection(
            new_id("sel"), sid, "prp_1", pair.b.id, Decision.WILLING, at(3), at(3)))
        declination = Stage4NeedDeclination(new_id("dec"), sid, pair.a.id, "need_1", at(1))
        assert await uow.stage4.add_declination(declination) is True
        again = Stage4NeedDeclination(new_id("dec"), sid, pair.a.id, "need_1", at(2))
        assert await uow.stage4.add_declination(again) is False
        await uow.stage4.replace_coverage(sid, [Stage4NeedCoverage(
            new_id("cov"), sid, "need_1", "Rest", pair.a.id, Coverage.OPEN, [], at(1))])
        await uow.stage4.replace_coverage(sid, [Stage4NeedCoverage(
            new_id("cov"), sid, "need_1", "Rest", pair.a.id, Coverage.COVERED, ["prp_1"], at(2))])
        await uow.stage4.add_revision(Stage4ProposalRevision(
            new_id("rev"), sid, "prp_0", RevisionAction.REVISE, "old", at(1), "prp_1", "new",
            pair.a.id))
        await uow.stage4.put_details(Stage4ProposalDetails("prp_1", sid, "1 week", "calm"))
        await uow.stage4.put_details(Stage4ProposalDetails("prp_1", sid, "2 weeks", None))
        closure = Stage4Closure(new_id("clo"), sid, ClosureKind.SHARED_AGREEMENT,
                                ClosureReason.MUTUAL_SELECTION, at(5), "sum", ["agr_1"],
                                ["prp_2"], ["need_2"], at(60), pair.b.id)
        await uow.stage4.add_closure(closure)
        await uow.commit()
    async with factory() as uow:
        selections = await uow.stage4.selections(sid)
        assert [(s.user_id, s.decision, s.note) for s in selections] == [
            (pair.a.id, Decision.NOT_WILLING, None), (pair.b.id, Decision.WILLING, None)]
        assert selections[0].id == first.id and selections[0].updated_at == at(2)
        assert [d.need_id for d in await uow.stage4.declinations(sid)] == ["need_1"]
        coverage = await uow.stage4.coverage(sid)
        assert [(c.coverage_status, c.covering_proposal_ids) for c in coverage] == [
            (Coverage.COVERED, ["prp_1"])]
        assert [r.new_proposal_id for r in await uow.stage4.revisions(sid)] == ["prp_1"]
        assert [(d.duration, d.measure_of_success) for d in await uow.stage4.details(sid)] == [
            ("2 weeks", None)]
        loaded = await uow.stage4.closure(sid)
        assert loaded == closure and loaded is not None
        assert_all_utc(loaded)
        assert await uow.stage4.remove_declination(sid, pair.a.id, "need_1") is True
        assert await uow.stage4.remove_declination(sid, pair.a.id, "need_1") is False
        with pytest.raises(DuplicateKey):
            await uow.stage4.add_closure(Stage4Closure(
                new_id("clo"), sid, ClosureKind.NO_SHARED_AGREEMENT, ClosureReason.NO_OVERLAP,
                at(6)))
