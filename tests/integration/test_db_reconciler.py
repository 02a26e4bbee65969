"""Reconciler results and share offers on both engines: round trip, supersede, open offers,
one offer per result."""

from __future__ import annotations

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.domain.errors import DuplicateKey
from mwf_core.domain.reconciler import (
    GapSeverity,
    RecommendedAction,
    ReconcilerResult,
    ShareOffer,
    ShareOfferStatus,
)

from .test_repositories import at, new_id, seed_pair


async def test_results_and_offers_round_trip(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid, guesser, subject = pair.session.id, pair.b.id, pair.a.id
    factory = PiccoloUnitOfWorkFactory(db_engine)
    first = ReconcilerResult(
        id=new_id("res"), session_id=sid, guesser_id=guesser, subject_id=subject,
        created_at=at(1), alignment_score=40, correctly_identified=["hurt"],
        gap_severity=GapSeverity.SIGNIFICANT, missed_feelings=["alone"],
        recommended_action=RecommendedAction.OFFER_SHARING, suggested_share_focus="alone",
        area_hint="feelings", prompt_seed="What else?")
    offer = ShareOffer(id=new_id("off"), session_id=sid, result_id=first.id, user_id=subject,
                       guesser_id=guesser, status=ShareOfferStatus.PENDING, created_at=at(1),
                       updated_at=at(1), suggested_content="I felt alone.")
    async with factory() as uow:
        await uow.reconciler.add_result(first)
        await uow.reconciler.add_offer(offer)
        await uow.commit()
    async with factory() as uow:
        assert await uow.reconciler.latest_result(sid, guesser) == first
        assert await uow.reconciler.latest_result(sid, subject) is None
        assert await uow.reconciler.open_offer_for(sid, subject) == offer
        assert await uow.reconciler.open_offer_for(sid, guesser) is None
        with pytest.raises(DuplicateKey):
            await uow.reconciler.add_offer(ShareOffer(
                id=new_id("off"), session_id=sid, result_id=first.id, user_id=subject,
                guesser_id=guesser, status=ShareOfferStatus.PENDING, created_at=at(2),
                updated_at=at(2)))
    second = ReconcilerResult(id=new_id("res"), session_id=sid, guesser_id=guesser,
                              subject_id=subject, created_at=at(3))
    async with factory() as uow:
        assert await uow.reconciler.supersede_results(sid, guesser, at(3)) == 1
        await uow.reconciler.add_result(second)
        offer.status, offer.shared_content, offer.shared_at = (
            ShareOfferStatus.ACCEPTED, "I felt alone.", at(3))
        await uow.reconciler.update_offer(offer)
        await uow.commit()
    async with factory() as uow:
        assert await uow.reconciler.latest_result(sid, guesser) == second
        results = await uow.reconciler.results_for_session(sid)
        assert [r.id for r in results] == [first.id, second.id]
        assert results[0].superseded_at == at(3)
        assert await uow.reconciler.open_offer_for(sid, subject) is None
        assert await uow.reconciler.latest_offer_for(sid, subject) == offer
        assert await uow.reconciler.offers_for_session(sid) == [offer]
    second_offer = ShareOffer(id=new_id("off"), session_id=sid, result_id=second.id,
                              user_id=subject, guesser_id=guesser,
                              status=ShareOfferStatus.OFFERED, created_at=at(4),
                              updated_at=at(4))
    async with factory() as uow:
        await uow.reconciler.add_offer(second_offer)
        await uow.commit()
    async with factory() as uow:
        assert await uow.reconciler.expire_open_offers(sid, at(5)) == 1
        await uow.commit()
    async with factory() as uow:
        latest = await uow.reconciler.latest_offer_for(sid, subject)
        assert latest is not None and latest.status is ShareOfferStatus.EXPIRED
        assert latest.updated_at == at(5)
        assert await uow.reconciler.expire_open_offers(sid, at(6)) == 0
