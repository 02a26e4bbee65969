"""Stage 1 with the default offline mediator, over REST on both databases: Alice talks until the
mediator offers the "I feel heard" check, confirms it and moves to stage 2, while Bob - still at
stage 1 - never sees a word she wrote, in any response or realtime event meant for him."""

from __future__ import annotations

from mwf_core.adapters.llm.offline import OFFLINE_MODEL_ID
from mwf_core.ports.llm import ModelRole
from tests.api.harness import Stack, both_at_stage1
from tests.api.test_conversation_rest import lane, sse

from .driver import drain, leaks

ALICE_SAYS = (
    "I feel invisible when the marmalade jars pile up and nobody helps.",
    "Last weekend I cleaned the whole kitchen alone while the accordion music played.",
    "What hurts most is the silence afterwards, like my effort is a rumour.",
    "I keep rehearsing the argument in my head on the tram.",
    "I just want someone to say they noticed the marmalade and the tram rides.",
)
PRIVATE_WORDS = ("marmalade", "accordion", "rumour", "rehearsing", "tram", "invisible")


async def test_alice_is_heard_and_moves_on_while_bob_sees_nothing(stack: Stack) -> None:
    # The default model when no AWS credentials are configured (maybe behind telemetry).
    assert stack.container.llm.model_id(ModelRole.MEDIATOR) == OFFLINE_MODEL_ID
    sid = (await both_at_stage1(stack))["session_id"]
    bob_id = (await stack.ok("GET", "/api/auth/me", "bob"))["user"]["id"]
    async with stack.container.broker.subscribe() as queue:
        greeting = await stack.ok("POST", f"/api/sessions/{sid}/messages/initial", "alice")
        assert greeting["message"]["role"] == "AI" and greeting["message"]["content"].strip()

        # Alice talks until the mediator offers the check: at most five turns.
        offered_at = None
        for turn, words in enumerate(ALICE_SAYS, start=1):
            got = await sse(stack, sid, "alice", {"content": words})
            assert got.names() == ["user_message", "chunk", "metadata", "text_complete",
                                   "complete"], got.events
            assert got.text().strip()
            if got.first("metadata")["metadata"].get("offerFeelHeardCheck") is True:
                assert got.first("complete")["metadata"]["offerFeelHeardCheck"] is True
                offered_at = turn
                break
            progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", "alice")
            assert progress["myProgress"]["stage"] == 1
        assert offered_at is not None and offered_at <= 5
        mine = await lane(stack, sid, "alice")
        assert len(mine) == 1 + 2 * offered_at
        assert any(leaks(m["content"], PRIVATE_WORDS)
                   for m in mine if m["role"] == "AI")  # it reflects her

        progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", "alice")
        assert progress["myProgress"]["stage"] == 1
        assert progress["myProgress"]["gatesSatisfied"]["feelHeardCheckOffered"] is True

        heard = await stack.ok("POST", f"/api/sessions/{sid}/feel-heard", "alice",
                               {"confirmed": True, "feedback": "The marmalade part mattered."})
        assert heard["advancedToStage"] == 2 and heard["partnerCompleted"] is False
        assert heard["transitionMessage"]["stage"] == 2
        assert (await stack.ok("GET", f"/api/sessions/{sid}/progress", "alice"))[
            "myProgress"]["stage"] == 2
        bob_progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", "bob")
        assert bob_progress["myProgress"]["stage"] == 1
        assert bob_progress["partnerProgress"]["stage"] == 2
        assert [m["id"] for m in await lane(stack, sid, "alice")][-1] == \
            heard["transitionMessage"]["id"]

        # Everything Bob can read: none of Alice's words.
        seen_by_bob = [
            await lane(stack, sid, "bob"),
            bob_progress,
            await stack.ok("GET", f"/api/sessions/{sid}/state", "bob"),
            await stack.ok("GET", f"/api/sessions/{sid}", "bob"),
            await stack.ok("GET", "/api/sessions", "bob"),
        ]
        assert seen_by_bob[0] == []
        for shown in seen_by_bob:
            assert leaks(shown, PRIVATE_WORDS) == [], shown
        bob_events = [e for e in drain(queue)
                      if e.channel in (f"session:{sid}", f"user:{bob_id}")]
        assert bob_events, "the session channel carried the journey's events"
        for event in bob_events:
            assert leaks(event.payload, PRIVATE_WORDS) == [], (event.name, event.payload)

        # Bob's own conversation starts fresh and stays his.
        got = await sse(stack, sid, "bob", {"content": "I didn't know the kitchen was a thing."})
        assert got.names()[-1] == "complete"
        assert leaks(got.events, PRIVATE_WORDS) == []
