"""The whole partner journey over REST with the default offline mediator, on both databases:
two people from a new session to RESOLVED - heard, empathy exchanged and revealed, needs
shared, proposals chosen, an agreement (or, in the second run, no shared agreement) - while
everything Bob is ever sent is scanned for Alice's private stage-1 words, and the reverse."""

from __future__ import annotations

from typing import Any

from mwf_core.domain.records import OutboxEvent
from tests.api.harness import Stack, both_at_stage1

from .driver import Journey, drain, leaks

# Stage-1 words: private to their author for ever (only consented stage 2-4 content is shared).
STAGE1 = {
    "alice": ("I feel invisible when the marmalade jars pile up and nobody helps.",
              "Last weekend I scrubbed the kitchen alone while the accordion played.",
              "The silence afterwards feels like my effort is only a rumour.",
              "I rehearse the argument in my head on the tram home.",
              "I want someone to say they noticed the marmalade."),
    "bob": ("I feel ambushed when the list of chores appears on the fridge magnet.",
            "I was working double shifts at the observatory all month.",
            "It felt like nobody asked about the telescope deadline.",
            "I go quiet because I expect a lecture about the compost.",
            "I want my tiredness at the observatory to count too."),
}
PRIVATE = {"alice": ("marmalade", "accordion", "rumour", "rehearse", "tram"),
           "bob": ("ambushed", "fridge magnet", "observatory", "telescope", "compost")}
STAGE2 = ("I think you were exhausted and felt unseen when I only talked about chores.",
          "You probably felt alone because I did not notice how tired you were.",
          "I guess you felt frustrated and hurt, because your effort went unnoticed.",
          "Maybe you felt worried that we are drifting apart.")
STAGE3 = ("I need to feel that we are a team and that I can count on you.",
          "I need fairness in how we split the work at home.",
          "Being appreciated for what I do matters a lot to me.",
          "I need some rest and time to myself.")
STAGE4 = ("We could try a weekly chore rota we plan together on Sundays.",
          "Maybe we take turns cooking dinner on weekdays.",
          "We could say thank you out loud for one thing each day.",
          "A short walk together every evening could help.")


def _events_for(events: list[OutboxEvent], session_id: str, user_id: str) -> list[OutboxEvent]:
    return [e for e in events if e.channel in (f"session:{session_id}", f"user:{user_id}")]


async def _to_stage4(stack: Stack) -> Journey:
    started = await both_at_stage1(stack)
    ids = {u: (await stack.ok("GET", "/api/auth/me", u))["user"]["id"] for u in ("alice", "bob")}
    j = Journey(stack, started["session_id"], ids)

    # Stage 1: each talks until offered the check, then presses "I feel heard".
    for user in ("alice", "bob"):
        await j.ok("POST", "/messages/initial", user)
        await j.talk_until(user, STAGE1[user], "offerFeelHeardCheck")
        heard = await j.ok("POST", "/feel-heard", user, {"confirmed": True})
        assert heard["advancedToStage"] == 2

    # Stage 2: a statement each, confirmed and shared; the reconciler finds no gap offline.
    for user in ("alice", "bob"):
        metadata = await j.talk_until(user, STAGE2, "proposedEmpathyStatement")
        statement = metadata["proposedEmpathyStatement"]
        await j.ok("POST", "/empathy/draft", user, {"content": statement, "readyToShare": True})
        shared = await j.ok("POST", "/empathy/consent", user, {"consent": True})
        assert shared["consented"] is True
    await stack.container.reconciler.drain()
    for user, other in (("alice", "bob"), ("bob", "alice")):
        partner = await j.ok("GET", "/empathy/partner", user)
        assert partner["attempt"] is not None, partner
        assert partner["attempt"]["sourceUserId"] == j.ids[other]
    for user in ("alice", "bob"):
        await j.ok("POST", "/empathy/validate", user, {"validated": True})
    assert [await j.stage(u) for u in ("alice", "bob")] == [3, 3]

    # Stage 3: needs from the chat, confirmed and shared; the second share opens stage 4.
    for user in ("alice", "bob"):
        await j.talk_until(user, STAGE3, "proposedNeed")
        needs = (await j.ok("GET", "/needs", user))["needs"]
        live = [n["id"] for n in needs if n["status"] != "superseded" and not n["deletedAt"]]
        assert live
        await j.ok("POST", "/needs/confirm", user, {"needIds": live})
        await j.ok("POST", "/needs/consent", user, {"needIds": live})
    assert [await j.stage(u) for u in ("alice", "bob")] == [4, 4]
    comparison = await j.ok("GET", "/needs/comparison", "alice")
    assert comparison["myNeeds"] and comparison["partnerNeeds"]

    # Stage 4: proposals from the chat.
    for user in ("alice", "bob"):
        await j.talk_until(user, STAGE4, "stage4Proposals")
    return j


async def _choose_and_share(j: Journey, willing: bool) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for user in ("alice", "bob"):
        state = await j.ok("GET", "/stage4", user)
        proposals = state["inventory"]["sharedProposals"]
        assert proposals, state
        decision = "WILLING" if willing else "NOT_WILLING"
        await j.ok("POST", "/stage4/selections", user,
                   {"selections": [{"proposalId": p["id"], "decision": decision}
                                   for p in proposals]})
        state = await j.ok("GET", "/stage4", user)
        for need in state["coverageAudit"]["open"]:
            await j.ok("POST", f"/stage4/needs/{need['id']}/decline", user)
        await j.ok("POST", "/stage4/share-selections", user)
    return state


async def _assert_private(j: Journey, events: list[OutboxEvent]) -> None:
    for reader, author in (("bob", "alice"), ("alice", "bob")):
        assert leaks(j.received[reader], PRIVATE[author]) == []
        seen = _events_for(events, j.sid, j.ids[reader])
        assert seen
        for event in seen:
            assert leaks(event.payload, PRIVATE[author]) == [], (event.name, event.payload)


async def test_two_people_reach_a_shared_agreement(stack: Stack) -> None:
    async with stack.container.broker.subscribe() as queue:
        j = await _to_stage4(stack)
        await _choose_and_share(j, willing=True)
        state = await j.ok("GET", "/stage4", "bob")
        assert all(s["decision"] == "WILLING" for s in state["partnerSelections"])
        closed = await j.ok("POST", "/stage4/close", "alice",
                            {"kind": "SHARED_AGREEMENT", "summary": "We try the rota."})
        assert closed["closed"] is True
        assert closed["outcome"]["kind"] == "SHARED_AGREEMENT"
        assert 1 <= len(closed["outcome"]["agreements"]) <= 2
        session = (await j.ok("GET", "", "bob"))["session"]
        assert session["status"] == "RESOLVED" and session["resolvedAt"]
        events = drain(queue)
    assert [e.name for e in events].count("session.resolved") >= 1
    await _assert_private(j, events)


async def test_two_people_close_without_a_shared_agreement(stack: Stack) -> None:
    async with stack.container.broker.subscribe() as queue:
        j = await _to_stage4(stack)
        await _choose_and_share(j, willing=False)
        closed = await j.ok("POST", "/stage4/close", "bob",
                            {"kind": "NO_SHARED_AGREEMENT", "reason": "NO_OVERLAP"})
        assert closed["outcome"]["kind"] == "NO_SHARED_AGREEMENT"
        assert closed["outcome"]["agreements"] == []
        session = (await j.ok("GET", "", "alice"))["session"]
        assert session["status"] == "RESOLVED"
        events = drain(queue)
    await _assert_private(j, events)
