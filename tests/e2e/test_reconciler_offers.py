"""The reconciler's share-offer paths (and its wait for feel-heard) over REST, driven by MOCK_LLM
fixtures, on both databases (partner-journey.md §1.3, §1.3.1, §3.5, §3.6, §7.4).

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

from mwf_core.domain.records import OutboxEvent
from tests.api.harness import Stack, both_at_stage1
from tests.api.test_conversation_rest import sse

from .driver import Journey, leaks, text_of
from .reconciler_flow import (
    ANALYSIS_PRIVATE,
    REVISED,
    STAGE1,
    STATEMENT,
    SUGGESTION,
    SUGGESTION_REASON,
    assert_private,
    both_heard,
    reveal_and_validate_both,
    stored_stages,
)

# ---- 1. share offer accepted (Alice -> Bob) and declined (Bob -> Alice) ---------------------


async def test_share_offer_accepted_then_refined_and_revealed(offer_stack: Stack) -> None:
    async with offer_stack.container.broker.subscribe() as queue:
        j = await both_heard(offer_stack, queue)

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
        assert "alone carrying the house" not in text_of(j.seen_by("alice"))

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
        assert await stored_stages(offer_stack, j, turn) == [21, 21]
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
        assert leaks(j.seen_by("alice"), ANALYSIS_PRIVATE) == []

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

        await reveal_and_validate_both(j, REVISED)
        reconciler = await j.ok("GET", "/reconciler/status", "bob")
        assert reconciler["readyForStage3"] is True and reconciler["pendingShareOffers"] == 0
        j.collect()
    assert_private(j)



async def _offered_to_bob(stack: Stack, queue: asyncio.Queue[OutboxEvent]) -> Journey:
    j = await both_heard(stack, queue)
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
        assert "alone carrying the house" not in text_of(j.seen_by("alice"))
        assert leaks(j.seen_by("alice"), ANALYSIS_PRIVATE) == []
    assert_private(j)


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
        assert "alone carrying the house" not in text_of(j.seen_by("alice"))
    assert_private(j)


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
        assert "alone carrying the house" not in text_of(j.seen_by("alice"))
    assert_private(j)
