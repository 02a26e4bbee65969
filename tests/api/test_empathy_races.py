"""Both partners validating each other's statement at the same instant move both to stage 3
exactly once (the decision runs after the relationship lock), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from .empathy_helpers import both_revealed, outbox
from .harness import Stack
from .journey import both_at_stage2

ROUNDS = 10


async def test_simultaneous_validations_move_once(stack: Stack) -> None:
    for round_no in range(ROUNDS):
        pair = await both_at_stage2(stack, f"alice{round_no}", f"bob{round_no}")
        await both_revealed(stack, pair, f"A{round_no} imagines", f"B{round_no} imagines")
        answers = await asyncio.gather(*(
            stack.call("POST", pair.path("/empathy/validate"), user, {"validated": True})
            for user in (pair.inviter, pair.invitee)))
        assert [code for code, _ in answers] == [200, 200], answers
        # Whoever committed second saw both validated and moved both.
        assert sorted(body["data"]["canAdvance"] for _, body in answers) in (
            [False, True], [True, True])
        events = await outbox(pair.session_id)
        assert [e["name"] for e in events].count("stage.progress") == 1, round_no
        moved = [e for e in events if e["name"] == "partner.stage_completed"
                 and e["payload"].get("currentStage") == 3]
        assert len(moved) == 2
        for user in (pair.inviter, pair.invitee):
            progress = await stack.ok("GET", pair.path("/progress"), user)
            assert progress["myProgress"]["stage"] == 3
            messages = (await stack.ok("GET", pair.path("/messages"), user))["messages"]
            assert sum(1 for m in messages if m["stage"] == 3) == 1
