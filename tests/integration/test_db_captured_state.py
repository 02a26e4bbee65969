"""Empathy drafts, identified needs and strategy proposals on a real database (both engines)."""

from __future__ import annotations

import dataclasses

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.tables import (
    EmpathyDraftTable,
    IdentifiedNeedTable,
    StrategyProposalTable,
    UserTable,
)
from mwf_core.domain.enums import NeedCategory, ProposalKind, ProposalSource, ProposalStatus
from mwf_core.domain.errors import DuplicateKey
from mwf_core.domain.records import EmpathyDraft, IdentifiedNeed, StrategyProposal, UserVessel

from .test_repositories import PLUS_TWO, T0, Pair, assert_all_utc, at, new_id, seed_pair


async def seed(engine: Engine) -> tuple[Pair, UserVessel, UserVessel]:
    pair = await seed_pair(engine)
    vessels = (UserVessel(new_id("ves"), pair.session.id, pair.a.id, T0),
               UserVessel(new_id("ves"), pair.session.id, pair.b.id, T0))
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        for vessel in vessels:
            await uow.vessels.add_user_vessel(vessel)
        await uow.commit()
    return pair, *vessels


def make_draft(pair: Pair, user_id: str, **overrides: object) -> EmpathyDraft:
    values: dict[str, object] = dict(id=new_id("emd"), session_id=pair.session.id,
                                     user_id=user_id, content="I imagine you felt alone.",
                                     ready_to_share=False, version=1, created_at=T0,
                                     updated_at=T0)
    return EmpathyDraft(**{**values, **overrides})  # type: ignore[arg-type]


def make_need(vessel_id: str, need: str, minutes: float = 0, **overrides: object
              ) -> IdentifiedNeed:
    values: dict[str, object] = dict(id=new_id("ned"), vessel_id=vessel_id, need=need,
                                     category=NeedCategory.SAFETY, evidence=[],
                                     confirmed=False, created_at=at(minutes))
    return IdentifiedNeed(**{**values, **overrides})  # type: ignore[arg-type]


def make_proposal(pair: Pair, minutes: float = 0, **overrides: object) -> StrategyProposal:
    values: dict[str, object] = dict(
        id=new_id("prp"), session_id=pair.session.id, created_by_user_id=pair.a.id,
        description="Cook together on Sundays", needs_addressed=[],
        source=ProposalSource.USER_SUBMITTED, kind=ProposalKind.SHARED_PROPOSAL,
        status=ProposalStatus.ACTIVE, created_at=at(minutes))
    return StrategyProposal(**{**values, **overrides})  # type: ignore[arg-type]


async def test_records_round_trip_with_every_field_and_json_lists(db_engine: Engine) -> None:
    pair, va, vb = await seed(db_engine)
    draft = make_draft(pair, pair.a.id, content="Zoë felt 💬 \"unseen\"", ready_to_share=True,
                       version=3, created_at=at(1).astimezone(PLUS_TWO), updated_at=at(2))
    bare_need = make_need(va.id, "Rest")
    need = make_need(vb.id, "To be appreciated", 1, category=NeedCategory.RECOGNITION,
                     evidence=["He never says thanks", "ünïcode 💬", ""], confirmed=True,
                     ai_confidence=0.875, superseded_by_need_id=bare_need.id,
                     locked_at=at(3), deleted_at=at(4))
    bare = make_proposal(pair, created_by_user_id=None)
    full = make_proposal(pair, 1, needs_addressed=[need.id, bare_need.id],
                         source=ProposalSource.AI_SUGGESTED,
                         kind=ProposalKind.INDIVIDUAL_COMMITMENT,
                         status=ProposalStatus.REMOVED, parent_proposal_id=bare.id,
                         captured_from_message_id="msg_gone", removed_at=at(5),
                         removed_by_user_id=pair.b.id)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    async with factory() as uow:
        await uow.empathy_drafts.add(draft)
        for n in (bare_need, need):
            await uow.needs.add(n)
        for p in (bare, full):
            await uow.proposals.add(p)
        await uow.commit()
    async with factory() as uow:
        loaded = await uow.empathy_drafts.get(pair.session.id, pair.a.id)
        assert loaded == draft and loaded is not None
        assert_all_utc(loaded)
        assert await uow.empathy_drafts.get(pair.session.id, pair.b.id) is None
        assert await uow.needs.get(need.id) == need
        assert await uow.needs.get(bare_need.id) == bare_need
        assert await uow.proposals.get(full.id) == full
        assert await uow.proposals.get(bare.id) == bare
        assert await uow.needs.for_vessel(vb.id) == []  # superseded and deleted
        assert await uow.needs.for_vessel(vb.id, live_only=False) == [need]
        assert await uow.proposals.for_session(pair.session.id) == [bare, full]
        assert await uow.proposals.for_session(
            pair.session.id, frozenset({ProposalStatus.ACTIVE})) == [bare]
        assert await uow.proposals.for_session(pair.session.id, frozenset()) == []


async def test_one_draft_per_session_and_user_and_a_compare_and_set_update(
    db_engine: Engine,
) -> None:
    pair, _, _ = await seed(db_engine)
    draft = make_draft(pair, pair.a.id)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    async with factory() as uow:
        await uow.empathy_drafts.add(draft)
        await uow.empathy_drafts.add(make_draft(pair, pair.b.id))
        with pytest.raises(DuplicateKey):
            await uow.empathy_drafts.add(make_draft(pair, pair.a.id))
        # The refused insert left the transaction usable (PostgreSQL too).
        changed = dataclasses.replace(draft, content="v2", version=2, updated_at=at(1))
        assert await uow.empathy_drafts.update(changed, expected_version=5) is False
        assert await uow.empathy_drafts.update(changed, expected_version=1) is True
        assert await uow.empathy_drafts.update(changed, expected_version=1) is False
        await uow.commit()
    async with factory() as uow:
        assert await uow.empathy_drafts.get(pair.session.id, pair.a.id) == changed
    assert await EmpathyDraftTable.count() == 2


async def test_need_changes_apply_only_to_open_needs(db_engine: Engine) -> None:
    pair, va, _ = await seed(db_engine)
    open_need, locked = make_need(va.id, "Rest"), make_need(va.id, "Quiet", 1, locked_at=at(1))
    factory = PiccoloUnitOfWorkFactory(db_engine)
    async with factory() as uow:
        for n in (open_need, locked):
            await uow.needs.add(n)
        replacement = make_need(va.id, "Proper rest", 2)
        assert await uow.needs.supersede(locked.id, replacement.id) is False
        assert await uow.needs.soft_delete(locked.id, at(2)) is False
        assert await uow.needs.supersede(open_need.id, replacement.id) is True
        await uow.needs.add(replacement)
        assert await uow.needs.supersede(open_need.id, "ned_other") is False
        assert await uow.needs.soft_delete(open_need.id, at(2)) is False
        assert await uow.needs.soft_delete("ned_missing", at(2)) is False
        await uow.commit()
    async with factory() as uow:
        assert [n.id for n in await uow.needs.for_vessel(va.id)] == [locked.id, replacement.id]
        old = await uow.needs.get(open_need.id)
        assert old is not None and old.superseded_by_need_id == replacement.id
        assert await uow.needs.soft_delete(replacement.id, at(3)) is True
        await uow.commit()
    async with factory() as uow:
        assert [n.id for n in await uow.needs.for_vessel(va.id)] == [locked.id]
        gone = await uow.needs.get(replacement.id)
        assert gone is not None and gone.deleted_at == at(3)


async def test_retire_moves_only_active_proposals(db_engine: Engine) -> None:
    pair, _, _ = await seed(db_engine)
    first, second = make_proposal(pair), make_proposal(pair, 1)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    async with factory() as uow:
        for p in (first, second):
            await uow.proposals.add(p)
        assert await uow.proposals.retire(first.id, ProposalStatus.REVISED) is True
        assert await uow.proposals.retire(first.id, ProposalStatus.REMOVED,
                                          removed_at=at(2), removed_by_user_id=pair.b.id) is False
        assert await uow.proposals.retire(second.id, ProposalStatus.REMOVED, removed_at=at(2),
                                          removed_by_user_id=pair.b.id) is True
        assert await uow.proposals.retire("prp_missing", ProposalStatus.REMOVED) is False
        await uow.commit()
    async with factory() as uow:
        assert await uow.proposals.get(first.id) == dataclasses.replace(
            first, status=ProposalStatus.REVISED)
        assert await uow.proposals.get(second.id) == dataclasses.replace(
            second, status=ProposalStatus.REMOVED, removed_at=at(2), removed_by_user_id=pair.b.id)


async def test_cascades_with_vessel_session_and_account(db_engine: Engine) -> None:
    pair, va, vb = await seed(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    proposal = make_proposal(pair, removed_by_user_id=pair.a.id)
    async with factory() as uow:
        await uow.empathy_drafts.add(make_draft(pair, pair.a.id))
        await uow.empathy_drafts.add(make_draft(pair, pair.b.id))
        await uow.needs.add(make_need(va.id, "Rest"))
        kept = make_need(vb.id, "Quiet")
        await uow.needs.add(kept)
        await uow.proposals.add(proposal)
        await uow.commit()
    async with factory() as uow:
        # Leaving a session: the vessel goes, and with it my needs and my draft.
        assert await uow.vessels.delete_user_vessel(va.id) == 1
        await uow.commit()
    async with factory() as uow:
        assert await uow.needs.for_vessel(va.id, live_only=False) == []
        assert await uow.needs.for_vessel(vb.id) == [kept]
        assert await uow.empathy_drafts.get(pair.session.id, pair.a.id) is None
        assert await uow.empathy_drafts.get(pair.session.id, pair.b.id) is not None
    # A deleted account: its draft goes, its proposals stay in the inventory, unattributed.
    await UserTable.delete().where(UserTable.id == pair.a.id)
    async with factory() as uow:
        assert await uow.proposals.get(proposal.id) == dataclasses.replace(
            proposal, created_by_user_id=None, removed_by_user_id=None)
        await uow.sessions.delete(pair.session.id)
        await uow.commit()
    for table in (EmpathyDraftTable, IdentifiedNeedTable, StrategyProposalTable):
        assert await table.count() == 0, table._meta.tablename


async def test_rows_need_their_parents(db_engine: Engine) -> None:
    pair, _, _ = await seed(db_engine)
    # One attempt per transaction: on PostgreSQL a failed statement aborts the transaction.
    for add in (lambda uow: uow.needs.add(make_need("ves_missing", "Rest")),
                lambda uow: uow.proposals.add(make_proposal(pair, session_id="ses_missing")),
                lambda uow: uow.empathy_drafts.add(make_draft(pair, "usr_missing"))):
        async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
            with pytest.raises(Exception, match="(?i)foreign key"):
                await add(uow)
