"""Two people go through stage 0 over REST, as the mobile app drives it, on both databases."""

from __future__ import annotations

import asyncio

from tests.api.harness import Stack
from tests.api.journey import outbox

from .driver import drain


async def test_two_people_go_from_invitation_to_stage_one(stack: Stack) -> None:
    async with stack.container.broker.subscribe() as queue:
        # Alice starts a session about something private.
        created = await stack.ok(
            "POST", "/api/sessions", "alice",
            {"inviteName": "Sam",
             "context": "Sam forgot my birthday. I have been crying every night since."},
            status=201,
        )
        sid, invitation_id = created["session"]["id"], created["invitationId"]
        assert created["session"]["status"] == "CREATED"
        assert created["invitationUrl"].endswith(f"/invitation/{invitation_id}")

        state = await stack.ok("GET", f"/api/sessions/{sid}/state", "alice")
        frame = state["invitation"]["topicFrame"]
        assert frame and "Sam" not in frame and len(frame.split()) <= 20
        assert state["compact"] == {
            "mySigned": False, "mySignedAt": None, "partnerSigned": False,
            "partnerSignedAt": None, "canAdvance": False, "isFirstSession": True,
        }

        # Stage 0 for the inviter: compact, topic frame, invitation.
        signed = await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "alice",
                                {"agreed": True})
        assert signed["signed"] is True and signed["partnerSigned"] is False
        confirmed = await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice")
        assert confirmed["topicFrame"] == frame
        sent = await stack.ok("POST", f"/api/sessions/{sid}/invitation/confirm", "alice")
        assert sent["advancedToStage"] == 1 and sent["invitation"]["messageConfirmed"] is True

        # Sam opens the link before signing in: no topic frame, no private context.
        public = await stack.ok("GET", f"/api/invitations/{invitation_id}")
        assert public["invitation"]["status"] == "PENDING"
        assert public["invitation"]["invitedBy"]["name"] == "Alice"
        assert "topicFrame" not in public["invitation"]
        assert "birthday" not in str(public) and "crying" not in str(public)

        joined = await stack.ok("POST", f"/api/invitations/{invitation_id}/accept", "sam")
        assert joined["session"]["status"] == "ACTIVE"
        assert {m["id"] for m in joined["session"]["members"]} == {
            (await stack.ok("GET", "/api/auth/me", "alice"))["user"]["id"],
            (await stack.ok("GET", "/api/auth/me", "sam"))["user"]["id"],
        }

        # Sam's compact status hides Alice's signature until Sam signs.
        before = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "sam")
        assert before["partnerSigned"] is False and before["partnerSignedAt"] is None
        await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "sam", {"agreed": True})
        after = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "sam")
        assert after["partnerSigned"] is True and after["canAdvance"] is True

        for user in ("alice", "sam"):
            progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", user)
            assert progress["myProgress"]["stage"] == 1
            assert progress["myProgress"]["status"] == "IN_PROGRESS"
            assert progress["partnerProgress"]["stage"] == 1
            assert progress["sessionStatus"] == "ACTIVE"
            assert "crying" not in str(progress)

        # Sam sees the frame Alice confirmed (that is what it is for), never the rest of
        # her private context.
        seen = await stack.ok("GET", f"/api/sessions/{sid}/invitation", "sam")
        assert seen["invitation"]["topicFrame"] == frame
        for path in ("", "/state", "/progress", "/invitation", "/compact/status"):
            body = await stack.ok("GET", f"/api/sessions/{sid}{path}", "sam")
            assert "crying" not in str(body)

        events = drain(queue)

    names = [event.name for event in events]
    assert names == [
        "partner.signed_compact",
        "session.topic_frame_updated",
        "invitation.confirmed",
        "session.joined",
        "partner.signed_compact",
    ]
    assert all(event.payload["sessionId"] == sid for event in events)
    stored = await outbox(sid)
    assert [event.name for event in stored] == names, "every event is also in the outbox"


async def test_concurrent_requests_do_not_fail_or_duplicate(stack: Stack) -> None:
    """Many people signing in and creating sessions at once: no "database is locked", no
    duplicate users (SQLite serialises writers; PostgreSQL runs them side by side)."""
    people = [f"person{i}" for i in range(12)]

    async def first_visit(user: str) -> str:
        me, _ = await asyncio.gather(
            stack.ok("GET", "/api/auth/me", user), stack.ok("GET", "/api/auth/me", user)
        )
        await stack.ok("POST", "/api/sessions", user, {"inviteName": "Friend"}, status=201)
        return me["user"]["id"]

    ids = await asyncio.gather(*(first_visit(user) for user in people))
    assert len(set(ids)) == len(people)
    for user in people:
        listed = await stack.ok("GET", "/api/sessions", user)
        assert len(listed["items"]) == 1
