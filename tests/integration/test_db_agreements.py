"""Agreements and legacy strategy rankings on a real database (both engines)."""

from __future__ import annotations

import dataclasses

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.tables import UserTable
from mwf_core.domain.agreements import (
    Agreement,
    AgreementStatus,
    AgreementType,
    StrategyRanking,
)
from mwf_core.domain.errors import DuplicateKey, NotFound

from .test_repositories import PLUS_TWO, Pair, assert_all_utc, at, new_id, seed_pair


def make_agreement(pair: Pair, minutes: float = 0, **overrides: object) -> Agreement:
    values: dict[str, object] = dict(
        id=new_id("agr"), session_id=pair.session.id, description="Walk together on Sundays",
        type=AgreementType.MICRO_EXPERIMENT, status=AgreementStatus.PROPOSED,
        created_at=at(minutes))
    return Agreement(**{**values, **overrides})  # type: ignore[arg-type]


async def test_agreements_round_trip_in_creation_order_and_update(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    bare = make_agreement(pair, 2)
    full = make_agreement(pair, 1, description="Zoë 💬 \"check in\"", type=AgreementType.HYBRID,
                          status=AgreementStatus.AGREED, agreed_by_a=True, agreed_by_b=True,
                          agreed_at=at(3).astimezone(PLUS_TWO), follow_up_date=at(60),
                          duration="two weeks", measure_of_success="we both feel calmer",
                          proposal_id="prp_x", created_by_user_id=pair.a.id)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    async with factory() as uow:
        await uow.agreements.add(bare)
        await uow.agreements.add(full)
        with pytest.raises(DuplicateKey):
            await uow.agreements.add(bare)
        await uow.commit()
    async with factory() as uow:
        loaded = await uow.agreements.get(full.id)
        assert loaded == full and loaded is not None
        assert_all_utc(loaded)
        assert await uow.agreements.get("agr_missing") is None
        assert [a.id for a in await uow.agreements.for_session(pair.session.id)] == [
            full.id, bare.id]
        assert await uow.agreements.for_session("ses_other") == []
        changed = dataclasses.replace(bare, agreed_by_b=True, status=AgreementStatus.AGREED,
                                      agreed_at=at(9), created_at=at(99), session_id="ses_x")
        await uow.agreements.update(changed)
        with pytest.raises(NotFound):
            await uow.agreements.update(make_agreement(pair))
        await uow.commit()
    async with factory() as uow:
        # session_id and created_at never change.
        assert await uow.agreements.get(bare.id) == dataclasses.replace(
            changed, created_at=bare.created_at, session_id=bare.session_id)


async def test_a_deleted_creator_leaves_the_agreement_unattributed(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    agreement = make_agreement(pair, created_by_user_id=pair.b.id)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    async with factory() as uow:
        await uow.agreements.add(agreement)
        await uow.commit()
    await UserTable.delete().where(UserTable.id == pair.b.id).run()
    async with factory() as uow:
        loaded = await uow.agreements.get(agreement.id)
        assert loaded is not None and loaded.created_by_user_id is None


async def test_rankings_upsert_one_row_per_person(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    factory = PiccoloUnitOfWorkFactory(db_engine)
    first = StrategyRanking(new_id("rnk"), pair.session.id, pair.a.id, ["p1", "p2"], at(1))
    async with factory() as uow:
        await uow.rankings.upsert(first)
        await uow.rankings.upsert(StrategyRanking(new_id("rnk"), pair.session.id, pair.b.id,
                                                  ["p2"], at(2)))
        await uow.commit()
    async with factory() as uow:
        await uow.rankings.upsert(StrategyRanking(new_id("rnk"), pair.session.id, pair.a.id,
                                                  ["p3", "p1", "p2"], at(5)))
        await uow.commit()
    async with factory() as uow:
        rows = await uow.rankings.for_session(pair.session.id)
        assert [(r.user_id, r.ranked_ids) for r in rows] == [
            (pair.b.id, ["p2"]), (pair.a.id, ["p3", "p1", "p2"])]
        assert rows[1].id == first.id and rows[1].submitted_at == at(5)
        for row in rows:
            assert_all_utc(row)
        assert await uow.rankings.for_session("ses_other") == []
