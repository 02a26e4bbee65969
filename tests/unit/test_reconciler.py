"""The reconciler over in-memory fakes with a scripted model: every recommendation path, the
circuit breaker, model failures, share offers and their privacy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus
from mwf_core.domain.enums import MessageRole, SessionStatus, Stage
from mwf_core.domain.errors import Forbidden, NotFound, SessionNotActive, ValidationFailed
from mwf_core.domain.reconciler import ShareOfferStatus
from mwf_core.domain.records import Message, User
from mwf_core.usecases.messages import MessageUseCases
from mwf_core.usecases.reconciler import ReconcilerUseCases
from tests.fakes.scripted_llm import ScriptedModel, fail, text

from .conftest import App

ANALYSIS = "reconciler-analysis"
SUGGESTION = "reconciler-share-suggestion"
ALICE_SECRET = "I felt invisible when my sister laughed at dinner"
GAP_SUMMARY = "GAP-SUMMARY-about-invisibility"
MISSED = "MISSED-FEELING-invisible"
SUGGESTED = "SUGGESTED-I want you to know how small I felt"


def analysis(action: str = "PROCEED", focus: str | None = None,
             severity: str = "none") -> str:
    return json.dumps({
        "alignment": {"score": 70, "summary": "close", "correctlyIdentified": ["hurt"]},
        "gaps": {"severity": severity, "summary": GAP_SUMMARY, "missedFeelings": [MISSED],
                 "misattributions": [], "mostImportantGap": "MOST-IMPORTANT-GAP"},
        "recommendation": {"action": action, "rationale": "why", "sharingWouldHelp": True,
                           "suggestedShareFocus": focus},
        "abstractGuidance": {"areaHint": "AREA-HINT", "guidanceType": "explore_feelings",
                             "promptSeed": "PROMPT-SEED"},
    })


def suggestion() -> str:
    return json.dumps({"suggestedContent": SUGGESTED, "reason": "REASON"})


class World:
    def __init__(self, app: App, model: ScriptedModel, reconciler: ReconcilerUseCases,
                 messages: MessageUseCases, session_id: str, alice: User, bob: User) -> None:
        self.app, self.model, self.reconciler = app, model, reconciler
        self.messages, self.session_id, self.alice, self.bob = messages, session_id, alice, bob

    async def attempt(self, user: User, content: str = "You felt hurt and left out at the "
                      "dinner and wanted me to notice.",
                      status: EmpathyStatus = EmpathyStatus.HELD, revisions: int = 0) -> None:
        now = self.app.clock.now()
        async with self.app.db() as uow:
            await uow.empathy_attempts.add(EmpathyAttempt(
                id=f"attempt-{user.id}", session_id=self.session_id, source_user_id=user.id,
                content=content, shared_at=now, status=status, created_at=now, updated_at=now,
                revision_count=revisions))
            await uow.commit()

    async def said(self, user: User, content: str) -> None:
        async with self.app.db() as uow:
            await uow.messages.add(Message(
                id=self.app.deps.ids.new_id(), session_id=self.session_id, sender_id=user.id,
                for_user_id=None, role=MessageRole.USER, content=content,
                stage=int(Stage.WITNESS), timestamp=self.app.clock.now()))
            await uow.commit()

    async def feel_heard(self, user: User) -> Any:
        return await self.messages.confirm_feel_heard(user, self.session_id, True)

    async def status_of(self, user: User) -> EmpathyStatus:
        async with self.app.db() as uow:
            attempt = await uow.empathy_attempts.by_author(self.session_id, user.id)
            assert attempt is not None
            return attempt.status

    async def run(self, guesser: User) -> None:
        self.reconciler.schedule(self.session_id, guesser.id)
        await self.reconciler.drain()

    async def lane(self, user: User) -> list[Message]:
        async with self.app.db() as uow:
            return await uow.messages.lane(self.session_id, user.id, 500, oldest_first=True)

    async def offers(self) -> list[Any]:
        async with self.app.db() as uow:
            return await uow.reconciler.offers_for_session(self.session_id)

    async def result(self, guesser: User) -> Any:
        async with self.app.db() as uow:
            return await uow.reconciler.latest_result(self.session_id, guesser.id)

    def events_on(self, channel: str) -> list[Any]:
        return [e for e in self.app.events() if e.channel == channel]


@pytest.fixture
async def world(app: App, active: tuple[str, str], alice: User, bob: User) -> World:
    return await make_world(app, active, alice, bob)


async def make_world(app: App, active: tuple[str, str], alice: User, bob: User) -> World:
    model = ScriptedModel()
    reconciler = ReconcilerUseCases(app.deps, model)
    messages = MessageUseCases(app.deps, model, schedule_reconciler=reconciler.schedule)
    w = World(app, model, reconciler, messages, active[0], alice, bob)
    await w.said(alice, ALICE_SECRET)
    return w


async def both_heard(w: World) -> None:
    await w.feel_heard(w.alice)
    await w.feel_heard(w.bob)


# ---- the analysis paths -----------------------------------------------------------------------


async def test_proceed_makes_the_attempt_ready_with_an_alignment_line(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    await world.run(world.bob)
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    result = await world.result(world.bob)
    assert result.subject_id == world.alice.id and result.recommended_action.value == "PROCEED"
    assert await world.offers() == []
    bob_lane = await world.lane(world.bob)
    assert "reflects a lot of what matters" in bob_lane[-1].content
    assert world.model.calls[SUGGESTION] == 0
    # The analysis saw the subject's stage-1 words; the request is about Bob's direction.
    request = next(r for r in world.model.requests if r.call_type == ANALYSIS)
    assert ALICE_SECRET in request.messages[0].text
    ai = [e for e in world.events_on(f"user:{world.bob.id}") if e.name.startswith("message.")]
    assert [e.name for e in ai] == ["message.ai_response"]


async def test_feel_heard_triggers_the_partners_held_attempt(world: World) -> None:
    await world.feel_heard(world.bob)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    result = await world.feel_heard(world.alice)
    assert result.reconciler_triggered is True
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY


async def test_feel_heard_without_a_held_attempt_triggers_nothing(world: World) -> None:
    result = await world.feel_heard(world.alice)
    assert result.reconciler_triggered is False
    await world.reconciler.drain()
    assert world.model.calls[ANALYSIS] == 0


async def test_no_analysis_before_the_subject_felt_heard(world: World) -> None:
    await world.feel_heard(world.bob)
    await world.attempt(world.bob)
    await world.run(world.bob)
    assert await world.status_of(world.bob) is EmpathyStatus.HELD
    assert world.model.calls[ANALYSIS] == 0


async def test_offer_sharing_asks_the_subject_privately(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("OFFER_SHARING", "feeling invisible",
                                               "significant")))
    world.model.script(SUGGESTION, text(suggestion()))
    await world.run(world.bob)
    assert await world.status_of(world.bob) is EmpathyStatus.AWAITING_SHARING
    [offer] = await world.offers()
    assert offer.status is ShareOfferStatus.PENDING and offer.user_id == world.alice.id
    assert offer.suggested_content == SUGGESTED
    alice_lane = await world.lane(world.alice)
    assert alice_lane[-1].role is MessageRole.SHARE_SUGGESTION
    assert alice_lane[-1].content == SUGGESTED
    [to_alice] = [e for e in world.events_on(f"user:{world.alice.id}")
                  if e.name.startswith("empathy.")]
    assert to_alice.name == "empathy.share_suggestion"
    assert to_alice.payload["suggestedContent"] == SUGGESTED
    [to_bob] = [e for e in world.events_on(f"user:{world.bob.id}")
                if e.name.startswith("empathy.")]
    assert to_bob.name == "empathy.status_updated"
    assert to_bob.payload["status"] == "AWAITING_SHARING"
    # Nothing Bob can see carries Alice's words or the private analysis.
    for event in world.app.events():
        if event.channel == f"user:{world.alice.id}":
            continue
        blob = json.dumps(event.payload)
        for secret in (SUGGESTED, GAP_SUMMARY, MISSED, ALICE_SECRET, "REASON"):
            assert secret not in blob
    for line in await world.lane(world.bob):
        assert SUGGESTED not in line.content and GAP_SUMMARY not in line.content
    # The share offer is visible to its subject only.
    assert await world.reconciler.get_share_offer(world.bob, world.session_id) is None


@pytest.mark.parametrize(("focus", "expected"), [
    (None, EmpathyStatus.READY), ("the evening", EmpathyStatus.AWAITING_SHARING)])
async def test_offer_optional_needs_a_focus(world: World, focus: str | None,
                                            expected: EmpathyStatus) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("OFFER_OPTIONAL", focus, "minor")))
    world.model.script(SUGGESTION, text(suggestion()))
    await world.run(world.bob)
    assert await world.status_of(world.bob) is expected


@pytest.mark.parametrize("step", [text("no json here at all"), fail(retryable=False),
                                  text('{"alignment": "broken", "recommendation": 3}')])
async def test_unusable_analysis_proceeds(world: World, step: Any) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, step)
    await world.run(world.bob)
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    assert (await world.result(world.bob)).recommended_action.value == "PROCEED"


async def test_failed_share_suggestion_uses_the_fixed_text(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("OFFER_SHARING", "x", "moderate")))
    world.model.script(SUGGESTION, fail(retryable=True))
    await world.run(world.bob)
    [offer] = await world.offers()
    assert offer.suggested_content.startswith("There is more to how this felt")
    assert await world.status_of(world.bob) is EmpathyStatus.AWAITING_SHARING


async def test_circuit_breaker_skips_the_analysis(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING, revisions=4)
    await world.run(world.bob)
    assert world.model.calls[ANALYSIS] == 0
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    assert (await world.result(world.bob)).was_circuit_breaker_trip is True
    assert "shared as it is" in (await world.lane(world.bob))[-1].content


async def test_three_revisions_still_analyse(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING, revisions=3)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    await world.run(world.bob)
    assert world.model.calls[ANALYSIS] == 1


async def test_no_second_offer_after_context_was_shared(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("OFFER_SHARING", "x", "significant")),
                       text(analysis("OFFER_SHARING", "y", "significant")))
    world.model.script(SUGGESTION, text(suggestion()))
    await world.run(world.bob)
    await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "accept")
    world.app.clock.advance(seconds=5)
    # Bob resubmits (helper E's use case does this; simulated here).
    async with world.app.db() as uow:
        attempt = await uow.empathy_attempts.by_author(world.session_id, world.bob.id)
        assert attempt is not None and attempt.status is EmpathyStatus.REFINING
        expected = attempt.status_version
        attempt.status, attempt.status_version = EmpathyStatus.ANALYZING, expected + 1
        attempt.revision_count += 1
        assert await uow.empathy_attempts.update(attempt, expected)
        await uow.commit()
    await world.run(world.bob)
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    assert len(await world.offers()) == 1
    assert "shared as it is" in (await world.lane(world.bob))[-1].content
    async with world.app.db() as uow:
        results = await uow.reconciler.results_for_session(world.session_id)
    assert len(results) == 2 and results[0].superseded_at is not None
    assert results[1].superseded_at is None


async def test_a_second_schedule_during_a_run_is_not_lost(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    world.reconciler.schedule(world.session_id, world.bob.id)
    world.reconciler.schedule(world.session_id, world.bob.id)
    await world.reconciler.drain()
    # The repeat found the attempt READY and stopped: one analysis, one result.
    assert world.model.calls[ANALYSIS] == 1


async def test_recover_reschedules_stuck_analyses(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    assert await world.reconciler.recover(world.session_id) == 1
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY


# ---- answering the share offer ---------------------------------------------------------------


async def offered(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("OFFER_SHARING", "invisible", "significant")))
    world.model.script(SUGGESTION, text(suggestion()))
    await world.run(world.bob)


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


# ---- recovery of unfinished analyses ---------------------------------------------------------


async def test_recover_all_finishes_what_a_crashed_run_left_analyzing(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING)  # the run died mid-way
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    assert await world.reconciler.recover_all() == 1
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    assert (await world.result(world.bob)) is not None
    assert await world.reconciler.recover_all() == 0  # nothing left


async def test_recover_all_picks_up_held_attempts_only_once_the_subject_felt_heard(
    world: World,
) -> None:
    await world.attempt(world.bob)  # HELD
    await world.feel_heard(world.bob)  # the guesser is done; Alice (the subject) is not
    assert await world.reconciler.recover_all() == 0
    # Alice feels heard, but the process dies before that commit's schedule runs.
    lost = MessageUseCases(world.app.deps, world.model, schedule_reconciler=None)
    await lost.confirm_feel_heard(world.alice, world.session_id, True)
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.HELD
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    assert await world.reconciler.recover_all() == 1
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY


async def test_recover_all_honours_updated_before_and_running_directions(
    world: World,
) -> None:
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING)
    earlier = world.app.clock.now()
    assert await world.reconciler.recover_all(updated_before=earlier) == 0
    world.app.clock.advance(seconds=5)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    world.reconciler.schedule(world.session_id, world.bob.id)  # a run is going on
    assert await world.reconciler.recover_all(
        updated_before=world.app.clock.now()) == 0
    await world.reconciler.drain()
    assert world.model.calls[ANALYSIS] == 1
    assert await world.status_of(world.bob) is EmpathyStatus.READY


async def test_a_failed_finish_leaves_the_attempt_for_recovery(
    world: World, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    original = ReconcilerUseCases._finish

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(ReconcilerUseCases, "_finish", broken)
    await world.run(world.bob)  # logged, never raised
    assert await world.status_of(world.bob) is EmpathyStatus.ANALYZING
    assert (await world.result(world.bob)) is None
    monkeypatch.setattr(ReconcilerUseCases, "_finish", original)
    assert await world.reconciler.recover_all() == 1
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY


async def test_empathy_status_resumes_a_stuck_analysis_lazily(world: World) -> None:
    from mwf_core.usecases.empathy import EmpathyUseCases

    empathy = EmpathyUseCases(world.app.deps, world.model, world.reconciler)
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    view = await empathy.status(world.alice, world.session_id)  # the subject looks
    assert view.partner_empathy_held_status is EmpathyStatus.ANALYZING
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    # Nothing waiting: reading the status schedules nothing.
    await empathy.status(world.bob, world.session_id)
    assert not world.reconciler._tasks
    assert world.model.calls[ANALYSIS] == 1
