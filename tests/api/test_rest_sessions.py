"""/sessions: create, list, read, pause, resume, archive and delete, as the app sees them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from .harness import Stack, both_at_stage1, stage0_to_invited
from .rest_helpers import (
    create_session,
    parse_iso,
    set_session_status,
    user_id,
    walk_sessions,
)

LIST_ITEM_KEYS = {
    "id", "relationshipId", "status", "createdAt", "updatedAt", "partner", "myProgress",
    "partnerProgress", "statusSummary", "selfActionNeeded", "partnerActionNeeded", "hasUnread",
    "lastViewedAt", "lastSeenChatItemId",
}


async def test_create_session_returns_201_with_the_invitation_link(stack: Stack) -> None:
    data = await create_session(stack, invite_name="Bob")
    assert set(data) == {"session", "invitationId", "invitationUrl"}
    session = data["session"]
    assert set(session) == {"id", "status", "createdAt", "partner"}
    assert session["status"] == "CREATED"
    parse_iso(session["createdAt"])
    # Nobody has joined yet: the original sends id "" and the name the inviter typed.
    assert session["partner"] == {"id": "", "name": "Bob", "nickname": "Bob"}
    assert data["invitationId"]
    assert data["invitationUrl"] == f"https://app.example.test/invitation/{data['invitationId']}"
    again = await stack.ok("GET", f"/api/sessions/{session['id']}", "alice")
    assert again["session"]["status"] == "CREATED"


async def test_second_session_with_the_same_person_returns_the_live_one(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    people = (await stack.ok("GET", "/api/people", "alice"))["people"]
    bob_id = await user_id(stack, "bob")
    assert [p["id"] for p in people] == [bob_id]

    code, payload = await stack.call("POST", "/api/sessions", "alice", {"personId": bob_id})
    assert code == 200, payload
    existing = payload["data"]["existingActiveSession"]
    assert set(payload["data"]) == {"existingActiveSession"}
    assert existing["id"] == ids["session_id"]
    assert existing["status"] == "ACTIVE"
    parse_iso(existing["updatedAt"])
    # From bob's side it is the same relationship, so the same live session.
    alice_id = await user_id(stack, "alice")
    code, payload = await stack.call("POST", "/api/sessions", "bob", {"personId": alice_id})
    assert (code, payload["data"]["existingActiveSession"]["id"]) == (200, ids["session_id"])
    assert len((await stack.ok("GET", "/api/sessions", "alice"))["items"]) == 1


async def test_after_the_live_session_ends_a_new_one_can_start(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    bob_id = await user_id(stack, "bob")
    await stack.ok("DELETE", f"/api/sessions/{ids['session_id']}", "alice")
    data = await stack.ok("POST", "/api/sessions", "alice", {"personId": bob_id}, status=201)
    assert data["session"]["id"] != ids["session_id"]
    assert data["session"]["partner"]["id"] == bob_id
    assert data["session"]["partner"]["name"] == "Bob"
    # Only one of the relationship's sessions is live again.
    people = (await stack.ok("GET", "/api/people", "bob"))["people"]
    assert people[0]["activeSessionCount"] == 1


async def test_create_session_person_rules(stack: Stack) -> None:
    alice_id = await user_id(stack, "alice")
    carol_id = await user_id(stack, "carol")
    error = await stack.error("POST", "/api/sessions", "alice", {"personId": alice_id},
                              status=400, code="VALIDATION_ERROR")
    assert "personId" in error["details"]
    # Unknown, or known to the system but not to alice: both are "not found".
    for person in ("nobody-like-this", carol_id):
        await stack.error("POST", "/api/sessions", "alice", {"personId": person}, status=404,
                          code="NOT_FOUND")
    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({}, "personId"),
    ({"context": "only context"}, "personId"),
    ({"inviteName": ""}, "inviteName"),
    ({"inviteName": "   "}, "inviteName"),
    ({"inviteName": "x" * 101}, "inviteName"),
    ({"inviteName": 5}, "inviteName"),
    ({"inviteName": "Bob", "context": "x" * 5001}, "context"),
    ({"inviteName": "Bob", "inviteEmail": "not-an-email"}, "inviteEmail"),
    ({"personId": "has spaces"}, "personId"),
    ({"inviteName": "Bob", "requestId": ""}, "requestId"),
])
async def test_create_session_validation(stack: Stack, body: dict[str, Any], field: str) -> None:
    error = await stack.error("POST", "/api/sessions", "alice", body, status=400,
                              code="VALIDATION_ERROR")
    assert list(error["details"]) == [field], error
    assert all(isinstance(m, str) and m for m in error["details"][field])
    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"] == []


async def test_create_session_refuses_non_object_and_malformed_bodies(stack: Stack) -> None:
    error = await stack.error("POST", "/api/sessions", "alice", ["Bob"], status=400,
                              code="VALIDATION_ERROR")
    assert "value" in error["details"]
    response = await stack.http.post("/api/sessions", data="{not json",
                                     headers={**stack.auth("alice"),
                                              "Content-Type": "application/json"})
    payload = await response.json()
    assert (response.status, payload["error"]["code"]) == (400, "VALIDATION_ERROR")


async def test_list_sessions_pages_newest_first_with_limit_one(stack: Stack) -> None:
    created = [(await create_session(stack, invite_name=name))["session"]["id"]
               for name in ("Bob", "Carl", "Dana")]
    items = await walk_sessions(stack, "alice")
    assert [i["id"] for i in items] == list(reversed(created))
    for item in items:
        assert set(item) == LIST_ITEM_KEYS, item
        assert item["status"] == "CREATED"
        assert item["myProgress"]["stage"] == 0
        assert item["partnerProgress"] is None
        assert "sign_compact" in item["selfActionNeeded"]
    assert [i["partner"]["name"] for i in items] == ["Dana", "Carl", "Bob"]
    first = await stack.ok("GET", "/api/sessions?limit=2", "alice")
    assert (len(first["items"]), first["hasMore"]) == (2, True)
    everything = await stack.ok("GET", "/api/sessions", "alice")
    assert (len(everything["items"]), everything["hasMore"]) == (3, False)
    assert "cursor" not in everything
    assert (await stack.ok("GET", "/api/sessions", "bob"))["items"] == []


async def test_list_sessions_status_filter(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    created = (await create_session(stack, invite_name="Carl"))["session"]["id"]
    active = await stack.ok("GET", "/api/sessions?status=ACTIVE", "alice")
    assert [i["id"] for i in active["items"]] == [ids["session_id"]]
    waiting = await walk_sessions(stack, "alice", "&status=CREATED")
    assert [i["id"] for i in waiting] == [created]
    assert (await stack.ok("GET", "/api/sessions?status=PAUSED", "alice"))["items"] == []
    bob_active = await stack.ok("GET", "/api/sessions?status=ACTIVE", "bob")
    assert [i["id"] for i in bob_active["items"]] == [ids["session_id"]]
    assert bob_active["items"][0]["partner"]["name"] == "Alice"


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"), ("limit=-1", "limit"),
    ("status=BOGUS", "status"), ("status=active", "status"), ("cursor=not-a-cursor", "cursor"),
    ("cursor=" + "a" * 1025, "cursor"),
])
async def test_list_sessions_validation(stack: Stack, query: str, field: str) -> None:
    await create_session(stack)
    error = await stack.error("GET", f"/api/sessions?{query}", "alice", status=400,
                              code="VALIDATION_ERROR")
    assert field in error["details"], error


async def test_get_session_detail_shape(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    alice_id, bob_id = await user_id(stack, "alice"), await user_id(stack, "bob")
    for me, partner_id, partner_name in (("alice", bob_id, "Bob"), ("bob", alice_id, "Alice")):
        session = (await stack.ok("GET", f"/api/sessions/{ids['session_id']}", me))["session"]
        assert set(session) == {"id", "status", "currentStage", "stageStatus", "relationshipId",
                                "partner", "myProgress", "createdAt", "resolvedAt"}
        assert session["currentStage"] == 1 and session["stageStatus"] == "IN_PROGRESS"
        assert session["myProgress"] == {"stage": 1, "status": "IN_PROGRESS"}
        assert session["partner"]["id"] == partner_id
        assert session["partner"]["name"] == partner_name
        assert session["resolvedAt"] is None


async def test_pause_and_resume(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    paused = await stack.ok("POST", f"/api/sessions/{sid}/pause", "alice", {"reason": "tired"})
    assert paused["paused"] is True and paused["status"] == "PAUSED"
    parse_iso(paused["pausedAt"])
    bob_view = await stack.ok("GET", f"/api/sessions/{sid}", "bob")
    assert bob_view["session"]["status"] == "PAUSED"
    listed = (await stack.ok("GET", "/api/sessions", "bob"))["items"][0]
    assert listed["selfActionNeeded"] == ["resume"]
    await stack.error("POST", f"/api/sessions/{sid}/pause", "bob", status=400,
                      code="SESSION_NOT_ACTIVE")

    resumed = await stack.ok("POST", f"/api/sessions/{sid}/resume", "bob")
    assert resumed["resumed"] is True and resumed["status"] == "ACTIVE"
    assert parse_iso(resumed["resumedAt"]) >= parse_iso(paused["pausedAt"])
    await stack.error("POST", f"/api/sessions/{sid}/resume", "alice", status=400,
                      code="SESSION_NOT_ACTIVE")
    assert (await stack.ok("GET", f"/api/sessions/{sid}", "alice"))["session"]["status"] == \
        "ACTIVE"


async def test_pause_needs_an_active_session_and_a_short_reason(stack: Stack) -> None:
    sid = (await create_session(stack))["session"]["id"]
    await stack.error("POST", f"/api/sessions/{sid}/pause", "alice", status=400,
                      code="SESSION_NOT_ACTIVE")
    await stack.error("POST", f"/api/sessions/{sid}/resume", "alice", status=400,
                      code="SESSION_NOT_ACTIVE")
    active = (await both_at_stage1(stack, "dana", "erin"))["session_id"]
    error = await stack.error("POST", f"/api/sessions/{active}/pause", "dana",
                              {"reason": "x" * 501}, status=400, code="VALIDATION_ERROR")
    assert "reason" in error["details"]
    assert (await stack.ok("GET", f"/api/sessions/{active}", "dana"))["session"]["status"] == \
        "ACTIVE"


async def test_archive_from_allowed_statuses_only(stack: Stack) -> None:
    active = (await both_at_stage1(stack))["session_id"]
    await stack.error("POST", f"/api/sessions/{active}/archive", "alice", status=400,
                      code="VALIDATION_ERROR")
    await stack.ok("POST", f"/api/sessions/{active}/pause", "alice")
    await stack.error("POST", f"/api/sessions/{active}/archive", "bob", status=400,
                      code="VALIDATION_ERROR")
    invited = (await stage0_to_invited(stack, "alice"))["session_id"]  # new relationship
    created = (await create_session(stack, invite_name="Carl"))["session"]["id"]
    for sid in (invited, created):
        archived = await stack.ok("POST", f"/api/sessions/{sid}/archive", "alice")
        assert archived["archived"] is True
        parse_iso(archived["archivedAt"])
    listed = [i["id"] for i in (await stack.ok("GET", "/api/sessions", "alice"))["items"]]
    assert listed == [active]


async def test_archive_is_personal(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await set_session_status(sid, "RESOLVED")  # stage 4 ends sessions; not in this slice
    first = await stack.ok("POST", f"/api/sessions/{sid}/archive", "alice")
    again = await stack.ok("POST", f"/api/sessions/{sid}/archive", "alice")
    assert again["archivedAt"] == first["archivedAt"]
    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"] == []
    bob_items = (await stack.ok("GET", "/api/sessions", "bob"))["items"]
    assert [(i["id"], i["status"]) for i in bob_items] == [(sid, "RESOLVED")]
    await stack.ok("POST", f"/api/sessions/{sid}/archive", "bob")
    assert (await stack.ok("GET", "/api/sessions", "bob"))["items"] == []
    view = await stack.ok("GET", f"/api/sessions/{sid}", "bob")
    assert view["session"]["status"] == "ARCHIVED"


async def test_delete_leaves_the_partner_their_data(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("POST", f"/api/sessions/{sid}/emotions", "alice", {"intensity": 4})
    bob_reading = await stack.ok("POST", f"/api/sessions/{sid}/emotions", "bob",
                                 {"intensity": 6, "context": "bob's own"})
    deleted = await stack.ok("DELETE", f"/api/sessions/{sid}", "alice")
    assert deleted["deleted"] is True
    summary = deleted["summary"]
    assert summary["sessionAbandoned"] is True and summary["partnerNotified"] is True
    assert summary["dataRecordsDeleted"] > 0

    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"] == []
    bob_session = (await stack.ok("GET", f"/api/sessions/{sid}", "bob"))["session"]
    assert bob_session["status"] == "ABANDONED"
    assert bob_session["myProgress"] == {"stage": 1, "status": "IN_PROGRESS"}
    readings = (await stack.ok("GET", f"/api/sessions/{sid}/emotions", "bob"))["readings"]
    assert [r["id"] for r in readings] == [bob_reading["reading"]["id"]]
    assert (await stack.ok("GET", "/api/sessions", "bob"))["items"][0]["status"] == "ABANDONED"
    progress = await stack.ok("GET", f"/api/sessions/{sid}/progress", "bob")
    assert progress["partnerProgress"] is None and progress["sessionStatus"] == "ABANDONED"


async def test_delete_before_anyone_joined(stack: Stack) -> None:
    sid = (await create_session(stack))["session"]["id"]
    deleted = await stack.ok("DELETE", f"/api/sessions/{sid}", "alice")
    assert deleted["summary"]["sessionAbandoned"] is True
    assert deleted["summary"]["partnerNotified"] is False
    assert deleted["summary"]["dataRecordsDeleted"] > 0
    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"] == []


async def test_created_at_and_expiry_are_consistent(stack: Stack) -> None:
    data = await create_session(stack)
    state = await stack.ok("GET", f"/api/sessions/{data['session']['id']}/state", "alice")
    created = parse_iso(state["invitation"]["createdAt"])
    assert parse_iso(state["invitation"]["expiresAt"]) - created == timedelta(days=7)


async def test_simultaneous_creates_with_the_same_person_make_one_session(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    bob_id = await user_id(stack, "bob")
    await stack.ok("DELETE", f"/api/sessions/{ids['session_id']}", "bob")
    results = await asyncio.gather(*(
        stack.call("POST", "/api/sessions", "alice", {"personId": bob_id}) for _ in range(4)
    ))
    codes = sorted(code for code, _ in results)
    assert codes == [200, 200, 200, 201], results
    new_id = next(body["data"]["session"]["id"] for code, body in results if code == 201)
    assert {body["data"]["existingActiveSession"]["id"]
            for code, body in results if code == 200} == {new_id}
    live = await stack.ok("GET", "/api/sessions?status=CREATED", "alice")
    assert [i["id"] for i in live["items"]] == [new_id]


async def test_overlong_idempotency_key_is_refused(stack: Stack) -> None:
    code, payload = await stack.call("POST", "/api/sessions", "alice", {"inviteName": "Bob"},
                                     headers={"Idempotency-Key": "k" * 129})
    assert (code, payload["error"]["code"]) == (400, "VALIDATION_ERROR"), payload
    assert "Idempotency-Key" in payload["error"]["details"]
    assert (await stack.ok("GET", "/api/sessions", "alice"))["items"] == []


async def test_create_session_idempotency_key_replays(stack: Stack) -> None:
    body = {"inviteName": "Bob", "context": "We argue about chores."}
    headers = {"Idempotency-Key": "create-1"}
    first = await stack.ok("POST", "/api/sessions", "alice", body, status=201, headers=headers)
    second = await stack.ok("POST", "/api/sessions", "alice", body, status=201, headers=headers)
    assert second["session"]["id"] == first["session"]["id"]
    assert second["invitationId"] == first["invitationId"]
    assert len((await stack.ok("GET", "/api/sessions", "alice"))["items"]) == 1
    # Another person may use the same key for their own request.
    other = await stack.ok("POST", "/api/sessions", "carol", body, status=201, headers=headers)
    assert other["session"]["id"] != first["session"]["id"]


async def test_create_session_idempotency_key_with_another_body_is_refused(stack: Stack) -> None:
    headers = {"Idempotency-Key": "create-2"}
    await stack.ok("POST", "/api/sessions", "alice", {"inviteName": "Bob"}, status=201,
                   headers=headers)
    code, payload = await stack.call("POST", "/api/sessions", "alice", {"inviteName": "Carl"},
                                     headers=headers)
    assert (code, payload["error"]["code"]) == (400, "VALIDATION_ERROR"), payload
    assert "requestId" in payload["error"]["details"]
    assert len((await stack.ok("GET", "/api/sessions", "alice"))["items"]) == 1
