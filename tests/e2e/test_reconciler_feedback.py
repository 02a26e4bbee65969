"""The reconciler's refinement paths after "not quite" feedback over REST, driven by MOCK_LLM
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
from tests.api.harness import Stack

from .driver import Journey, text_of
from .reconciler_flow import (
    FEEDBACK,
    REVISED,
    STATEMENT,
    assert_private,
    both_heard,
)

# ---- 2. refinement after "not quite" feedback --------------------------------------------


async def _both_revealed(stack: Stack, queue: asyncio.Queue[OutboxEvent]) -> Journey:
    j = await both_heard(stack, queue)
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
    feedback_events = [e for e in j.events if "taken for granted" in text_of(e.payload)]
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
    assert_private(j)


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
    assert_private(j)



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
    assert_private(j)


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
    assert_private(j)
