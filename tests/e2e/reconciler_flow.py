"""Shared by the reconciler e2e tests (test_reconciler_offers.py, test_reconciler_feedback.py):
the MOCK_LLM fixture each stack runs with, the two people's private words and the steps that
bring them to the reconciler's paths. The stack fixtures are registered in conftest.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.domain.records import OutboxEvent
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, both_at_stage1

from .driver import Journey, leaks

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


async def both_heard(stack: Stack, queue: asyncio.Queue[OutboxEvent]) -> Journey:
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


async def stored_stages(stack: Stack, j: Journey, message_ids: list[str]) -> list[int]:
    """The `stage` column of these messages of Alice's lane, as stored (read-only)."""
    async with PiccoloUnitOfWorkFactory(stack.container.engine)() as uow:
        lane = await uow.messages.lane(j.sid, j.ids["alice"], 500)
    stages = {m.id: m.stage for m in lane}
    return [stages[i] for i in message_ids]


def assert_private(j: Journey) -> None:
    for reader, author in (("bob", "alice"), ("alice", "bob")):
        seen = j.seen_by(reader)
        assert seen
        assert leaks(seen, PRIVATE[author]) == [], reader


async def reveal_and_validate_both(j: Journey, alice_statement: str) -> None:
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
