"""Both partners share their needs at the same instant: exactly one joint move to stage 4."""

from __future__ import annotations

import asyncio

from mwf_core.domain import events

from .harness import Stack
from .journey import both_at_stage
from .needs_helpers import capture, confirm_all, lane, outbox, progress

ROUNDS = 10


async def test_simultaneous_consent_moves_both_once(stack: Stack) -> None:
    for i in range(ROUNDS):
        pair = await both_at_stage(stack, 3, inviter=f"ann{i}", invitee=f"ben{i}")
        ids = {}
        for user in (pair.inviter, pair.invitee):
            await capture(stack, pair, user, f"Need of {user}")
            ids[user] = await confirm_all(stack, pair, user)
        results = await asyncio.gather(*(
            stack.ok("POST", pair.path("/needs/consent"), user, {"needIds": ids[user]})
            for user in (pair.inviter, pair.invitee)))
        assert sorted(r["waitingForPartner"] for r in results) == [False, True]
        assert sum(r["advancedToStage4"] for r in results) == 1
        published = await outbox(stack, pair.session_id)
        names = [e.name for e in published]
        assert names.count(events.NEEDS_REVEAL_READY) == 1
        assert [e for e in published if e.name == events.PARTNER_STAGE_COMPLETED
                and e.payload.get("currentStage") == 4].__len__() == 2
        rows = await progress(stack, pair.session_id)
        for uid in (pair.inviter_id, pair.invitee_id):
            assert [r.stage for r in rows if r.user_id == uid].count(4) == 1
            stage4 = [m for m in await lane(stack, pair.session_id, uid) if m.stage == 4]
            assert len(stage4) == 1
        again = await stack.ok("GET", pair.path("/needs/comparison"), pair.inviter)
        assert [n["need"] for n in again["partnerNeeds"]] == [f"Need of {pair.invitee}"]
