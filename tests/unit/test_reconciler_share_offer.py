"""The reconciler's share offer over in-memory fakes: reading, accepting, refining, declining
or skipping it, who may answer, and what the status views show (helpers in test_reconciler)."""

from __future__ import annotations

import pytest

from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import MessageRole, SessionStatus
from mwf_core.domain.errors import Forbidden, NotFound, SessionNotActive, ValidationFailed
from mwf_core.domain.reconciler import ShareOfferStatus
from mwf_core.domain.records import User
from tests.fakes.scripted_llm import text

from .test_reconciler import (
    ALICE_SECRET,
    ANALYSIS,
    GAP_SUMMARY,
    MISSED,
    SUGGESTED,
    World,
    analysis,
    both_heard,
    offered,
)
from .test_reconciler import world as world  # noqa: F401  (the fixture)

# ---- answering the share offer ---------------------------------------------------------------


async def test_reading_the_offer_marks_it_offered(world: World) -> None:
    await offered(world)
    view = await world.reconciler.get_share_offer(world.alice, world.session_id)
    assert view is not None and view.suggested_content == SUGGESTED
    assert view.guesser_name == "Bob" and view.suggested_share_focus == "invisible"
    [offer] = await world.offers()
    assert offer.status is ShareOfferStatus.OFFERED


async def test_accept_shares_with_the_guesser(world: World) -> None:
    await offered(world)
    before = len(world.app.events())
    result = await world.reconciler.respond_to_share_offer(world.alice, world.session_id,
                                                           "accept")
    assert (result.status, result.shared_content, result.guesser_updated) == (
        "shared", SUGGESTED, True)
    assert await world.status_of(world.bob) is EmpathyStatus.REFINING
    bob_lane = await world.lane(world.bob)
    assert [m.role for m in bob_lane[-2:]] == [MessageRole.SHARED_CONTEXT, MessageRole.AI]
    assert bob_lane[-2].content == SUGGESTED and bob_lane[-2].sender_id == world.alice.id
    assert (await world.lane(world.alice))[-1].role is MessageRole.AI
    new = world.app.events()[before:]
    shared = [e for e in new if e.name == "empathy.context_shared"]
    assert len(shared) == 1 and shared[0].channel == f"user:{world.bob.id}"
    assert shared[0].payload["content"] == SUGGESTED
    again = await world.reconciler.respond_to_share_offer(world.alice, world.session_id,
                                                          "accept")
    assert (again.status, again.guesser_updated) == ("shared", False)
    assert len([m for m in await world.lane(world.bob)
                if m.role is MessageRole.SHARED_CONTEXT]) == 1


async def test_refine_shares_the_subjects_own_words(world: World) -> None:
    await offered(world)
    with pytest.raises(ValidationFailed):
        await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "refine")
    with pytest.raises(ValidationFailed):
        await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "shout")
    result = await world.reconciler.respond_to_share_offer(
        world.alice, world.session_id, "refine", "  In my words: I felt small.  ")
    assert result.shared_content == "In my words: I felt small."
    [offer] = await world.offers()
    assert offer.refined_content == "In my words: I felt small."


@pytest.mark.parametrize(("how", "status"), [("decline", ShareOfferStatus.DECLINED),
                                              ("skip", ShareOfferStatus.SKIPPED)])
async def test_decline_or_skip_makes_the_attempt_ready(world: World, how: str,
                                                       status: ShareOfferStatus) -> None:
    await offered(world)
    if how == "skip":
        result = await world.reconciler.skip_share_offer(world.alice, world.session_id)
    else:
        result = await world.reconciler.respond_to_share_offer(world.alice, world.session_id,
                                                               "decline")
    assert result.guesser_updated is True and result.shared_content is None
    [offer] = await world.offers()
    assert offer.status is status
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    assert not any(m.role is MessageRole.SHARED_CONTEXT for m in await world.lane(world.bob))
    again = await world.reconciler.respond_to_share_offer(world.alice, world.session_id,
                                                          "accept")
    assert again.guesser_updated is False and again.shared_content is None


async def test_the_guesser_cannot_answer_the_offer(world: World) -> None:
    await offered(world)
    with pytest.raises(NotFound):
        await world.reconciler.respond_to_share_offer(world.bob, world.session_id, "accept")
    assert await world.status_of(world.bob) is EmpathyStatus.AWAITING_SHARING


async def test_stranger_is_refused(world: World, carol: User) -> None:
    await offered(world)
    with pytest.raises(Forbidden):
        await world.reconciler.get_share_offer(carol, world.session_id)
    with pytest.raises(Forbidden):
        await world.reconciler.status(carol, world.session_id)


async def test_status_and_summary_carry_no_private_text(world: World) -> None:
    await offered(world)
    bob_view = await world.reconciler.status(world.bob, world.session_id)
    assert bob_view.has_run and bob_view.mine.recommended_action is not None
    assert bob_view.mine.gap_severity == "significant"
    assert bob_view.partners.gap_severity is None
    alice_view = await world.reconciler.status(world.alice, world.session_id)
    assert alice_view.pending_share_offers == 1
    assert alice_view.partners.gap_severity is None
    for view in (bob_view, alice_view):
        blob = repr(view)
        for secret in (SUGGESTED, GAP_SUMMARY, MISSED, ALICE_SECRET):
            assert secret not in blob
    text_, ready = await world.reconciler.summary(world.bob, world.session_id)
    assert "considering sharing" in text_ and ready is False


async def test_both_ready_reveals(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.alice, status=EmpathyStatus.READY)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    await world.run(world.bob)
    assert await world.status_of(world.bob) is EmpathyStatus.REVEALED
    assert await world.status_of(world.alice) is EmpathyStatus.REVEALED


async def test_exchange_view_fields(world: World) -> None:
    from mwf_core.usecases.empathy_status import load_view
    from mwf_core.usecases.reconciler_status import fill_exchange_view

    await offered(world)
    await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "accept")
    async with world.app.db() as uow:
        rows = await uow.progress.for_session(world.session_id)
        bob_view = await load_view(uow, world.session_id, rows, world.bob.id, world.alice.id)
        await fill_exchange_view(uow, world.session_id, world.bob.id, bob_view)
        alice_view = await load_view(uow, world.session_id, rows, world.alice.id, world.bob.id)
        await fill_exchange_view(uow, world.session_id, world.alice.id, alice_view)
    assert bob_view.shared_context is not None
    assert bob_view.shared_context.content == SUGGESTED and bob_view.has_new_shared_context
    assert bob_view.refinement_hint is not None
    assert bob_view.refinement_hint.area_hint == "AREA-HINT"
    assert bob_view.my_reconciler_result is not None
    assert bob_view.my_reconciler_result.gap_summary is None
    assert GAP_SUMMARY not in repr(bob_view) and MISSED not in repr(bob_view)
    assert alice_view.my_shared_context == SUGGESTED and alice_view.shared_context is None
    assert alice_view.refinement_hint is None and alice_view.my_reconciler_result is None


@pytest.mark.parametrize("how", ["accept", "decline", "refine", "skip"])
async def test_a_paused_session_takes_no_answer_to_the_offer(world: World, how: str) -> None:
    await offered(world)
    await world.app.set_status(world.session_id, SessionStatus.PAUSED)
    with pytest.raises(SessionNotActive):
        if how == "skip":
            await world.reconciler.skip_share_offer(world.alice, world.session_id)
        else:
            await world.reconciler.respond_to_share_offer(
                world.alice, world.session_id, how,
                "My words." if how == "refine" else None)
    [offer] = await world.offers()
    assert offer.status is ShareOfferStatus.PENDING
    assert await world.status_of(world.bob) is EmpathyStatus.AWAITING_SHARING
