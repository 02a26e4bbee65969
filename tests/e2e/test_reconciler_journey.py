"""The reconciler's share-offer and refinement paths over REST, driven by MOCK_LLM fixtures, on
both databases (partner-journey.md §1.3, §1.3.1, §3.5, §3.6, §7.4).

The background analysis uses the stack's default fixture (`E2E_FIXTURE_ID`), never a request
header, so each run picks its fixture when the stack opens:

- `reconciler-offer-sharing`: every first analysis of a direction says OFFER_SHARING (a second
  analysis after shared context ends READY: no second offer);
- `reconciler-no-gaps`: every analysis says PROCEED.

What is asserted is what the two people would notice through the gateway, while everything each
one receives (responses, SSE frames and broker events on the session channel and their own user
channel) is scanned for the other's private stage-1 words - and, for Alice, for the share
suggestion written for Bob before Bob accepted it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.domain.records import OutboxEvent
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, both_at_stage1
from tests.api.test_conversation_rest import sse

OFFER_FIXTURE = "reconciler-offer-sharing"
NO_GAPS_FIXTURE = "reconciler-no-gaps"
# The share suggestion and the refinement hint of the offer-sharing fixture.
SUGGESTION = "It is less about the dishes and more that I feel alone carrying the house."
SUGGESTION_REASON = "It names the feeling they have not seen yet."
# What the analysis says about Bob's side: server-side only, never shown to the guesser.
ANALYSIS_PRIVATE = ("alone with the load", "feeling alone with the household",
                    "thinks it is about tidiness", "not what is under it")

STAGE1 = {
    "alice": ("I feel invisible when the marmalade jars pile up and nobody helps.",
              "Last weekend I scrubbed the kitchen alone while the accordion played."),
    "bob": ("I feel ambushed when the list of chores appears on the fridge magnet.",
            "I was working double shifts at the observatory and the telescope deadline loomed."),
}
PRIVATE = {"alice": ("marmalade", "accordion", "scrubbed"),
           "bob": ("ambushed", "fridge magnet", "observatory", "telescope")}
STATEMENT = {
    "alice": "I think you feel tired and frustrated that the chores land on you.",
    "bob": "I guess you feel unappreciated when your work at home goes unnoticed.",
}
REVISED = "I think you feel alone carrying the house, not only tired of the mess."
FEEDBACK = "It is less about tiredness and more about feeling taken for granted."


@pytest.fixture
async def offer_stack(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    stack = await open_stack(db_url, tmp_path, mock_llm=True, e2e_fixture_id=OFFER_FIXTURE)
    try:
        yield stack
    finally:
        await close_stack(stack)


@pytest.fixture
async def no_gaps_stack(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    stack = await open_stack(db_url, tmp_path, mock_llm=True, e2e_fixture_id=NO_GAPS_FIXTURE)
    try:
        yield stack
    finally:
        await close_stack(stack)


class Journey:
    """Two people talking through the gateway, with everything each one receives recorded."""

    def __init__(self, stack: Stack, session_id: str, ids: dict[str, str],
                 queue: asyncio.Queue[OutboxEvent]) -> None:
        self.stack, self.sid, self.ids, self.queue = stack, session_id, ids, queue
        self.received: dict[str, list[Any]] = {"alice": [], "bob": []}
        self.events: list[OutboxEvent] = []

    def path(self, rest: str) -> str:
        return f"/api/sessions/{self.sid}{rest}"

    async def ok(self, method: str, rest: str, user: str, body: Any = None,
                 status: int = 200) -> dict[str, Any]:
        data = await self.stack.ok(method, self.path(rest), user, body, status=status)
        self.received[user].append(data)
        return data

    async def error(self, method: str, rest: str, user: str, body: Any = None, *,
                    status: int, code: str) -> dict[str, Any]:
        got = await self.stack.error(method, self.path(rest), user, body, status=status,
                                     code=code)
        self.received[user].append(got)
        return got

    async def say(self, user: str, text: str) -> dict[str, Any]:
        got = await sse(self.stack, self.sid, user, {"content": text})
        assert got.names()[-1] == "complete", got.events
        self.received[user].append(got.events)
        return dict(got.first("complete")["metadata"])

    async def settle(self) -> None:
        """Wait for the background analyses, then collect what the broker published."""
        await self.stack.container.reconciler.drain()
        await asyncio.sleep(0)
        self.collect()

    def collect(self) -> None:
        while not self.queue.empty():
            self.events.append(self.queue.get_nowait())

    def seen_by(self, user: str) -> list[Any]:
        """Everything `user` was sent: responses and the events on channels they listen to."""
        self.collect()
        channels = (f"session:{self.sid}", f"user:{self.ids[user]}")
        return [*self.received[user],
                *[(e.name, e.payload) for e in self.events if e.channel in channels]]

    async def lane(self, user: str) -> list[dict[str, Any]]:
        data = await self.ok("GET", "/messages?limit=500", user)
        return list(data["messages"])

    async def status(self, user: str) -> dict[str, Any]:
        return await self.ok("GET", "/empathy/status", user)

    async def attempt_status(self, user: str) -> str:
        return str((await self.status(user))["myAttempt"]["status"])

    async def stage(self, user: str) -> int:
        return int((await self.ok("GET", "/progress", user))["myProgress"]["stage"])

    async def share_statement(self, user: str, content: str) -> dict[str, Any]:
        await self.ok("POST", "/empathy/draft", user, {"content": content, "readyToShare": True})
        shared = await self.ok("POST", "/empathy/consent", user, {"consent": True})
        assert shared["consented"] is True
        return shared


def _text(blob: Any) -> str:
    return json.dumps(blob, default=str).lower()


def _leaks(blob: Any, words: tuple[str, ...]) -> list[str]:
    text = _text(blob)
    return [word for word in words if word.lower() in text]


async def _both_heard(stack: Stack, queue: asyncio.Queue[OutboxEvent]) -> Journey:
    """Both joined, told the mediator their side (the fixture offers the feel-heard check on
    the second turn) and pressed "I feel heard"."""
    started = await both_at_stage1(stack)
    ids = {u: (await stack.ok("GET", "/api/auth/me", u))["user"]["id"] for u in ("alice", "bob")}
    j = Journey(stack, started["session_id"], ids, queue)
    for user in ("alice", "bob"):
        offers = [(await j.say(user, line)).get("offerFeelHeardCheck") for line in STAGE1[user]]
        assert offers == [False, True]
        heard = await j.ok("POST", "/feel-heard", user, {"confirmed": True})
        assert heard["advancedToStage"] == 2
    return j


async def _stored_stages(stack: Stack, j: Journey, message_ids: list[str]) -> list[int]:
    """The `stage` column of these messages of Alice's lane, as stored (read-only)."""
    async with PiccoloUnitOfWorkFactory(stack.container.engine)() as uow:
        lane = await uow.messages.lane(j.sid, j.ids["alice"], 500)
    stages = {m.id: m.stage for m in lane}
    return [stages[i] for i in message_ids]


def _assert_private(j: Journey) -> None:
    for reader, author in (("bob", "alice"), ("alice", "bob")):
        seen = j.seen_by(reader)
        assert seen
        assert _leaks(seen, PRIVATE[author]) == [], reader


async def _reveal_and_validate_both(j: Journey, alice_statement: str) -> None:
    for user, other, content in (("alice", "bob", STATEMENT["bob"]),
                                 ("bob", "alice", alice_statement)):
        partner = await j.ok("GET", "/empathy/partner", user)
        assert partner["attempt"] is not None, partner
        assert partner["attempt"]["sourceUserId"] == j.ids[other]
        assert partner["attempt"]["content"] == content
        assert partner["partnerStatus"] == "REVEALED"
    first = await j.ok("POST", "/empathy/validate", "alice", {"validated": True})
    assert first["validated"] is True and first["canAdvance"] is False
    second = await j.ok("POST", "/empathy/validate", "bob", {"validated": True})
    assert second["canAdvance"] is True and second["partnerValidated"] is True
    assert [await j.stage(u) for u in ("alice", "bob")] == [3, 3]
    assert (await j.status("alice"))["readyForStage3"] is True


# ---- 1. share offer accepted (Alice -> Bob) and declined (Bob -> Alice) ---------------------


async def test_share_offer_accepted_then_refined_and_revealed(offer_stack: Stack) -> None:
    async with offer_stack.container.broker.subscribe() as queue:
        j = await _both_heard(offer_stack, queue)

        # Alice shares her statement; Bob has felt heard, so the analysis runs and offers.
        await j.share_statement("alice", STATEMENT["alice"])
        await j.settle()
        offer = await j.ok("GET", "/reconciler/share-offer", "bob")
        assert offer["hasSuggestion"] is True
        suggestion = offer["suggestion"]
        assert suggestion["suggestedContent"] == SUGGESTION
        assert suggestion["reason"] == SUGGESTION_REASON
        assert suggestion["guesserName"] == "Alice"
        assert suggestion["action"] == "OFFER_SHARING"
        bob_lane = await j.lane("bob")
        assert [m["content"] for m in bob_lane if m["role"] == "SHARE_SUGGESTION"] == [SUGGESTION]
        j.collect()
        announced = [e for e in j.events if e.name == "empathy.share_suggestion"]
        assert [(e.channel, e.payload["suggestedContent"]) for e in announced] == [
            (f"user:{j.ids['bob']}", SUGGESTION)]

        assert await j.ok("GET", "/reconciler/share-offer", "alice") == {
            "hasSuggestion": False, "suggestion": None}
        status = await j.status("alice")
        assert status["myAttempt"]["status"] == "AWAITING_SHARING"
        assert status["awaitingSharing"] is True
        assert status["sharedContext"] is None
        assert status["myReconcilerResult"]["action"] == "OFFER_SHARING"
        await j.lane("alice")
        await j.error("POST", "/empathy/resubmit", "alice", {"content": REVISED},
                      status=400, code="VALIDATION_ERROR")  # nothing to refine yet
        bob_view = await j.ok("GET", "/empathy/partner", "bob")
        assert bob_view["attempt"] is None
        assert bob_view["partnerStatus"] == "AWAITING_SHARING"
        # Nothing Alice has been sent so far carries the suggestion written for Bob.
        assert "alone carrying the house" not in _text(j.seen_by("alice"))

        # Bob accepts: the words reach Alice's lane, and her attempt is being refined.
        answer = await j.ok("POST", "/reconciler/share-offer/respond", "bob",
                            {"action": "accept"})
        assert answer == {"status": "shared", "sharedContent": SUGGESTION,
                          "guesserUpdated": True}
        alice_lane = await j.lane("alice")
        shared = [m for m in alice_lane if m["role"] == "SHARED_CONTEXT"]
        assert [(m["content"], m["senderId"]) for m in shared] == [(SUGGESTION, j.ids["bob"])]
        status = await j.status("alice")
        assert status["myAttempt"]["status"] == "REFINING"
        assert status["sharedContext"]["content"] == SUGGESTION
        # Only the abstract hints of the analysis reach the guesser.
        assert status["refinementHint"] == {
            "areaHint": "what sits under the frustration", "guidanceType": "explore_feelings",
            "promptSeed": "What might have been hard for them beyond the mess itself?"}
        assert status["myReconcilerResult"]["gapSeverity"] == "significant"
        assert status["myReconcilerResult"]["gapSummary"] is None
        again = await j.ok("POST", "/reconciler/share-offer/respond", "bob", {"action": "accept"})
        assert again == {"status": "shared", "sharedContent": SUGGESTION,
                         "guesserUpdated": False}
        assert await j.ok("GET", "/reconciler/share-offer", "bob") == {
            "hasSuggestion": False, "suggestion": None}
        context_events = [e for e in j.seen_by("alice")
                          if isinstance(e, tuple) and e[0] == "empathy.context_shared"]
        assert [e[1]["content"] for e in context_events] == [SUGGESTION]

        # Stage 2B: Alice talks once; her message and the reply are stored as stage 21.
        said = "So it is about feeling alone with it, not the dishes."
        got = await sse(offer_stack, j.sid, "alice", {"content": said})
        assert got.names()[-1] == "complete", got.events
        j.received["alice"].append(got.events)
        turn = [got.first("user_message")["id"], got.first("complete")["messageId"]]
        by_id = {m["id"]: m for m in await j.lane("alice")}
        assert [(by_id[i]["role"], by_id[i]["content"]) for i in turn] == [
            ("USER", said), ("AI", "That sounds lonely. Do you feel heard?")]
        # Stage 2B: the stored rows carry 21, and GET /messages reports 21 too.
        assert await _stored_stages(offer_stack, j, turn) == [21, 21]
        assert [by_id[i]["stage"] for i in turn] == [21, 21]

        # Resubmit: the same words are refused, changed words are analysed again.
        await j.error("POST", "/empathy/resubmit", "alice", {"content": STATEMENT["alice"]},
                      status=400, code="VALIDATION_ERROR")
        resubmitted = await j.ok("POST", "/empathy/resubmit", "alice", {"content": REVISED})
        assert resubmitted["status"] == "ANALYZING"
        assert resubmitted["empathyMessage"]["content"] == REVISED
        await j.settle()
        # Context was already shared in this direction: no second offer, the attempt is ready.
        assert await j.attempt_status("alice") == "READY"
        assert await j.ok("GET", "/reconciler/share-offer", "bob") == {
            "hasSuggestion": False, "suggestion": None}
        partner = await j.ok("GET", "/empathy/partner", "bob")
        assert partner["attempt"] is None  # no reveal while Bob has shared nothing
        # Up to here (before Alice is the subject of an analysis herself) nothing of the
        # analysis of Bob's side but its abstract hints reached Alice.
        assert _leaks(j.seen_by("alice"), ANALYSIS_PRIVATE) == []

        # Bob shares his statement; the analysis offers Alice to share, and she declines.
        await j.share_statement("bob", STATEMENT["bob"])
        await j.settle()
        assert await j.attempt_status("bob") == "AWAITING_SHARING"
        offer = await j.ok("GET", "/reconciler/share-offer", "alice")
        assert offer["hasSuggestion"] is True and offer["suggestion"]["guesserName"] == "Bob"
        declined = await j.ok("POST", "/reconciler/share-offer/respond", "alice",
                              {"action": "decline"})
        assert declined == {"status": "declined", "sharedContent": None,
                            "guesserUpdated": True}
        bob_status = await j.status("bob")
        assert bob_status["sharedContext"] is None
        assert not [m for m in await j.lane("bob") if m["role"] == "SHARED_CONTEXT"]
        # Declining made Bob's attempt READY, and with Alice's READY the reveal happened.
        assert bob_status["myAttempt"]["status"] == "REVEALED"
        assert await j.attempt_status("alice") == "REVEALED"

        await _reveal_and_validate_both(j, REVISED)
        reconciler = await j.ok("GET", "/reconciler/status", "bob")
        assert reconciler["readyForStage3"] is True and reconciler["pendingShareOffers"] == 0
        j.collect()
    _assert_private(j)



async def _offered_to_bob(stack: Stack, queue: asyncio.Queue[OutboxEvent]) -> Journey:
    j = await _both_heard(stack, queue)
    await j.share_statement("alice", STATEMENT["alice"])
    await j.settle()
    offer = await j.ok("GET", "/reconciler/share-offer", "bob")
    assert offer["suggestion"]["suggestedContent"] == SUGGESTION
    assert await j.attempt_status("alice") == "AWAITING_SHARING"
    return j


async def test_share_offer_refined_in_bobs_own_words(offer_stack: Stack) -> None:
    own_words = "Mostly I feel I keep the household going on my own."
    async with offer_stack.container.broker.subscribe() as queue:
        j = await _offered_to_bob(offer_stack, queue)
        await j.error("POST", "/reconciler/share-offer/respond", "bob", {"action": "refine"},
                      status=400, code="VALIDATION_ERROR")
        answer = await j.ok("POST", "/reconciler/share-offer/respond", "bob",
                            {"action": "refine", "refinedContent": own_words})
        assert answer == {"status": "shared", "sharedContent": own_words,
                          "guesserUpdated": True}
        status = await j.status("alice")
        assert status["myAttempt"]["status"] == "REFINING"
        assert status["sharedContext"]["content"] == own_words
        shared = [m["content"] for m in await j.lane("alice") if m["role"] == "SHARED_CONTEXT"]
        assert shared == [own_words]
        # The suggestion Bob replaced with his own words never reaches Alice.
        assert "alone carrying the house" not in _text(j.seen_by("alice"))
        assert _leaks(j.seen_by("alice"), ANALYSIS_PRIVATE) == []
    _assert_private(j)


async def test_share_offer_skipped_leaves_the_statement_as_it_is(offer_stack: Stack) -> None:
    async with offer_stack.container.broker.subscribe() as queue:
        j = await _offered_to_bob(offer_stack, queue)
        skipped = await j.ok("POST", "/reconciler/share-offer/skip", "bob")
        assert skipped["status"] == "SKIPPED" and skipped["message"]
        status = await j.status("alice")
        assert status["myAttempt"]["status"] == "READY"
        assert status["sharedContext"] is None and status["awaitingSharing"] is False
        assert not [m for m in await j.lane("alice") if m["role"] == "SHARED_CONTEXT"]
        assert await j.ok("GET", "/reconciler/share-offer", "bob") == {
            "hasSuggestion": False, "suggestion": None}
        assert "alone carrying the house" not in _text(j.seen_by("alice"))
    _assert_private(j)


# ---- 2. refinement after "not quite" feedback --------------------------------------------


async def _both_revealed(stack: Stack, queue: asyncio.Queue[OutboxEvent]) -> Journey:
    j = await _both_heard(stack, queue)
    for user in ("alice", "bob"):
        await j.share_statement(user, STATEMENT[user])
    await j.settle()
    for user in ("alice", "bob"):
        assert await j.attempt_status(user) == "REVEALED"
        status = await j.status(user)
        assert status["myReconcilerResult"]["action"] == "PROCEED"
        assert status["sharedContext"] is None
    assert await j.ok("GET", "/reconciler/share-offer", "bob") == {
        "hasSuggestion": False, "suggestion": None}
    return j


async def _not_quite(j: Journey) -> None:
    """Bob answers Alice's statement with feedback: Alice refines, with the feedback in her
    lane and on her own channel only."""
    answer = await j.ok("POST", "/empathy/validate", "bob",
                        {"validated": False, "feedback": FEEDBACK})
    assert answer["feedbackShared"] is True and answer["awaitingRevision"] is True
    assert await j.attempt_status("alice") == "REFINING"
    cards = [m for m in await j.lane("alice") if m["role"] == "VALIDATION_FEEDBACK"]
    assert [(m["content"], m["senderId"]) for m in cards] == [(FEEDBACK, j.ids["bob"])]
    partner = await j.ok("GET", "/empathy/partner", "bob")
    assert partner["attempt"] is None and partner["awaitingRevision"] is True
    j.collect()
    feedback_events = [e for e in j.events if "taken for granted" in _text(e.payload)]
    assert feedback_events
    assert {e.channel for e in feedback_events} == {f"user:{j.ids['alice']}"}


async def test_feedback_leads_to_a_resubmitted_statement(no_gaps_stack: Stack) -> None:
    async with no_gaps_stack.container.broker.subscribe() as queue:
        j = await _both_revealed(no_gaps_stack, queue)
        # Alice accepts Bob's statement first; then Bob says "not quite" about hers.
        await j.ok("POST", "/empathy/validate", "alice", {"validated": True})
        await _not_quite(j)

        await j.error("POST", "/empathy/resubmit", "alice", {"content": STATEMENT["alice"]},
                      status=400, code="VALIDATION_ERROR")
        await j.ok("POST", "/empathy/resubmit", "alice", {"content": REVISED})
        await j.settle()
        # Analysed again (PROCEED) and revealed again to Bob, with the new words.
        assert await j.attempt_status("alice") == "REVEALED"
        partner = await j.ok("GET", "/empathy/partner", "bob")
        assert partner["attempt"]["content"] == REVISED
        assert partner["attempt"]["revisionCount"] == 1
        done = await j.ok("POST", "/empathy/validate", "bob", {"validated": True})
        assert done["canAdvance"] is True
        assert [await j.stage(u) for u in ("alice", "bob")] == [3, 3]
        j.collect()
    _assert_private(j)


async def test_feedback_then_skip_refinement(no_gaps_stack: Stack) -> None:
    async with no_gaps_stack.container.broker.subscribe() as queue:
        j = await _both_revealed(no_gaps_stack, queue)
        await _not_quite(j)

        await j.error("POST", "/empathy/skip-refinement", "alice", {},
                      status=400, code="VALIDATION_ERROR")
        skipped = await j.ok("POST", "/empathy/skip-refinement", "alice",
                             {"willingToAccept": True})
        assert skipped == {"success": True}
        assert await j.attempt_status("alice") == "VALIDATED"
        j.collect()
        skip_events = [e for e in j.events if e.name == "partner.skipped_refinement"]
        assert [e.payload["willingToAccept"] for e in skip_events] == [True]
        assert [await j.stage(u) for u in ("alice", "bob")] == [2, 2]

        # Alice still answers Bob's statement; then both move on together.
        done = await j.ok("POST", "/empathy/validate", "alice", {"validated": True})
        assert done["canAdvance"] is True
        assert [await j.stage(u) for u in ("alice", "bob")] == [3, 3]
        j.collect()
    _assert_private(j)



async def test_feedback_before_the_guesser_answered_still_reaches_stage3(
        no_gaps_stack: Stack) -> None:
    async with no_gaps_stack.container.broker.subscribe() as queue:
        j = await _both_revealed(no_gaps_stack, queue)
        # Bob says "not quite" before Alice has answered his statement (the natural order when
        # Bob reads first); Alice revises, the analysis makes her statement READY.
        await _not_quite(j)
        await j.ok("POST", "/empathy/resubmit", "alice", {"content": REVISED})
        await j.settle()
        # The analysis makes it READY; Bob's is already REVEALED (the mutual reveal happened),
        # so the revision is revealed to Bob at once instead of waiting (it used to stay READY).
        assert await j.attempt_status("alice") == "REVEALED"
        partner = await j.ok("GET", "/empathy/partner", "bob")
        assert partner["attempt"] is not None and partner["attempt"]["content"] == REVISED
        # Alice now accepts Bob's statement; hers stays readable for Bob.
        await j.ok("POST", "/empathy/validate", "alice", {"validated": True})
        await j.settle()
        assert await j.attempt_status("bob") == "VALIDATED"
        partner = await j.ok("GET", "/empathy/partner", "bob")
        assert partner["attempt"] is not None and partner["attempt"]["content"] == REVISED
        done = await j.ok("POST", "/empathy/validate", "bob", {"validated": True})
        assert done["canAdvance"] is True
        assert [await j.stage(u) for u in ("alice", "bob")] == [3, 3]
        j.collect()
    _assert_private(j)


# ---- 3. the analysis waits for the subject to feel heard; the circuit breaker -----------------


async def test_analysis_waits_until_the_subject_felt_heard(offer_stack: Stack) -> None:
    async with offer_stack.container.broker.subscribe() as queue:
        started = await both_at_stage1(offer_stack)
        ids = {u: (await offer_stack.ok("GET", "/api/auth/me", u))["user"]["id"]
               for u in ("alice", "bob")}
        j = Journey(offer_stack, started["session_id"], ids, queue)
        for line in STAGE1["alice"]:
            await j.say("alice", line)
        await j.ok("POST", "/feel-heard", "alice", {"confirmed": True})
        await j.share_statement("alice", STATEMENT["alice"])
        await j.settle()
        # Bob is still telling his side: nothing is analysed, nothing offered.
        assert await j.attempt_status("alice") == "HELD"
        assert (await j.ok("GET", "/reconciler/status", "alice"))["hasRun"] is False
        assert await j.ok("GET", "/reconciler/share-offer", "bob") == {
            "hasSuggestion": False, "suggestion": None}
        for line in STAGE1["bob"]:
            await j.say("bob", line)
        await j.ok("POST", "/feel-heard", "bob", {"confirmed": True})
        await j.settle()
        assert await j.attempt_status("alice") == "AWAITING_SHARING"
        offer = await j.ok("GET", "/reconciler/share-offer", "bob")
        assert offer["suggestion"]["suggestedContent"] == SUGGESTION
        assert "alone carrying the house" not in _text(j.seen_by("alice"))
    _assert_private(j)


async def test_after_too_many_revisions_the_statement_is_shared_as_it_is(
        no_gaps_stack: Stack) -> None:
    async with no_gaps_stack.container.broker.subscribe() as queue:
        j = await _both_revealed(no_gaps_stack, queue)
        await j.ok("POST", "/empathy/validate", "alice", {"validated": True})
        last_lines = []
        for number in range(1, 5):
            await j.ok("POST", "/empathy/validate", "bob",
                       {"validated": False, "feedback": f"{FEEDBACK} ({number})"})
            assert await j.attempt_status("alice") == "REFINING"
            await j.ok("POST", "/empathy/resubmit", "alice",
                       {"content": f"{REVISED} (version {number})"})
            await j.settle()
            status = await j.status("alice")
            assert status["myAttempt"]["status"] == "REVEALED"
            assert status["myAttempt"]["revisionCount"] == number
            lane = await j.lane("alice")
            last_lines.append([m["content"] for m in lane if m["role"] == "AI"][-1])
        assert all("reflects a lot of what matters" in line for line in last_lines[:3])
        assert "will be shared as it is" in last_lines[3]
        cards = [m["content"] for m in lane if m["role"] == "VALIDATION_FEEDBACK"]
        assert cards == [f"{FEEDBACK} ({number})" for number in range(1, 5)]
        partner = await j.ok("GET", "/empathy/partner", "bob")
        assert partner["attempt"]["content"] == f"{REVISED} (version 4)"
        await j.ok("POST", "/empathy/validate", "bob", {"validated": True})
        assert [await j.stage(u) for u in ("alice", "bob")] == [3, 3]
        j.collect()
    _assert_private(j)
