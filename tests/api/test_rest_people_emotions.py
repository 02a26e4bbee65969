"""GET /people, PATCH /relationships/:id/nickname and the emotion readings of a session."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import Stack, both_at_stage1, stage0_to_invited
from .rest_helpers import (
    create_session,
    parse_iso,
    relationship_id,
    user_id,
)

PERSON_KEYS = {"id", "relationshipId", "name", "nickname", "initials", "connectedSince",
               "lastSession", "activeSessionCount"}


async def test_people_before_and_after_the_invitee_joins(stack: Stack) -> None:
    created = await create_session(stack, invite_name="Bob Builder")
    sid = created["session"]["id"]
    before = (await stack.ok("GET", "/api/people", "alice"))["people"]
    assert len(before) == 1 and set(before[0]) == PERSON_KEYS
    # Invited by name only, nobody to point at yet: "" like the session's partner.id (the
    # original's convention), and never an id POST /sessions would accept as personId.
    assert before[0]["id"] in ("", None)
    assert (before[0]["name"], before[0]["initials"]) == ("Bob Builder", "BB")
    assert before[0]["lastSession"]["id"] == sid
    assert before[0]["activeSessionCount"] == 1
    assert (await stack.ok("GET", "/api/people", "bob"))["people"] == []

    await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "alice", {"agreed": True})
    await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", "alice")
    await stack.ok("POST", f"/api/invitations/{created['invitationId']}/accept", "bob")
    alice_id, bob_id = await user_id(stack, "alice"), await user_id(stack, "bob")
    rid = await relationship_id(stack, sid)

    alice_people = (await stack.ok("GET", "/api/people", "alice"))["people"]
    assert [(p["id"], p["relationshipId"], p["name"], p["nickname"], p["initials"])
            for p in alice_people] == [(bob_id, rid, "Bob Builder", "Bob Builder", "BB")]
    bob_people = (await stack.ok("GET", "/api/people", "bob"))["people"]
    assert [(p["id"], p["relationshipId"], p["name"], p["nickname"], p["initials"])
            for p in bob_people] == [(alice_id, rid, "Alice", None, "A")]
    for person in alice_people + bob_people:
        parse_iso(person["connectedSince"])
        assert person["lastSession"]["id"] == sid
        assert person["lastSession"]["status"] == "ACTIVE"
        parse_iso(person["lastSession"]["updatedAt"])
        assert person["activeSessionCount"] == 1


async def test_people_counts_live_sessions_only(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("POST", f"/api/sessions/{sid}/pause", "bob")
    people = (await stack.ok("GET", "/api/people", "alice"))["people"]
    assert people[0]["activeSessionCount"] == 1
    await stack.ok("DELETE", f"/api/sessions/{sid}", "bob")
    for who in ("alice", "bob"):
        person = (await stack.ok("GET", "/api/people", who))["people"][0]
        assert person["activeSessionCount"] == 0
        assert person["lastSession"]["status"] == "ABANDONED"


async def test_people_lists_most_recent_first(stack: Stack) -> None:
    await create_session(stack, invite_name="Old Friend")
    await create_session(stack, invite_name="New Friend")
    names = [p["name"] for p in (await stack.ok("GET", "/api/people", "alice"))["people"]]
    assert names == ["New Friend", "Old Friend"]


async def test_nickname_set_and_clear(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    rid = await relationship_id(stack, sid)
    path = f"/api/relationships/{rid}/nickname"
    assert await stack.ok("PATCH", path, "bob", {"nickname": "  Ali  "}) == {"nickname": "Ali"}
    person = (await stack.ok("GET", "/api/people", "bob"))["people"][0]
    assert (person["name"], person["nickname"], person["initials"]) == ("Ali", "Ali", "A")
    partner = (await stack.ok("GET", f"/api/sessions/{sid}", "bob"))["session"]["partner"]
    assert (partner["name"], partner["nickname"]) == ("Ali", "Ali")
    # What bob calls alice is bob's alone.
    alice_side = (await stack.ok("GET", "/api/people", "alice"))["people"][0]
    assert alice_side["nickname"] == "Bob"
    alice_partner = (await stack.ok("GET", f"/api/sessions/{sid}", "alice"))["session"]
    assert "Ali" not in str(alice_partner)

    assert await stack.ok("PATCH", path, "alice", {"nickname": None}) == {"nickname": None}
    cleared = (await stack.ok("GET", "/api/people", "alice"))["people"][0]
    assert cleared["nickname"] is None and cleared["name"] == "Bob"  # bob's own name now
    listed = (await stack.ok("GET", "/api/sessions", "alice"))["items"][0]
    assert listed["partner"]["nickname"] is None


@pytest.mark.parametrize("body", [{}, {"nickname": ""}, {"nickname": "   "},
                                  {"nickname": "x" * 101}, {"nickname": 5},
                                  {"nickname": ["Ali"]}])
async def test_nickname_validation(stack: Stack, body: dict[str, Any]) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    rid = await relationship_id(stack, sid)
    error = await stack.error("PATCH", f"/api/relationships/{rid}/nickname", "alice", body,
                              status=400, code="VALIDATION_ERROR")
    assert list(error["details"]) == ["nickname"]
    assert (await stack.ok("GET", "/api/people", "alice"))["people"][0]["nickname"] == "Bob"


async def test_record_emotion_shape_and_exercise_threshold(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    path = f"/api/sessions/{sid}/emotions"
    calm = await stack.ok("POST", path, "alice", {"intensity": 7, "context": "okay-ish"})
    assert set(calm) == {"reading", "suggestExercise"}
    assert set(calm["reading"]) == {"id", "intensity", "timestamp"}
    assert calm["reading"]["intensity"] == 7 and calm["suggestExercise"] is False
    parse_iso(calm["reading"]["timestamp"])
    hot = await stack.ok("POST", path, "alice", {"intensity": 8})
    assert hot["suggestExercise"] is True
    assert (await stack.ok("POST", path, "alice", {"intensity": 10}))["suggestExercise"] is True
    assert (await stack.ok("POST", path, "alice", {"intensity": 1}))["suggestExercise"] is False
    me = await stack.ok("GET", "/api/auth/me", "alice")
    assert me["user"]["lastMoodIntensity"] == 1

    readings = (await stack.ok("GET", path, "alice"))["readings"]
    assert [r["intensity"] for r in readings] == [1, 10, 8, 7]  # newest first
    assert set(readings[0]) == {"id", "intensity", "context", "stage", "timestamp"}
    assert readings[-1]["context"] == "okay-ish" and readings[0]["context"] is None
    assert {r["stage"] for r in readings} == {1}
    assert readings[-1]["id"] == calm["reading"]["id"]


async def test_emotions_are_own_only(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    path = f"/api/sessions/{sid}/emotions"
    mine = await stack.ok("POST", path, "alice", {"intensity": 9, "context": "furious about X"})
    assert (await stack.ok("GET", path, "bob"))["readings"] == []
    theirs = await stack.ok("POST", path, "bob", {"intensity": 3})
    bob_readings = (await stack.ok("GET", path, "bob"))["readings"]
    assert [r["id"] for r in bob_readings] == [theirs["reading"]["id"]]
    for who in ("bob",):
        for view in ("", "/state", "/progress"):
            body = await stack.ok("GET", f"/api/sessions/{sid}{view}", who)
            assert "furious about X" not in str(body)
            assert mine["reading"]["id"] not in str(body)
    alice_readings = (await stack.ok("GET", path, "alice"))["readings"]
    assert [r["id"] for r in alice_readings] == [mine["reading"]["id"]]
    assert (await stack.ok("GET", "/api/auth/me", "bob"))["user"]["lastMoodIntensity"] == 3


async def test_inviter_can_record_emotions_before_anyone_joins(stack: Stack) -> None:
    ids = await stage0_to_invited(stack)
    path = f"/api/sessions/{ids['session_id']}/emotions"
    await stack.ok("POST", path, "alice", {"intensity": 5})
    assert [r["stage"] for r in (await stack.ok("GET", path, "alice"))["readings"]] == [1]


@pytest.mark.parametrize("intensity", [0, 11, -1, "5", 5.5, True, None, [5]],
                         ids=["0", "11", "-1", "str5", "5.5", "true", "null", "list"])
async def test_emotion_intensity_validation(stack: Stack, intensity: Any) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    path = f"/api/sessions/{sid}/emotions"
    error = await stack.error("POST", path, "alice", {"intensity": intensity}, status=400,
                              code="VALIDATION_ERROR")
    assert list(error["details"]) == ["intensity"]
    assert (await stack.ok("GET", path, "alice"))["readings"] == []


async def test_emotion_context_and_missing_intensity(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    path = f"/api/sessions/{sid}/emotions"
    for body, field in (({}, "intensity"), ({"intensity": 5, "context": "x" * 501}, "context"),
                        ({"intensity": 5, "context": 7}, "context")):
        error = await stack.error("POST", path, "alice", body, status=400,
                                  code="VALIDATION_ERROR")
        assert list(error["details"]) == [field]
    ok = await stack.ok("POST", path, "alice", {"intensity": 5, "context": "x" * 500})
    assert ok["reading"]["intensity"] == 5


async def test_record_emotion_idempotency_key(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    path = f"/api/sessions/{sid}/emotions"
    headers = {"Idempotency-Key": "mood-1"}
    first = await stack.ok("POST", path, "alice", {"intensity": 6}, headers=headers)
    second = await stack.ok("POST", path, "alice", {"intensity": 6}, headers=headers)
    assert second["reading"]["id"] == first["reading"]["id"]
    assert len((await stack.ok("GET", path, "alice"))["readings"]) == 1
    code, payload = await stack.call("POST", path, "alice", {"intensity": 9}, headers=headers)
    assert (code, payload["error"]["code"]) == (400, "VALIDATION_ERROR"), payload
    assert "requestId" in payload["error"]["details"]
    assert [r["intensity"] for r in (await stack.ok("GET", path, "alice"))["readings"]] == [6]


async def test_record_emotion_request_id_in_body(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    path = f"/api/sessions/{sid}/emotions"
    body = {"intensity": 4, "requestId": "mood-body-1"}
    first = await stack.ok("POST", path, "bob", body)
    second = await stack.ok("POST", path, "bob", body)
    assert second["reading"]["id"] == first["reading"]["id"]
    assert len((await stack.ok("GET", path, "bob"))["readings"]) == 1


async def test_clearing_the_nickname_of_someone_not_joined_keeps_their_name(
    stack: Stack,
) -> None:
    sid = (await create_session(stack, invite_name="Bob Builder"))["session"]["id"]
    rid = await relationship_id(stack, sid)
    await stack.ok("PATCH", f"/api/relationships/{rid}/nickname", "alice", {"nickname": None})
    partner = (await stack.ok("GET", f"/api/sessions/{sid}", "alice"))["session"]["partner"]
    assert partner["name"] == "Bob Builder"
    person = (await stack.ok("GET", "/api/people", "alice"))["people"][0]
    assert (person["name"], person["initials"]) == ("Bob Builder", "BB")
