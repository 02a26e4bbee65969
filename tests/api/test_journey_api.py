"""Around the stages over the real stack (REST → gRPC → database, SQLite and PostgreSQL):
consent, exercises, pending actions, badge count, timeline, read state and stage advance."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus
from mwf_core.domain.enums import ConsentContentType, MessageRole
from mwf_core.domain.reconciler import ReconcilerResult, ShareOffer, ShareOfferStatus
from mwf_core.domain.records import ConsentRecord, Message

from .harness import Stack, both_at_stage1
from .journey import Pair, both_at_stage, both_at_stage2, deps_of, jump_to_stage, outbox
from .rest_helpers import parse_iso

SECRET = "Zebrafinch-42 my private consent words"


async def seed(stack: Stack, *records: Any) -> None:
    async with deps_of(stack).uow() as uow:
        for record in records:
            if isinstance(record, Message):
                await uow.messages.add(record)
            else:
                await uow.consents.add(record)
        await uow.commit()


async def hide_activity(stack: Stack, user_id: str) -> None:
    async with deps_of(stack).uow() as uow:
        await uow.users.patch(user_id, datetime.now(UTC),
                              privacy_preferences={"showActivityStatus": False})
        await uow.commit()


def consent(pair: Pair, rid: str, user_id: str, minutes: int = 0,
            content: str = SECRET) -> ConsentRecord:
    return ConsentRecord(rid, user_id, pair.session_id, ConsentContentType.EVENT_SUMMARY, None,
                         datetime.now(UTC) + timedelta(minutes=minutes),
                         metadata={"content": content})


# --- access matrix -------------------------------------------------------------------------

ROUTES = (
    ("GET", "/consent/pending", None),
    ("POST", "/consent/decide", {"consentRequestId": "nope", "decision": "GRANTED"}),
    ("POST", "/consent/revoke", {"consentRecordId": "nope"}),
    ("GET", "/consent/history", None),
    ("POST", "/exercises/complete", {"type": "GROUNDING"}),
    ("GET", "/pending-actions", None),
    ("GET", "/timeline", None),
    ("POST", "/viewed", {}),
    ("POST", "/share-tab-viewed", None),
    ("POST", "/stages/advance", None),
)


async def test_access_matrix(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    for method, rest, body in ROUTES:
        path = pair.path(rest)
        for user in (pair.inviter, pair.invitee):
            code, payload = await stack.call(method, path, user, body)
            # The consent routes with an unknown record answer 404; everything else works.
            expected = 404 if rest in ("/consent/decide", "/consent/revoke") else 200
            assert code == expected, (method, rest, user, payload)
        await stack.error(method, path, "carol", body, status=403, code="FORBIDDEN")
        await stack.error(method, path, None, body, status=401, code="UNAUTHORIZED")
        await stack.error(method, f"/api/sessions/missing-session{rest}", "alice", body,
                          status=404, code="NOT_FOUND")
    await stack.ok("GET", "/api/notifications/badge-count", "carol")
    await stack.error("GET", "/api/notifications/badge-count", None, status=401,
                      code="UNAUTHORIZED")
    # Mounted under /api/v1 too.
    await stack.ok("GET", f"/api/v1/sessions/{pair.session_id}/timeline", "alice")


# --- stage advance -------------------------------------------------------------------------


async def test_advance_blocked_then_allowed(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    path = pair.path("/stages/advance")
    blocked = await stack.ok("POST", path, "alice", {"ignored": True})
    assert blocked == {"advanced": False, "newStage": 3, "newStatus": "IN_PROGRESS",
                       "advancedAt": None, "blockedReason": "GATES_NOT_SATISFIED",
                       "unsatisfiedGates": ["needsConfirmed", "needsShared", "needsValidated"]}
    done = {"needsConfirmed": True, "needsShared": True, "needsValidated": True}
    await jump_to_stage(stack, pair, 4, gates=done, users=(pair.inviter_id,))
    # Alice jumped with her gates; Bob has his stage-3 gates unset: he is blocked on his own.
    bob = await stack.ok("POST", path, "bob")
    assert bob["blockedReason"] == "GATES_NOT_SATISFIED"


async def test_advance_to_four_waits_for_the_partner(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    done = {"needsConfirmed": True, "needsShared": True, "needsValidated": True}
    async with deps_of(stack).uow() as uow:
        for row in await uow.progress.for_session(pair.session_id):
            if row.user_id == pair.inviter_id and row.stage == 3:
                row.gates_satisfied = {**row.gates_satisfied, **done}
                await uow.progress.update(row)
        await uow.commit()
    path = pair.path("/stages/advance")
    waiting = await stack.ok("POST", path, "alice")
    assert (waiting["advanced"], waiting["blockedReason"]) == (False, "PARTNER_NOT_READY")
    assert waiting["unsatisfiedGates"] == ["needsConfirmed", "needsShared", "needsValidated"]
    state = await stack.ok("GET", pair.path("/state"), "alice")
    assert state["progress"]["canAdvance"] is False
    async with deps_of(stack).uow() as uow:
        for row in await uow.progress.for_session(pair.session_id):
            if row.user_id == pair.invitee_id and row.stage == 3:
                row.gates_satisfied = {**row.gates_satisfied, **done}
                await uow.progress.update(row)
        await uow.commit()
    state = await stack.ok("GET", pair.path("/state"), "alice")
    assert state["progress"]["canAdvance"] is True
    moved = await stack.ok("POST", path, "alice")
    assert (moved["advanced"], moved["newStage"], moved["newStatus"]) == (True, 4, "IN_PROGRESS")
    assert "blockedReason" not in moved
    parse_iso(moved["advancedAt"])
    advanced = [e for e in await outbox(pair.session_id)
                if e.name == "partner.advanced" and "triggeredByUserId" in e.payload]
    assert [e.payload["toStage"] for e in advanced] == [4]
    assert advanced[-1].payload["excludeUserId"] == pair.inviter_id
    mine = await stack.ok("GET", pair.path("/progress"), "alice")
    assert mine["myProgress"]["stage"] == 4 and mine["partnerProgress"]["stage"] == 3
    # Stage 4 is the last stage: nothing further through this route (no stage-4 gates).
    await stack.error("POST", path, "alice", status=400, code="INVALID_STAGE")


async def test_paused_session_refuses_advance(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await stack.ok("POST", pair.path("/pause"), "alice")
    await stack.error("POST", pair.path("/stages/advance"), "bob", status=400,
                      code="SESSION_NOT_ACTIVE")


# --- progress privacy ----------------------------------------------------------------------


async def set_gates(stack: Stack, session_id: str, user_id: str, stage: int,
                    gates: dict[str, Any]) -> None:
    async with deps_of(stack).uow() as uow:
        for row in await uow.progress.for_session(session_id):
            if row.user_id == user_id and row.stage == stage:
                row.gates_satisfied = {**row.gates_satisfied, **gates}
                await uow.progress.update(row)
        await uow.commit()


async def test_progress_never_shows_the_partners_private_gate_text(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    me = await stack.ok("GET", "/api/auth/me", "bob")
    bob_id = me["user"]["id"]
    feedback = "Zebrafinch feedback: still angry at my mother"
    skip = "Zebrafinch skip: too raw"
    path = f"/api/sessions/{sid}"

    # Bob's current row is stage 1, holding his private feel-heard feedback.
    await set_gates(stack, sid, bob_id, 1, {"feelHeardConfirmed": True, "feedback": feedback})
    partner = (await stack.ok("GET", f"{path}/progress", "alice"))["partnerProgress"]
    assert partner["stage"] == 1 and partner["gatesSatisfied"]["feelHeardConfirmed"] is True
    assert "feedback" not in partner["gatesSatisfied"]
    own = (await stack.ok("GET", f"{path}/progress", "bob"))["myProgress"]
    assert own["gatesSatisfied"]["feedback"] == feedback

    # Then stage 2, holding his private reason for skipping refinement.
    pair = Pair(sid, ids["invitation_id"], "alice", "bob", "", bob_id)
    await jump_to_stage(stack, pair, 2, users=(bob_id,))
    await set_gates(stack, sid, bob_id, 2, {"skippedRefinement": True, "skipReason": skip})
    partner = (await stack.ok("GET", f"{path}/progress", "alice"))["partnerProgress"]
    assert partner["stage"] == 2 and partner["gatesSatisfied"]["skippedRefinement"] is True
    assert "skipReason" not in partner["gatesSatisfied"]
    own = (await stack.ok("GET", f"{path}/progress", "bob"))["myProgress"]
    assert own["gatesSatisfied"]["skipReason"] == skip
    for rest in ("/progress", "/state", "", "/timeline"):
        assert "Zebrafinch" not in json.dumps(await stack.ok("GET", path + rest, "alice")), rest
    assert "Zebrafinch" not in json.dumps(await stack.ok("GET", "/api/sessions", "alice"))


# --- consent -------------------------------------------------------------------------------


async def test_consent_flow_and_privacy(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await seed(stack, consent(pair, "cons-1", pair.inviter_id),
               consent(pair, "cons-2", pair.inviter_id, 1),
               consent(pair, "cons-bob", pair.invitee_id, 2, "bob's own words"))
    pending = await stack.ok("GET", pair.path("/consent/pending"), "alice")
    assert [p["id"] for p in pending["pendingRequests"]] == ["cons-1", "cons-2"]
    first = pending["pendingRequests"][0]
    assert set(first) == {"id", "contentType", "targetId", "createdAt", "metadata"}
    assert first["contentType"] == "EVENT_SUMMARY"
    bob_pending = await stack.ok("GET", pair.path("/consent/pending"), "bob")
    assert [p["id"] for p in bob_pending["pendingRequests"]] == ["cons-bob"]

    decide = pair.path("/consent/decide")
    await stack.error("POST", decide, "bob", {"consentRequestId": "cons-1",
                                              "decision": "GRANTED"},
                      status=404, code="NOT_FOUND")
    granted = await stack.ok("POST", decide, "alice",
                             {"consentRequestId": "cons-1", "decision": "GRANTED"})
    assert granted["recorded"] is True
    assert set(granted["consentRecord"]) == {"id", "contentType", "decision", "decidedAt",
                                             "revokedAt"}
    assert granted["consentRecord"]["decision"] == "GRANTED"
    assert granted["sharedContent"]["transformedContent"] == SECRET
    assert granted["sharedContent"]["consentActive"] is True
    await stack.error("POST", decide, "alice", {"consentRequestId": "cons-1",
                                                "decision": "DENIED"},
                      status=409, code="CONFLICT")
    edited = await stack.ok("POST", decide, "alice", {"consentRequestId": "cons-2",
                                                      "decision": "DENIED",
                                                      "editedContent": "ignored"})
    assert edited["sharedContent"] is None

    revoke = pair.path("/consent/revoke")
    await stack.error("POST", revoke, "bob", {"consentRecordId": "cons-1"},
                      status=404, code="NOT_FOUND")
    await stack.error("POST", revoke, "alice", {"consentRecordId": "cons-2"},
                      status=400, code="VALIDATION_ERROR")
    revoked = await stack.ok("POST", revoke, "alice", {"consentRecordId": "cons-1"})
    assert revoked["revoked"] is True
    parse_iso(revoked["revokedAt"])
    history = (await stack.ok("GET", pair.path("/consent/history"), "alice"))["records"]
    assert [(r["id"], r["decision"]) for r in history] == [("cons-1", "REVOKED"),
                                                           ("cons-2", "DENIED")]
    assert (await stack.ok("GET", pair.path("/consent/history"), "bob"))["records"][0][
        "id"] == "cons-bob"

    # The partner never receives the giver's words: not in responses, not in events.
    for path in ("/consent/pending", "/consent/history", "/pending-actions", "/timeline",
                 "/state", "/progress"):
        assert SECRET not in json.dumps(await stack.ok("GET", pair.path(path), "bob"))
    events = await outbox(pair.session_id)
    names = [e.name for e in events]
    assert "partner.consent_granted" in names and "partner.consent_revoked" in names
    for event in events:
        assert SECRET not in json.dumps(event.payload)


async def test_consent_validation(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    decide = pair.path("/consent/decide")
    error = await stack.error("POST", decide, "alice", {}, status=400, code="VALIDATION_ERROR")
    assert set(error["details"]) == {"consentRequestId", "decision"}
    error = await stack.error("POST", decide, "alice",
                              {"consentRequestId": "c", "decision": "REVOKED",
                               "editedContent": "x" * 5001},
                              status=400, code="VALIDATION_ERROR")
    assert set(error["details"]) == {"decision", "editedContent"}
    error = await stack.error("POST", pair.path("/consent/revoke"), "alice",
                              {"consentRecordId": 5}, status=400, code="VALIDATION_ERROR")
    assert set(error["details"]) == {"consentRecordId"}


# --- exercises -----------------------------------------------------------------------------


async def test_exercise_complete(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    path = pair.path("/exercises/complete")
    done = await stack.ok("POST", path, "alice", {"type": "BREATHING_EXERCISE",
                                                  "intensityBefore": 9, "intensityAfter": 4})
    assert done["logged"] is True
    assert set(done["completion"]) == {"id", "type", "completedAt", "intensityDelta"}
    assert (done["completion"]["type"], done["completion"]["intensityDelta"]) == (
        "BREATHING_EXERCISE", -5)
    parse_iso(done["completion"]["completedAt"])
    bare = await stack.ok("POST", path, "bob", {"type": "PAUSE_SESSION"})
    assert bare["completion"]["intensityDelta"] is None
    error = await stack.error("POST", path, "alice", {"type": "YOGA", "intensityBefore": 0,
                                                      "intensityAfter": 11.5},
                              status=400, code="VALIDATION_ERROR")
    assert set(error["details"]) == {"type", "intensityBefore", "intensityAfter"}
    hot = await stack.ok("POST", pair.path("/emotions"), "alice", {"intensity": 8})
    assert hot["suggestExercise"] is True


# --- timeline, read state, pending actions, badge ------------------------------------------


async def test_timeline_is_lane_private(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    now = datetime.now(UTC)
    await seed(stack,
               Message("t-a", pair.session_id, pair.inviter_id, None, MessageRole.USER,
                       "alice words", 2, now + timedelta(seconds=1)),
               Message("t-b", pair.session_id, pair.invitee_id, None, MessageRole.USER,
                       "bob secret words", 2, now + timedelta(seconds=2)),
               Message("t-ctx", pair.session_id, pair.invitee_id, pair.inviter_id,
                       MessageRole.SHARED_CONTEXT, "context for alice", 2,
                       now + timedelta(seconds=3)))
    await stack.ok("POST", pair.path("/emotions"), "bob", {"intensity": 3})
    page = await stack.ok("GET", pair.path("/timeline") + "?limit=100", "alice")
    assert set(page) == {"items", "hasMore"} and page["hasMore"] is False
    text = json.dumps(page)
    assert "bob secret words" not in text and "t-b" not in text
    types = {item["type"] for item in page["items"]}
    assert {"indicator", "user-message", "ai-message", "shared-context"} <= types
    assert "emotion-change" not in types  # bob's reading is his own
    indicators = {i["indicatorType"] for i in page["items"] if i["type"] == "indicator"}
    assert {"session-start", "invitation-sent", "invitation-accepted", "compact-signed",
            "feel-heard", "stage-transition"} <= indicators
    stamps = [parse_iso(i["timestamp"]) for i in page["items"]]
    assert stamps == sorted(stamps)

    small = await stack.ok("GET", pair.path("/timeline") + "?limit=2", "alice")
    assert len(small["items"]) == 2 and small["hasMore"] is True
    older = await stack.ok("GET", pair.path("/timeline") + "?limit=100&before="
                           + small["items"][0]["timestamp"].replace("+", "%2B"), "alice")
    assert all(parse_iso(i["timestamp"]) < parse_iso(small["items"][0]["timestamp"])
               for i in older["items"])
    for query, field in (("?limit=101", "limit"), ("?limit=0", "limit"),
                         ("?before=yesterday", "before")):
        error = await stack.error("GET", pair.path("/timeline") + query, "alice",
                                  status=400, code="VALIDATION_ERROR")
        assert set(error["details"]) == {field}


async def test_viewed_and_share_tab_viewed(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    viewed = await stack.ok("POST", pair.path("/viewed"), "alice",
                            {"lastSeenChatItemId": "item-7"})
    assert (viewed["success"], viewed["lastSeenChatItemId"]) == (True, "item-7")
    state = await stack.ok("GET", pair.path("/state"), "alice")
    assert state["session"]["lastSeenChatItemId"] == "item-7"
    assert state["session"]["lastViewedAt"] == viewed["lastViewedAt"]
    assert (await stack.ok("POST", pair.path("/viewed"), "alice"))["lastSeenChatItemId"] == \
        "item-7"
    error = await stack.error("POST", pair.path("/viewed"), "alice",
                              {"lastSeenChatItemId": "bad id!"}, status=400,
                              code="VALIDATION_ERROR")
    assert set(error["details"]) == {"lastSeenChatItemId"}
    tab = await stack.ok("POST", pair.path("/share-tab-viewed"), "alice")
    assert tab["success"] is True
    parse_iso(tab["lastViewedShareTabAt"])

    await hide_activity(stack, pair.invitee_id)
    await stack.ok("POST", pair.path("/viewed"), "bob")
    await stack.ok("POST", pair.path("/share-tab-viewed"), "bob")
    events = [e for e in await outbox(pair.session_id)
              if e.name in ("partner.session_viewed", "partner.share_tab_viewed")]
    shown = [e.payload for e in events if e.payload["excludeUserId"] == pair.inviter_id]
    assert len(shown) == 3 and all(p["activeAt"] is not None for p in shown)
    # Bob hides his activity: nothing about his looking goes out at all.
    assert all(e.payload["excludeUserId"] != pair.invitee_id for e in events)
    # Bob's view time is hidden from Alice, as his activity is.
    assert (await stack.ok("GET", pair.path("/state"), "alice"))["session"][
        "partnerLastViewedAt"] is None


async def test_pending_actions_and_badge_count(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    empty = await stack.ok("GET", pair.path("/pending-actions"), "alice")
    assert empty == {"actions": [], "sentTabUpdates": 0}
    await seed(stack, Message("ctx-1", pair.session_id, pair.invitee_id, pair.inviter_id,
                              MessageRole.SHARED_CONTEXT, "bob shared this", 2,
                              datetime.now(UTC)))
    pending = await stack.ok("GET", pair.path("/pending-actions"), "alice")
    assert [(a["type"], a["id"]) for a in pending["actions"]] == [("context_received", "ctx-1")]
    assert (await stack.ok("GET", pair.path("/pending-actions"), "bob"))["actions"] == []
    badge = await stack.ok("GET", "/api/notifications/badge-count", "alice")
    assert badge == {"count": 1, "bySession": {pair.session_id: 1}}
    await stack.ok("POST", pair.path("/share-tab-viewed"), "alice")
    assert (await stack.ok("GET", pair.path("/pending-actions"), "alice"))["actions"] == []
    assert (await stack.ok("GET", "/api/notifications/badge-count", "alice"))["count"] == 0
    await stack.ok("POST", pair.path("/viewed"), "bob")
    await stack.ok("POST", pair.path("/pause"), "alice")  # bumps the session for bob
    assert (await stack.ok("GET", "/api/notifications/badge-count", "bob")) == {
        "count": 1, "bySession": {pair.session_id: 1}}


async def test_pending_actions_from_empathy_and_share_offers(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    now = datetime.now(UTC)
    suggestion = "Zebrafinch suggestion from alice's own stage 1"
    async with deps_of(stack).uow() as uow:
        await uow.empathy_attempts.add(EmpathyAttempt(
            "att-bob", pair.session_id, pair.invitee_id, "bob's guess about alice", now,
            EmpathyStatus.REVEALED, now, now, revealed_at=now))
        await uow.reconciler.add_result(ReconcilerResult(
            "res-1", pair.session_id, pair.invitee_id, pair.inviter_id, now))
        await uow.reconciler.add_offer(ShareOffer(
            "offer-1", pair.session_id, "res-1", pair.inviter_id, pair.invitee_id,
            ShareOfferStatus.PENDING, now, now, suggested_content=suggestion))
        await uow.commit()
    pending = await stack.ok("GET", pair.path("/pending-actions"), "alice")
    assert [(a["type"], a["id"]) for a in pending["actions"]] == [
        ("share_offer", "offer-1"), ("validate_empathy", "att-bob")]
    assert pending["actions"][0]["data"]["status"] == "PENDING"
    bob = await stack.ok("GET", pair.path("/pending-actions"), "bob")
    assert bob["actions"] == [] and "Zebrafinch" not in json.dumps(bob)
    assert (await stack.ok("GET", "/api/notifications/badge-count", "alice"))["count"] == 2



async def test_two_advances_at_once_move_once(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    done = {"needsConfirmed": True, "needsShared": True, "needsValidated": True}
    for uid in (pair.inviter_id, pair.invitee_id):
        await set_gates(stack, pair.session_id, uid, 3, done)
    results = await asyncio.gather(*(stack.call("POST", pair.path("/stages/advance"), "alice")
                                     for _ in range(3)))
    # One moves alice to stage 4; the others find her at the last stage (INVALID_STAGE).
    assert sorted(code for code, _ in results) == [200, 400, 400], results
    moved = next(body["data"] for code, body in results if code == 200)
    assert (moved["advanced"], moved["newStage"]) == (True, 4)
    assert all(body["error"]["code"] == "INVALID_STAGE" for code, body in results if code == 400)
    advanced = [e for e in await outbox(pair.session_id)
                if e.name == "partner.advanced" and "triggeredByUserId" in e.payload]
    assert len(advanced) == 1
