"""The reconciler over in-memory fakes with a scripted model: every recommendation path, the
circuit breaker, model failures, share offers and their privacy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus
from mwf_core.domain.enums import MessageRole, Stage
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


async def offered(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("OFFER_SHARING", "invisible", "significant")))
    world.model.script(SUGGESTION, text(suggestion()))
    await world.run(world.bob)


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
