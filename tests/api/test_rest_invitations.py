"""/invitations: the public link, accepting and declining (the invitee's side)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from .harness import Stack, stage0_to_invited
from .rest_helpers import (
    create_session,
    dumps,
    expire_invitation,
    parse_iso,
    set_privacy,
    user_id,
)


async def test_public_invitation_needs_no_sign_in_and_hides_the_topic(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    data = await stack.ok("GET", f"/api/invitations/{ids['invitation_id']}")
    invitation = data["invitation"]
    assert set(invitation) == {"id", "invitedBy", "name", "status", "createdAt", "expiresAt",
                               "session"}
    assert invitation["id"] == ids["invitation_id"]
    assert invitation["invitedBy"] == {"name": "Alice"}  # by name only, no user id
    assert invitation["name"] == "Bob"
    assert invitation["status"] == "PENDING"
    assert invitation["session"] == {"id": ids["session_id"], "status": "INVITED"}
    created, expires = parse_iso(invitation["createdAt"]), parse_iso(invitation["expiresAt"])
    assert expires - created == timedelta(days=7)
    state = await stack.ok("GET", f"/api/sessions/{ids['session_id']}/state", "alice")
    assert state["invitation"]["topicFrame"] not in dumps(data)
    # Signed in (as the invitee, or even the inviter) the public view is the same.
    assert await stack.ok("GET", f"/api/invitations/{ids['invitation_id']}", "bob") == data


async def test_accept_joins_the_session(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    alice_id, bob_id = await user_id(stack, "alice"), await user_id(stack, "bob")
    data = await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob")
    session = data["session"]
    assert set(session) == {"id", "status", "createdAt", "members"}
    assert session["id"] == ids["session_id"]
    assert session["status"] == "ACTIVE"
    parse_iso(session["createdAt"])
    assert sorted((m["id"], m["name"]) for m in session["members"]) == sorted(
        [(alice_id, "Alice"), (bob_id, "Bob")]
    )
    public = await stack.ok("GET", f"/api/invitations/{ids['invitation_id']}")
    assert public["invitation"]["status"] == "ACCEPTED"
    assert public["invitation"]["session"]["status"] == "ACTIVE"
    # Accepting again (a double tap) gives the same session back.
    again = await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob")
    assert again["session"]["id"] == ids["session_id"]
    bob_session = await stack.ok("GET", f"/api/sessions/{ids['session_id']}", "bob")
    assert bob_session["session"]["myProgress"] == {"stage": 0, "status": "IN_PROGRESS"}
    assert bob_session["session"]["partner"]["id"] == alice_id
    alice_session = await stack.ok("GET", f"/api/sessions/{ids['session_id']}", "alice")
    assert alice_session["session"]["partner"]["id"] == bob_id


async def test_accept_is_refused_to_the_inviter_and_to_a_third_person(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    path = f"/api/invitations/{ids['invitation_id']}/accept"
    await stack.error("POST", path, "alice", status=400, code="VALIDATION_ERROR")
    await stack.ok("POST", path, "bob")
    await stack.error("POST", path, "carol", status=403, code="FORBIDDEN")
    assert (await stack.ok("GET", "/api/sessions", "carol"))["items"] == []
    await stack.error("GET", f"/api/sessions/{ids['session_id']}", "carol", status=403,
                      code="FORBIDDEN")


async def test_accept_before_the_invitation_is_ready(stack: Stack) -> None:
    data = await create_session(stack)
    sid, iid = data["session"]["id"], data["invitationId"]
    await stack.error("POST", f"/api/invitations/{iid}/accept", "bob", status=400,
                      code="VALIDATION_ERROR")
    await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "alice", {"agreed": True})
    await stack.error("POST", f"/api/invitations/{iid}/accept", "bob", status=400,
                      code="VALIDATION_ERROR")
    await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice")
    # The topic frame confirm alone makes it acceptable (the original's rule).
    accepted = await stack.ok("POST", f"/api/invitations/{iid}/accept", "bob")
    assert accepted["session"]["status"] == "ACTIVE"


async def test_expired_invitation_is_gone(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    iid = ids["invitation_id"]
    await expire_invitation(iid)
    public = await stack.ok("GET", f"/api/invitations/{iid}")
    assert public["invitation"]["status"] == "EXPIRED"  # computed on read
    error = await stack.error("POST", f"/api/invitations/{iid}/accept", "bob", status=410,
                              code="EXPIRED")
    assert error["message"]
    await stack.error("POST", f"/api/invitations/{iid}/decline", "bob", status=410,
                      code="EXPIRED")
    member_view = await stack.ok("GET", f"/api/sessions/{ids['session_id']}/invitation", "alice")
    assert member_view["invitation"]["status"] == "EXPIRED"
    assert (await stack.ok("GET", "/api/sessions", "bob"))["items"] == []
    alice_view = await stack.ok("GET", f"/api/sessions/{ids['session_id']}", "alice")
    assert alice_view["session"]["partner"]["id"] == ""


async def test_privacy_settings_can_block_invites(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    await set_privacy("bob", {"allowSessionInvites": False}, stack)
    error = await stack.error("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob",
                              status=403, code="VALIDATION_ERROR")
    assert error["message"]
    public = await stack.ok("GET", f"/api/invitations/{ids['invitation_id']}")
    assert public["invitation"]["status"] == "PENDING"
    assert public["invitation"]["session"]["status"] == "INVITED"
    await set_privacy("bob", {"allowSessionInvites": True}, stack)
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob")


async def test_decline_abandons_the_session(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    iid, sid = ids["invitation_id"], ids["session_id"]
    data = await stack.ok("POST", f"/api/invitations/{iid}/decline", "bob",
                          {"reason": "Not ready to talk"})
    assert data == {"declined": True}
    public = await stack.ok("GET", f"/api/invitations/{iid}")
    assert public["invitation"]["status"] == "DECLINED"
    assert public["invitation"]["session"]["status"] == "ABANDONED"
    alice_view = await stack.ok("GET", f"/api/sessions/{sid}", "alice")
    assert alice_view["session"]["status"] == "ABANDONED"
    for who in ("bob", "carol"):
        await stack.error("POST", f"/api/invitations/{iid}/accept", who, status=400,
                          code="VALIDATION_ERROR")
    await stack.error("POST", f"/api/invitations/{iid}/decline", "bob", status=400,
                      code="VALIDATION_ERROR")
    assert (await stack.ok("GET", "/api/sessions", "bob"))["items"] == []
    # The decline reason is for the inviter's notification, not for anyone's page.
    assert "Not ready to talk" not in dumps(public)
    # The relationship has no live session any more.
    people = (await stack.ok("GET", "/api/people", "alice"))["people"]
    assert people[0]["activeSessionCount"] == 0


async def test_decline_rules(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    iid = ids["invitation_id"]
    await stack.error("POST", f"/api/invitations/{iid}/decline", "alice", status=400,
                      code="VALIDATION_ERROR")
    error = await stack.error("POST", f"/api/invitations/{iid}/decline", "bob",
                              {"reason": "x" * 501}, status=400, code="VALIDATION_ERROR")
    assert "reason" in error["details"]
    error = await stack.error("POST", f"/api/invitations/{iid}/decline", "bob", {"reason": 3},
                              status=400, code="VALIDATION_ERROR")
    assert "reason" in error["details"]
    public = await stack.ok("GET", f"/api/invitations/{iid}")
    assert public["invitation"]["status"] == "PENDING"
    # No body at all is a decline without a reason.
    assert await stack.ok("POST", f"/api/invitations/{iid}/decline", "bob") == {"declined": True}


async def test_unknown_and_malformed_invitation_ids(stack: Stack) -> None:
    for method, suffix, user in (("GET", "", None), ("POST", "/accept", "bob"),
                                 ("POST", "/decline", "bob")):
        await stack.error(method, f"/api/invitations/does-not-exist{suffix}", user, status=404,
                          code="NOT_FOUND")
        error = await stack.error(method, f"/api/invitations/bad.id{suffix}", user or "bob",
                                  status=400, code="VALIDATION_ERROR")
        assert "id" in error["details"]


async def test_member_invitation_view(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob")
    keys = {"id", "name", "messageConfirmed", "messageConfirmedAt", "acceptedAt", "status",
            "expiresAt", "isInviter", "topicFrame", "topicFrameConfirmedAt"}
    views = {}
    for who in ("alice", "bob"):
        inv = (await stack.ok("GET", f"/api/sessions/{ids['session_id']}/invitation",
                              who))["invitation"]
        assert set(inv) == keys
        assert inv["id"] == ids["invitation_id"] and inv["status"] == "ACCEPTED"
        assert inv["messageConfirmed"] is True
        parse_iso(inv["acceptedAt"])
        parse_iso(inv["topicFrameConfirmedAt"])
        views[who] = inv
    assert (views["alice"]["isInviter"], views["bob"]["isInviter"]) == (True, False)
    assert views["alice"]["topicFrame"] == views["bob"]["topicFrame"]


async def test_simultaneous_accepts_let_exactly_one_person_in(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    people = ("bob", "carol", "dave", "erin")
    for who in people:
        await user_id(stack, who)
    path = f"/api/invitations/{ids['invitation_id']}/accept"
    results = await asyncio.gather(*(stack.call("POST", path, who) for who in people))
    winners = [who for who, (code, _) in zip(people, results, strict=True) if code == 200]
    assert len(winners) == 1, results
    assert all(code == 403 and body["error"]["code"] == "FORBIDDEN"
               for code, body in results if code != 200), results
    members = results[people.index(winners[0])][1]["data"]["session"]["members"]
    assert len(members) == 2
    for who in people:
        code, _ = await stack.call("GET", f"/api/sessions/{ids['session_id']}", who)
        assert code == (200 if who in winners else 403)
