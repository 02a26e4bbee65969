"""Stage 0: the Curiosity Compact, the topic frame, the inviter's invitation confirm, and what
GET /state and GET /progress show each partner."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import Stack, both_at_stage1, stage0_to_invited
from .rest_helpers import add_gates, create_session, dumps, parse_iso, user_id


async def test_sign_compact_shape_and_conflict(stack: Stack) -> None:
    sid = (await create_session(stack))["session"]["id"]
    signed = await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "alice",
                            {"agreed": True})
    assert set(signed) == {"signed", "signedAt", "partnerSigned", "canAdvance"}
    assert signed["signed"] is True and signed["partnerSigned"] is False
    assert signed["canAdvance"] is True  # the inviter needs nobody else to move on
    parse_iso(signed["signedAt"])
    await stack.error("POST", f"/api/sessions/{sid}/compact/sign", "alice", {"agreed": True},
                      status=409, code="CONFLICT")
    status = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "alice")
    assert status["mySignedAt"] == signed["signedAt"]


@pytest.mark.parametrize("body", [{}, {"agreed": False}, {"agreed": "true"}, {"agreed": 1},
                                  {"agreed": None}, None])
async def test_sign_compact_needs_literal_true(stack: Stack, body: Any) -> None:
    sid = (await create_session(stack))["session"]["id"]
    error = await stack.error("POST", f"/api/sessions/{sid}/compact/sign", "alice", body,
                              status=400, code="VALIDATION_ERROR")
    assert list(error["details"]) == ["agreed"]
    status = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "alice")
    assert status["mySigned"] is False


async def test_compact_status_hides_the_partner_until_i_sign(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    sid = ids["session_id"]
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob")
    before = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "bob")
    assert set(before) == {"mySigned", "mySignedAt", "partnerSigned", "partnerSignedAt",
                           "canAdvance", "isFirstSession"}
    # alice has signed, but bob must not learn it before signing himself.
    assert before == {"mySigned": False, "mySignedAt": None, "partnerSigned": False,
                      "partnerSignedAt": None, "canAdvance": False, "isFirstSession": True}
    state = await stack.ok("GET", f"/api/sessions/{sid}/state", "bob")
    assert state["compact"] == before
    alice_before = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "alice")
    assert alice_before["mySigned"] is True and alice_before["partnerSigned"] is False

    signed = await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "bob", {"agreed": True})
    assert signed["partnerSigned"] is True and signed["canAdvance"] is True
    after = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "bob")
    assert after["mySigned"] is True and after["partnerSigned"] is True
    assert after["partnerSignedAt"] == alice_before["mySignedAt"]
    alice_after = await stack.ok("GET", f"/api/sessions/{sid}/compact/status", "alice")
    assert alice_after["partnerSigned"] is True
    assert alice_after["partnerSignedAt"] == after["mySignedAt"]


async def test_invitee_moves_to_stage_one_when_signing(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    sid = ids["session_id"]
    await stack.ok("POST", f"/api/invitations/{ids['invitation_id']}/accept", "bob")
    listed = (await stack.ok("GET", "/api/sessions", "bob"))["items"][0]
    assert listed["selfActionNeeded"] == ["sign_compact"]
    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"][0][
        "partnerActionNeeded"] == ["sign_compact"]
    await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "bob", {"agreed": True})
    progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", "bob")
    assert progress["myProgress"]["stage"] == 1
    assert progress["myProgress"]["status"] == "IN_PROGRESS"
    assert progress["sessionStatus"] == "ACTIVE"
    assert progress["partnerProgress"]["stage"] == 1
    assert (await stack.ok("GET", "/api/sessions", "bob"))["items"][0]["selfActionNeeded"] == []


async def test_topic_frame_confirm(stack: Stack) -> None:
    sid = (await create_session(stack, invite_name="Bob",
                                context="Bob never does the dishes. He says I nag."))[
        "session"]["id"]
    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"][0][
        "selfActionNeeded"] == ["sign_compact"]
    first = await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice",
                           {"steer": "ignored"})
    assert set(first) == {"topicFrame", "confirmedAt"}
    frame = first["topicFrame"]
    assert frame and len(frame.split()) <= 20
    assert "Bob" not in frame and "Alice" not in frame  # neutral: no names
    parse_iso(first["confirmedAt"])
    again = await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice")
    assert again == first
    session = await stack.ok("GET", f"/api/sessions/{sid}", "alice")
    assert session["session"]["status"] == "INVITED"
    invitation = (await stack.ok("GET", f"/api/sessions/{sid}/invitation", "alice"))[
        "invitation"]
    assert invitation["topicFrame"] == frame and invitation["messageConfirmed"] is True
    assert invitation["topicFrameConfirmedAt"] == first["confirmedAt"]


async def test_only_the_creator_confirms(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    for path in ("topic-frame/confirm", "invitation/confirm"):
        await stack.error("POST", f"/api/sessions/{sid}/{path}", "bob", status=403,
                          code="FORBIDDEN")


async def test_invitation_confirm_needs_the_stage_zero_gates(stack: Stack) -> None:
    sid = (await create_session(stack))["session"]["id"]
    path = f"/api/sessions/{sid}/invitation/confirm"
    await stack.error("POST", path, "alice", status=400, code="GATE_NOT_SATISFIED")
    await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "alice", {"agreed": True})
    await stack.error("POST", path, "alice", status=400, code="GATE_NOT_SATISFIED")
    progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", "alice")
    assert progress["myProgress"]["stage"] == 0
    assert progress["myProgress"]["gatesSatisfied"]["compactSigned"] is True
    await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice")

    data = await stack.ok("POST", path, "alice")
    assert set(data) == {"confirmed", "invitation", "advancedToStage"}
    assert data["confirmed"] is True and data["advancedToStage"] == 1
    assert set(data["invitation"]) == {"id", "messageConfirmed", "messageConfirmedAt",
                                       "topicFrame"}
    assert data["invitation"]["messageConfirmed"] is True and data["invitation"]["topicFrame"]
    parse_iso(data["invitation"]["messageConfirmedAt"])
    again = await stack.ok("POST", path, "alice")
    assert again["invitation"] == data["invitation"]
    session = (await stack.ok("GET", f"/api/sessions/{sid}", "alice"))["session"]
    assert session["status"] == "INVITED"
    assert session["myProgress"] == {"stage": 1, "status": "IN_PROGRESS"}
    listed = (await stack.ok("GET", "/api/sessions", "alice"))["items"][0]
    assert listed["partnerActionNeeded"] == ["accept_invitation"]


async def test_stage_zero_actions_refused_once_the_session_ended(stack: Stack) -> None:
    declined = await stage0_to_invited(stack)
    await stack.ok("POST", f"/api/invitations/{declined['invitation_id']}/decline", "bob")
    sid = declined["session_id"]
    for path, body in (("compact/sign", {"agreed": True}), ("topic-frame/confirm", None),
                       ("invitation/confirm", None)):
        await stack.error("POST", f"/api/sessions/{sid}/{path}", "alice", body,
                          status=400, code="SESSION_NOT_ACTIVE")
    session = await stack.ok("GET", f"/api/sessions/{sid}", "alice")
    assert session["session"]["status"] == "ABANDONED"
    # Whoever left a session has no access to it any more.
    left = (await create_session(stack, invite_name="Carl"))["session"]["id"]
    await stack.ok("DELETE", f"/api/sessions/{left}", "alice")
    await stack.error("POST", f"/api/sessions/{left}/compact/sign", "alice", {"agreed": True},
                      status=403, code="FORBIDDEN")


async def test_state_shape(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    for who, is_inviter in (("alice", True), ("bob", False)):
        state = await stack.ok("GET", f"/api/sessions/{sid}/state", who)
        assert set(state) == {"session", "progress", "messages", "invitation", "compact"}
        assert {"lastViewedAt", "partnerLastViewedAt", "lastSeenChatItemId", "currentStage",
                "partner", "myProgress"} <= set(state["session"])
        progress = state["progress"]
        assert set(progress) == {"sessionId", "myProgress", "partnerProgress", "canAdvance",
                                 "milestones"}
        assert progress["sessionId"] == sid
        assert progress["myProgress"]["stage"] == 1
        assert progress["partnerProgress"]["stage"] == 1
        assert isinstance(progress["myProgress"]["gatesSatisfied"], dict | None)
        assert set(progress["milestones"]) == {"witnessStartedAt", "feelHeardConfirmedAt",
                                               "needsIdentifiedAt", "commonGroundFoundAt"}
        parse_iso(progress["milestones"]["witnessStartedAt"])
        assert state["messages"] == {"messages": [], "hasMore": False}
        assert state["invitation"]["isInviter"] is is_inviter
        assert state["invitation"]["invitedBy"]["name"] == "Alice"
        assert state["compact"]["mySigned"] is True and state["compact"]["partnerSigned"] is True


async def test_progress_never_shows_the_partners_private_gate_text(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    secret = "I felt unheard when she laughed at me"
    await add_gates(sid, await user_id(stack, "bob"), 1,
                    {"feelHeardConfirmed": True, "feedback": secret})

    mine = await stack.ok("GET", f"/api/sessions/{sid}/progress", "bob")
    assert mine["myProgress"]["gatesSatisfied"]["feedback"] == secret
    assert set(mine) == {"myProgress", "partnerProgress", "sessionStatus", "milestones"}

    theirs = await stack.ok("GET", f"/api/sessions/{sid}/progress", "alice")
    partner_gates = theirs["partnerProgress"]["gatesSatisfied"]
    assert partner_gates["feelHeardConfirmed"] is True  # the flag is shared, the text is not
    assert "feedback" not in partner_gates
    state = await stack.ok("GET", f"/api/sessions/{sid}/state", "alice")
    listed = await stack.ok("GET", "/api/sessions", "alice")
    detail = await stack.ok("GET", f"/api/sessions/{sid}", "alice")
    for body in (theirs, state, listed, detail):
        assert secret not in dumps(body)
    assert "feedback" not in state["progress"]["partnerProgress"]["gatesSatisfied"]


async def test_progress_before_the_partner_joins(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    progress = await stack.ok("GET", f"/api/sessions/{ids['session_id']}/progress", "alice")
    assert progress["partnerProgress"] is None
    assert progress["sessionStatus"] == "INVITED"
    gates = progress["myProgress"]["gatesSatisfied"]
    assert gates is None or "invitationSent" not in gates  # stage 1 row, fresh
    assert progress["myProgress"]["stage"] == 1


async def test_invitee_who_signed_first_reaches_stage_one_when_the_inviter_signs(
    stack: Stack,
) -> None:
    # The topic frame confirm alone makes the invitation acceptable, so bob can join and
    # sign before alice has signed.
    data = await create_session(stack)
    sid = data["session"]["id"]
    await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice")
    await stack.ok("POST", f"/api/invitations/{data['invitationId']}/accept", "bob")
    early = await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "bob", {"agreed": True})
    assert early["partnerSigned"] is False
    await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "alice", {"agreed": True})
    await stack.ok("POST", f"/api/sessions/{sid}/invitation/confirm", "alice")
    for who in ("alice", "bob"):
        session = (await stack.ok("GET", f"/api/sessions/{sid}", who))["session"]
        assert session["myProgress"] == {"stage": 1, "status": "IN_PROGRESS"}, (who, session)
