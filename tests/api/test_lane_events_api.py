"""`notification.pending_action` and `empathy.refining` over the real stack (both databases):
written to the outbox, on the recipient's own channel, with ids only."""

from __future__ import annotations

import json

from .harness import Stack
from .test_reconciler_api import OFFLINE_SUGGESTION, SHORT, analysed, outbox


async def test_offer_and_alias_accept_notify_the_right_person(stack: Stack) -> None:
    pair = await analysed(stack, SHORT)  # bob guessed about alice; alice is offered to share
    offer = await stack.ok("GET", pair.path("/reconciler/share-offer"), "alice")
    offer_id = offer["suggestion"]["offerId"]
    rows = await outbox(stack, pair.session_id)
    pending = [r for r in rows if r["name"] == "notification.pending_action"]
    assert [(r["channel"], r["payload"]["actionType"], r["payload"]["actionId"])
            for r in pending] == [(f"user:{pair.inviter_id}", "share_offer", offer_id)]
    assert OFFLINE_SUGGESTION not in json.dumps(pending)

    await stack.ok("POST", pair.path("/empathy/share-suggestion/respond"), "alice",
                   {"action": "accept"})
    rows = await outbox(stack, pair.session_id)
    [refining] = [r for r in rows if r["name"] == "empathy.refining"]
    assert refining["channel"] == f"user:{pair.invitee_id}"
    payload = refining["payload"]
    assert (payload["guesserId"], payload["forUserId"], payload["hasNewContext"]) == (
        pair.invitee_id, pair.invitee_id, True)
    assert payload["empathyStatus"]["myAttempt"]["status"] == "REFINING"
    lane = await stack.ok("GET", pair.path("/messages?order=asc&limit=100"), "bob")
    [shared] = [m for m in lane["messages"] if m["role"] == "SHARED_CONTEXT"]
    received = [r for r in rows if r["name"] == "notification.pending_action"
                and r["payload"]["actionType"] == "context_received"]
    assert [(r["channel"], r["payload"]["actionId"]) for r in received] == [
        (f"user:{pair.invitee_id}", shared["id"])]
    ai = [r for r in rows if r["name"] == "message.ai_response"]
    assert ai and all(set(r["payload"]["message"]) >= {"id", "sessionId", "senderId",
                                                        "forUserId", "role", "content",
                                                        "stage", "timestamp"} for r in ai)
