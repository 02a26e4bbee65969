"""Stage 2's empathy exchange over REST, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from mwf_core.domain.empathy import EmpathyStatus

from .empathy_helpers import both_revealed, force_status, outbox, share, status_of
from .harness import Stack, both_at_stage1
from .journey import Pair, both_at_stage, both_at_stage2
from .rest_helpers import parse_iso, user_id

A_TEXT = "Lapwing-31: I imagine you felt alone when I kept working late."
B_TEXT = "Bittern-64: I think you were worried we were drifting apart."
FEEDBACK = "Sandpiper-12: it was more that I felt my effort went unnoticed."
SKIP_REASON = "Godwit-77: that is simply not what happened to me."


async def test_draft_save_read_and_version(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    empty = await stack.ok("GET", pair.path("/empathy/draft"), "alice")
    assert empty == {"draft": None, "canConsent": False, "alreadyConsented": False}
    saved = await stack.ok("POST", pair.path("/empathy/draft"), "alice", {"content": "one"})
    assert saved["readyToShare"] is False and parse_iso(saved["savedAt"])
    again = await stack.ok("POST", pair.path("/empathy/draft"), "alice",
                           {"content": "two", "readyToShare": True})
    assert again["draftId"] == saved["draftId"] and again["readyToShare"] is True
    got = await stack.ok("GET", pair.path("/empathy/draft"), "alice")
    assert got["draft"]["content"] == "two" and got["draft"]["version"] == 2
    assert got["draft"]["readyToShare"] is True and parse_iso(got["draft"]["updatedAt"])
    assert (got["canConsent"], got["alreadyConsented"]) == (True, False)
    # Bob has no draft, and never sees Alice's.
    assert (await stack.ok("GET", pair.path("/empathy/draft"), "bob"))["draft"] is None


async def test_draft_needs_stage2(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    error = await stack.error("POST", pair.path("/empathy/draft"), "alice", {"content": "x"},
                              status=400, code="VALIDATION_ERROR")
    assert "stage 2 is required" in error["message"]


async def test_declined_consent_shares_nothing(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await stack.ok("POST", pair.path("/empathy/draft"), "alice",
                   {"content": A_TEXT, "readyToShare": True})
    declined = await stack.ok("POST", pair.path("/empathy/consent"), "alice", {"consent": False})
    assert declined == {"consented": False, "consentedAt": None, "partnerConsented": False,
                        "canReveal": False, "status": None, "empathyMessage": None,
                        "transitionMessage": None}
    await stack.container.reconciler.drain()
    mine = await status_of(stack, pair, "alice")
    assert mine["myAttempt"] is None
    theirs = await status_of(stack, pair, "bob")
    assert theirs["partnerHasSubmittedEmpathy"] is False
    assert theirs["partnerEmpathyHeldStatus"] is None
    assert all("Lapwing-31" not in json.dumps(e) for e in await outbox(pair.session_id))
    assert [e["name"] for e in await outbox(pair.session_id)].count(
        "partner.empathy_shared") == 0


async def test_consent_is_idempotent_and_partner_sees_status_only(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    shared = await share(stack, pair, "alice", A_TEXT)
    assert shared["consented"] is True and shared["status"] in ("HELD", "ANALYZING")
    assert shared["empathyMessage"]["content"] == A_TEXT
    assert shared["empathyMessage"]["stage"] == 2
    assert "Bob" in shared["transitionMessage"]["content"]
    again = await stack.ok("POST", pair.path("/empathy/consent"), "alice", {"consent": True})
    assert again["empathyMessage"]["id"] == shared["empathyMessage"]["id"]
    assert again["consentedAt"] == shared["consentedAt"]
    await stack.container.reconciler.drain()
    # Bob: status, no words - on every read path and every event he can receive.
    bodies = [
        await stack.ok("GET", pair.path("/empathy/partner"), "bob"),
        await status_of(stack, pair, "bob"),
        await stack.ok("GET", pair.path("/empathy/draft"), "bob"),
        await stack.ok("GET", pair.path("/state"), "bob"),
        await stack.ok("GET", pair.path("/progress"), "bob"),
        await stack.ok("GET", pair.path("/messages"), "bob"),
    ]
    partner, status = bodies[0], bodies[1]
    assert partner["attempt"] is None and partner["waitingForPartner"] is False
    assert partner["partnerStatus"] is not None
    assert status["partnerHasSubmittedEmpathy"] is True and status["partnerAttempt"] is None
    assert parse_iso(status["partnerEmpathySubmittedAt"])
    for body in bodies:
        assert "Lapwing-31" not in json.dumps(body)
    events = await outbox(pair.session_id)
    shared_events = [e for e in events if e["name"] == "partner.empathy_shared"]
    assert [e["channel"] for e in shared_events] == [f"user:{pair.invitee_id}"]
    for event in events:
        if event["channel"] != f"user:{pair.inviter_id}":
            assert "Lapwing-31" not in json.dumps(event), event
    mine = await status_of(stack, pair, "alice")
    assert mine["myAttempt"]["content"] == A_TEXT
    assert mine["myAttempt"]["deliveryStatus"] == "pending"


async def test_reveal_validate_and_move_to_stage3(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await both_revealed(stack, pair, A_TEXT, B_TEXT)
    partner = await stack.ok("GET", pair.path("/empathy/partner"), "bob")
    assert partner["attempt"]["content"] == A_TEXT
    assert partner["attempt"]["status"] == "REVEALED"
    assert partner["attempt"]["deliveryStatus"] == "delivered"
    assert parse_iso(partner["attempt"]["revealedAt"])
    first = await stack.ok("POST", pair.path("/empathy/validate"), "bob", {"validated": True})
    assert (first["validated"], first["canAdvance"], first["partnerValidated"]) == (
        True, False, False)
    assert parse_iso(first["validatedAt"])
    second = await stack.ok("POST", pair.path("/empathy/validate"), "alice", {"validated": True})
    assert (second["canAdvance"], second["partnerValidated"]) == (True, True)
    for user in ("alice", "bob"):
        progress = await stack.ok("GET", pair.path("/progress"), user)
        assert progress["myProgress"]["stage"] == 3
        assert progress["partnerProgress"]["stage"] == 3
        status = await status_of(stack, pair, user)
        assert status["readyForStage3"] is True
        assert status["myAttempt"]["status"] == "VALIDATED"
        assert parse_iso(status["myAttempt"]["validatedAt"])
        messages = (await stack.ok("GET", pair.path("/messages"), user))["messages"]
        assert messages[-1]["role"] == "AI" and messages[-1]["stage"] == 3
    events = await outbox(pair.session_id)
    assert [e["name"] for e in events].count("stage.progress") == 1
    completed = [e for e in events if e["name"] == "partner.stage_completed"
                 and e["payload"].get("currentStage") == 3]
    assert {(e["channel"], e["payload"]["forUserId"]) for e in completed} == {
        (f"user:{pair.inviter_id}", pair.inviter_id), (f"user:{pair.invitee_id}", pair.invitee_id)}


async def test_feedback_reaches_only_the_author(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await both_revealed(stack, pair, A_TEXT, B_TEXT)
    answer = await stack.ok("POST", pair.path("/empathy/validate"), "bob",
                            {"validated": False, "feedback": FEEDBACK})
    assert (answer["validated"], answer["feedbackShared"], answer["awaitingRevision"]) == (
        False, True, True)
    lane = (await stack.ok("GET", pair.path("/messages"), "alice"))["messages"]
    assert [m["role"] for m in lane[-2:]] == ["AI", "VALIDATION_FEEDBACK"]
    assert lane[-1]["content"] == FEEDBACK
    mine = await status_of(stack, pair, "alice")
    assert mine["myAttempt"]["status"] == "REFINING"
    partner = await stack.ok("GET", pair.path("/empathy/partner"), "bob")
    assert partner["awaitingRevision"] is True and partner["attempt"] is None
    for event in await outbox(pair.session_id):
        if "Sandpiper-12" in json.dumps(event):
            assert event["channel"] == f"user:{pair.inviter_id}", event
    updates = [e for e in await outbox(pair.session_id) if e["name"] == "empathy.status_updated"]
    assert updates[-1]["payload"]["validationFeedback"] == FEEDBACK
    # Refine: the same text is refused, a new one is analysed again.
    same = await stack.error("POST", pair.path("/empathy/resubmit"), "alice",
                             {"content": A_TEXT}, status=400, code="VALIDATION_ERROR")
    assert "content" in same["details"]
    revised = "I see now that you felt your effort went unnoticed."
    resubmitted = await stack.ok("POST", pair.path("/empathy/resubmit"), "alice",
                                 {"content": revised})
    assert resubmitted["status"] == "ANALYZING"
    assert resubmitted["empathyMessage"]["content"] == revised
    assert resubmitted["empathyMessage"]["deliveryStatus"] == "pending"
    await stack.container.reconciler.drain()
    mine = await status_of(stack, pair, "alice")
    assert mine["myAttempt"]["revisionCount"] == 1 and mine["myAttempt"]["content"] == revised


async def test_resubmit_only_while_refining(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await share(stack, pair, "alice", A_TEXT)
    await stack.container.reconciler.drain()
    await stack.error("POST", pair.path("/empathy/resubmit"), "alice", {"content": "new"},
                      status=400, code="VALIDATION_ERROR")
    await stack.error("POST", pair.path("/empathy/resubmit"), "bob", {"content": "new"},
                      status=400, code="VALIDATION_ERROR")


async def test_skip_refinement_keeps_the_reason_private(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await both_revealed(stack, pair, A_TEXT, B_TEXT)
    await stack.ok("POST", pair.path("/empathy/validate"), "bob", {"validated": True})
    await stack.ok("POST", pair.path("/empathy/validate"), "alice",
                   {"validated": False, "feedback": FEEDBACK})
    done = await stack.ok("POST", pair.path("/empathy/skip-refinement"), "bob",
                          {"willingToAccept": False, "reason": SKIP_REASON})
    assert done == {"success": True}
    mine = await stack.ok("GET", pair.path("/progress"), "bob")
    assert mine["myProgress"]["stage"] == 3  # both validated: both moved on
    # Alice sees that Bob skipped, never why: not in progress, state, status or any event.
    for path in ("/progress", "/state", "/empathy/status", "/empathy/partner", "/messages"):
        body = await stack.ok("GET", pair.path(path), "alice")
        assert "Godwit-77" not in json.dumps(body), path
    events = await outbox(pair.session_id)
    assert all("Godwit-77" not in json.dumps(e) for e in events)
    skipped = [e for e in events if e["name"] == "partner.skipped_refinement"]
    assert [e["payload"]["willingToAccept"] for e in skipped] == [False]


async def test_skip_from_refining_reveals_a_waiting_partner(stack: Stack) -> None:
    """Bob's statement was never revealed (he refines after shared context): skipping shares
    it as it is (READY), and with Alice's READY both are revealed together."""
    pair = await both_at_stage2(stack)
    await share(stack, pair, "alice", A_TEXT)
    await share(stack, pair, "bob", B_TEXT)
    await force_status(stack, pair, pair.inviter_id, EmpathyStatus.READY)
    await force_status(stack, pair, pair.invitee_id, EmpathyStatus.REFINING)
    before = len(await outbox(pair.session_id))
    await stack.ok("POST", pair.path("/empathy/skip-refinement"), "bob",
                   {"willingToAccept": True})
    partner = await stack.ok("GET", pair.path("/empathy/partner"), "bob")
    assert partner["attempt"]["content"] == A_TEXT
    partner = await stack.ok("GET", pair.path("/empathy/partner"), "alice")
    assert partner["attempt"]["content"] == B_TEXT
    assert partner["attempt"]["status"] == "REVEALED"  # shared as it is, not validated
    revealed = [e for e in (await outbox(pair.session_id))[before:]
                if e["name"] == "empathy.revealed"]
    assert sorted(e["channel"] for e in revealed) == sorted(
        [f"user:{pair.inviter_id}", f"user:{pair.invitee_id}"])


@pytest.mark.parametrize("alices", [EmpathyStatus.AWAITING_SHARING, EmpathyStatus.REFINING])
async def test_skip_before_the_reveal_never_shows_the_statement_alone(
        stack: Stack, alices: EmpathyStatus) -> None:
    """Privacy: Bob skipping refinement while Alice's statement is not ready keeps his words
    hidden from her (the original validated his attempt, which made it readable)."""
    pair = await both_at_stage2(stack)
    await share(stack, pair, "alice", A_TEXT)
    await share(stack, pair, "bob", B_TEXT)
    await force_status(stack, pair, pair.inviter_id, alices)
    await force_status(stack, pair, pair.invitee_id, EmpathyStatus.REFINING)
    # (The set-up's forced statuses follow a real reveal by the offline reconciler: only
    # what the skip writes is checked below.)
    before = len(await outbox(pair.session_id))
    await stack.ok("POST", pair.path("/empathy/skip-refinement"), "bob",
                   {"willingToAccept": True})
    mine = await status_of(stack, pair, "bob")
    assert mine["myAttempt"]["status"] == "READY"
    partner = await stack.ok("GET", pair.path("/empathy/partner"), "alice")
    assert partner["attempt"] is None and partner["partnerStatus"] == "READY"
    for path in ("/empathy/partner", "/empathy/status", "/state", "/messages"):
        body = await stack.ok("GET", pair.path(path), "alice")
        assert B_TEXT not in json.dumps(body), path
    for event in (await outbox(pair.session_id))[before:]:
        if event["channel"] != f"user:{pair.invitee_id}":
            assert B_TEXT not in json.dumps(event["payload"]), event["name"]


async def test_validate_before_reveal_is_a_conflict(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    await stack.error("POST", pair.path("/empathy/validate"), "bob", {"validated": True},
                      status=409, code="CONFLICT")
    await share(stack, pair, "alice", A_TEXT)
    await stack.container.reconciler.drain()
    await stack.error("POST", pair.path("/empathy/validate"), "bob", {"validated": True},
                      status=409, code="CONFLICT")


LIMITS = [
    ("/empathy/draft", {}, {"content"}),
    ("/empathy/draft", {"content": ""}, {"content"}),
    ("/empathy/draft", {"content": "x" * 2001}, {"content"}),
    ("/empathy/draft", {"content": 5}, {"content"}),
    ("/empathy/draft", {"content": "ok", "readyToShare": "yes"}, {"readyToShare"}),
    ("/empathy/consent", {}, {"consent"}),
    ("/empathy/consent", {"consent": "true"}, {"consent"}),
    ("/empathy/validate", {}, {"validated"}),
    ("/empathy/validate", {"validated": False}, {"feedback"}),
    ("/empathy/validate", {"validated": False, "feedback": ""}, {"feedback"}),
    ("/empathy/validate", {"validated": False, "feedback": "x" * 501}, {"feedback"}),
    ("/empathy/resubmit", {}, {"content"}),
    ("/empathy/resubmit", {"content": "x" * 2001}, {"content"}),
    ("/empathy/skip-refinement", {}, {"willingToAccept"}),
    ("/empathy/skip-refinement", {"willingToAccept": True, "reason": "x" * 501}, {"reason"}),
    ("/empathy/validation-feedback/draft", {"readyToShare": True}, {"content"}),
    ("/empathy/validation-feedback/draft", {"content": "x" * 501, "readyToShare": True},
     {"content"}),
    ("/empathy/validation-feedback/draft", {"content": "ok"}, {"readyToShare"}),
]


@pytest.mark.parametrize(("path", "body", "fields"), LIMITS)
async def test_limits(sqlite_stack: Stack, path: str, body: dict[str, object],
                      fields: set[str]) -> None:
    pair = Pair("ses_any", "inv_any", "alice", "bob", "", "")
    error = await sqlite_stack.error("POST", pair.path(path), "alice", body, status=400,
                                     code="VALIDATION_ERROR")
    assert set(error["details"]) == fields, error


async def test_progress_hides_partner_feedback_and_skip_reason(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    await stack.ok("POST", f"/api/sessions/{sid}/feel-heard", "alice", {"confirmed": True})
    await stack.ok("POST", f"/api/sessions/{sid}/feel-heard", "bob",
                   {"confirmed": True, "feedback": "Curlew-40: I felt rushed."})
    pair = Pair(sid, ids["invitation_id"], "alice", "bob",
                await user_id(stack, "alice"), await user_id(stack, "bob"))
    await both_revealed(stack, pair, A_TEXT, B_TEXT)
    await stack.ok("POST", pair.path("/empathy/skip-refinement"), "bob",
                   {"willingToAccept": False, "reason": SKIP_REASON})
    own = await stack.ok("GET", pair.path("/progress"), "bob")
    assert own["myProgress"]["gatesSatisfied"]["skipReason"] == SKIP_REASON
    for path in ("/progress", "/state"):
        body = json.dumps(await stack.ok("GET", pair.path(path), "alice"))
        assert "Curlew-40" not in body and "Godwit-77" not in body, path
    partner = (await stack.ok("GET", pair.path("/progress"), "alice"))["partnerProgress"]
    assert partner["gatesSatisfied"]["skippedRefinement"] is True
    assert "skipReason" not in partner["gatesSatisfied"]
