"""Stage 3 over the real stack (REST and gRPC, SQLite and PostgreSQL): capture, edit,
confirm, consent, the reveal and the joint move to stage 4."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from mwf.v1 import needs_pb2
from mwf_core.domain import events

from .harness import Stack
from .journey import Pair, both_at_stage, both_at_stage2
from .needs_helpers import capture, confirm_all, dumps, lane, need, outbox, progress

ALICE_SECRET = ("Kingfisher-77 feeling safe when we talk about my mother",
                "Heron-31 time alone on Sundays")
BOB_SECRET = ("Osprey-55 being thanked for the cooking",)


def current_stage(rows: list[Any], user_id: str) -> int:
    return max(r.stage for r in rows if r.user_id == user_id)


async def test_needs_from_capture_to_stage_four(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    empty = await stack.ok("GET", pair.path("/needs"), "alice")
    assert empty == {"needs": [], "extracting": False, "synthesizedAt": None}

    captured = await capture(stack, pair, "alice", *ALICE_SECRET)
    assert [n["need"] for n in captured] == list(ALICE_SECRET)
    first = captured[0]
    assert first["description"] == first["need"] and first["status"] == "draft"
    assert first["confirmed"] is False and first["lockedAt"] is None
    custom = await stack.ok("POST", pair.path("/needs"), "alice",
                            {"need": "Wren-12 a tidy kitchen", "category": "FAIRNESS"})
    assert custom["need"]["category"] == "FAIRNESS"
    await stack.ok("DELETE", pair.path(f"/needs/{custom['need']['id']}"), "alice")
    listed = await stack.ok("GET", pair.path("/needs"), "alice")
    assert [n["need"] for n in listed["needs"]] == list(ALICE_SECRET)
    assert listed["synthesizedAt"] is not None

    ids = [n["id"] for n in listed["needs"]]
    confirmed = await stack.ok("POST", pair.path("/needs/confirm"), "alice", {"needIds": ids})
    assert confirmed["confirmed"] is True and confirmed["partnerConfirmed"] is False
    assert confirmed["canAdvance"] is False
    locked = await stack.ok("GET", pair.path("/needs"), "alice")
    assert {n["status"] for n in locked["needs"]} == {"locked"}
    shared = await stack.ok("POST", pair.path("/needs/consent"), "alice", {"needIds": ids})
    assert shared["consented"] is True and shared["waitingForPartner"] is True
    assert shared["needsRevealReady"] is False and shared["advancedToStage4"] is False
    waiting = [m.content for m in await lane(stack, pair.session_id, pair.inviter_id)]
    assert any("Once your partner shares" in c for c in waiting)

    # Before bob shares, he sees nothing of alice's list, anywhere.
    bob_view = await stack.ok("GET", pair.path("/needs/comparison"), "bob")
    assert bob_view["partnerNeeds"] == [] and bob_view["analysisComplete"] is False
    alice_view = await stack.ok("GET", pair.path("/needs/reveal"), "alice")
    assert [n["need"] for n in alice_view["myNeeds"]] == list(ALICE_SECRET)
    assert alice_view["partnerNeeds"] == []
    seen_by_bob = [dumps(bob_view), dumps(await stack.ok("GET", pair.path("/needs"), "bob")),
                   dumps(await stack.ok("GET", pair.path("/progress"), "bob")),
                   dumps(await stack.ok("GET", pair.path("/messages"), "bob"))]
    for event in await outbox(stack, pair.session_id):
        if event.channel != events.user_channel(pair.inviter_id):
            seen_by_bob.append(dumps(event.payload))
    for text in seen_by_bob:
        for secret in ALICE_SECRET:
            assert secret not in text

    # Edits after sharing are refused.
    await stack.error("POST", pair.path("/needs/capture"), "alice",
                      {"needs": [need("Late addition")]}, status=403, code="FORBIDDEN")
    await stack.error("DELETE", pair.path(f"/needs/{ids[0]}"), "alice",
                      status=403, code="FORBIDDEN")
    await stack.error("POST", pair.path("/needs"), "alice", need("Another"),
                      status=403, code="FORBIDDEN")

    await capture(stack, pair, "bob", *BOB_SECRET)
    bob_ids = await confirm_all(stack, pair, "bob")
    second = await stack.ok("POST", pair.path("/needs/consent"), "bob", {"needIds": bob_ids})
    assert second["waitingForPartner"] is False and second["needsRevealReady"] is True
    assert second["advancedToStage4"] is True
    again = await stack.ok("POST", pair.path("/needs/consent"), "alice", {"needIds": ids})
    assert again["advancedToStage4"] is True and again["needsRevealReady"] is True

    rows = await progress(stack, pair.session_id)
    for uid in (pair.inviter_id, pair.invitee_id):
        assert current_stage(rows, uid) == 4
        stage3 = next(r for r in rows if r.user_id == uid and r.stage == 3)
        assert stage3.status.value == "COMPLETED"
        for key in ("needsConfirmed", "confirmedAt", "needsIdentifiedAt", "needsShared",
                    "sharedAt", "needsValidated", "needsValidatedAt", "needsRevealReviewedAt"):
            assert stage3.gates_satisfied.get(key), (key, stage3.gates_satisfied)
    alice_lane = [m.content for m in await lane(stack, pair.session_id, pair.inviter_id)
                  if m.stage == 4]
    bob_lane = [m.content for m in await lane(stack, pair.session_id, pair.invitee_id)
                if m.stage == 4]
    assert len(alice_lane) == 1 and ALICE_SECRET[0] in alice_lane[0]
    assert len(bob_lane) == 1 and BOB_SECRET[0] in bob_lane[0]

    published = await outbox(stack, pair.session_id)
    completed = [e for e in published if e.name == events.PARTNER_STAGE_COMPLETED
                 and e.payload.get("currentStage") == 4]
    assert sorted(e.channel for e in completed) == sorted(
        events.user_channel(u) for u in (pair.inviter_id, pair.invitee_id))
    for event in completed:
        p = event.payload
        assert p["forUserId"] == p["userId"] and p["previousStage"] == 3
        assert p["triggeredByUserId"] == pair.invitee_id
        assert event.channel == events.user_channel(p["forUserId"])
        assert p["message"]["forUserId"] == p["forUserId"] and p["message"]["content"]
    assert [e.name for e in published].count(events.NEEDS_REVEAL_READY) == 1
    consents = [e for e in published if e.name == events.PARTNER_NEEDS_SHARED]
    assert [e.payload["needsRevealReady"] for e in consents] == [False, True]

    both = await stack.ok("GET", pair.path("/needs/comparison"), "bob")
    assert [n["need"] for n in both["partnerNeeds"]] == list(ALICE_SECRET)
    assert both["commonGround"] == [] and both["analysisComplete"] is True
    assert both["myValidated"] is True and both["partnerValidated"] is True
    assert both["canAdvance"] is True and both["noOverlap"] is False
    assert set(both["partnerNeeds"][0]) == {"id", "category", "need", "confirmed"}


async def test_consent_must_name_exactly_the_live_confirmed_needs(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    await stack.error("POST", pair.path("/needs/consent"), "alice", {"needIds": ["x1"]},
                      status=400, code="VALIDATION_ERROR")
    captured = await capture(stack, pair, "alice", "Safety", "Rest")
    ids = [n["id"] for n in captured]
    error = await stack.error("POST", pair.path("/needs/consent"), "alice", {"needIds": ids},
                              status=400, code="VALIDATION_ERROR")
    assert "Confirm every need" in error["message"] and "needIds" in error["details"]
    await stack.ok("POST", pair.path("/needs/confirm"), "alice", {"needIds": ids})
    error = await stack.error("POST", pair.path("/needs/consent"), "alice",
                              {"needIds": ids[:1]}, status=400, code="VALIDATION_ERROR")
    assert "all of your current needs" in error["message"]
    await stack.error("POST", pair.path("/needs/consent"), "alice",
                      {"needIds": [*ids, ids[0]]}, status=400, code="VALIDATION_ERROR")
    # A locked need cannot be removed; a new one must be confirmed before sharing.
    await stack.error("DELETE", pair.path(f"/needs/{ids[0]}"), "alice",
                      status=400, code="VALIDATION_ERROR")
    added = await stack.ok("POST", pair.path("/needs"), "alice", need("Quiet evenings"))
    error = await stack.error("POST", pair.path("/needs/consent"), "alice", {"needIds": ids},
                              status=400, code="VALIDATION_ERROR")
    assert "all of your current needs" in error["message"]
    await stack.ok("POST", pair.path("/needs/confirm"), "alice",
                   {"needIds": [added["need"]["id"]],
                    "adjustments": [{"needId": added["need"]["id"], "confirmed": True,
                                     "correction": "Quiet evenings at home"}]})
    listed = await stack.ok("GET", pair.path("/needs"), "alice")
    assert [n["need"] for n in listed["needs"]] == ["Safety", "Rest", "Quiet evenings at home"]
    assert all(n["confirmed"] for n in listed["needs"])
    data = await stack.ok("POST", pair.path("/needs/consent"), "alice",
                          {"needIds": [n["id"] for n in listed["needs"]]})
    assert data["waitingForPartner"] is True


async def test_limits_give_field_details(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    path = pair.path("/needs/capture")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"needs": []}, "needs"),
        ({"needs": [need(f"n{i}") for i in range(51)]}, "needs"),
        ({}, "needs"),
        ({"needs": [need("x" * 501)]}, "needs.0.need"),
        ({"needs": [need("")]}, "needs.0.need"),
        ({"needs": [need("ok", category="HUNGER")]}, "needs.0.category"),
        ({"needs": [need("ok", description="d" * 501)]}, "needs.0.description"),
        ({"needs": [need("ok", evidence=["e"] * 11)]}, "needs.0.evidence"),
        ({"needs": [need("ok", evidence=["e" * 1001])]}, "needs.0.evidence.0"),
        ({"needs": ["text"]}, "needs.0"),
    ]
    for body, field in cases:
        error = await stack.error("POST", path, "alice", body, status=400,
                                  code="VALIDATION_ERROR")
        assert field in error["details"], (body if len(dumps(body)) < 200 else field, error)
    error = await stack.error("POST", pair.path("/needs"), "alice", {"category": "SAFETY"},
                              status=400, code="VALIDATION_ERROR")
    assert "need" in error["details"]
    captured = await capture(stack, pair, "alice", "Safety")
    nid = captured[0]["id"]
    for body, field in [
        ({"needIds": []}, "needIds"),
        ({"needIds": [nid], "adjustments": [{"needId": nid, "confirmed": True,
                                             "correction": "c" * 501}]},
         "adjustments.0.correction"),
        ({"needIds": [nid], "adjustments": [{"needId": nid}]}, "adjustments.0.confirmed"),
        ({"needIds": [nid], "adjustments": [{"needId": "other", "confirmed": True}]},
         "adjustments.0.needId"),
        ({"needIds": ["not/an/id"]}, "needIds.0"),
    ]:
        error = await stack.error("POST", pair.path("/needs/confirm"), "alice", body,
                                  status=400, code="VALIDATION_ERROR")
        assert field in error["details"], (body, error)
    error = await stack.error("POST", pair.path("/needs/consent"), "alice", {},
                              status=400, code="VALIDATION_ERROR")
    assert "needIds" in error["details"]
    error = await stack.error("POST", pair.path("/needs/validate"), "alice",
                              {"validated": "yes"}, status=400, code="VALIDATION_ERROR")
    assert "validated" in error["details"]


async def test_stage_two_cannot_edit_needs_and_sees_none(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    error = await stack.error("POST", pair.path("/needs/capture"), "alice",
                              {"needs": [need("Safety")]}, status=400, code="VALIDATION_ERROR")
    assert error["message"] == ("Cannot capture needs: you are in stage 2, "
                                "but stage 3 is required")
    error = await stack.error("POST", pair.path("/needs/consent"), "alice", {"needIds": ["a"]},
                              status=400, code="VALIDATION_ERROR")
    assert "you are in stage 2, but stage 3 is required" in error["message"]
    assert (await stack.ok("GET", pair.path("/needs"), "alice"))["needs"] == []
    comparison = await stack.ok("GET", pair.path("/needs/comparison"), "alice")
    assert comparison["myNeeds"] == [] and comparison["partnerNeeds"] == []


async def test_access_matrix(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    [alice_need] = await capture(stack, pair, "alice", "Safety")
    nid = alice_need["id"]
    await stack.ok("GET", "/api/auth/me", "carol")
    routes: list[tuple[str, str, Any]] = [
        ("GET", "/needs", None),
        ("POST", "/needs/capture", {"needs": [need("Carol's need")]}),
        ("POST", "/needs", need("Carol's need")),
        ("DELETE", f"/needs/{nid}", None),
        ("POST", "/needs/confirm", {"needIds": [nid]}),
        ("POST", "/needs/consent", {"needIds": [nid]}),
        ("GET", "/needs/comparison", None),
        ("GET", "/needs/reveal", None),
        ("POST", "/needs/validate", {"validated": True}),
        ("POST", "/needs/interpret-edit-request", {"request": "Drop it", "targetNeedId": nid}),
        ("POST", "/needs/apply-edits", {"operations": [{"type": "delete", "needId": nid}]}),
    ]
    for method, rest, body in routes:
        await stack.error(method, pair.path(rest), "carol", body, status=403, code="FORBIDDEN")
        await stack.error(method, pair.path(rest), None, body, status=401,
                          code="UNAUTHORIZED")
    # The partner cannot touch alice's need: it is not in his vessel.
    await stack.error("DELETE", pair.path(f"/needs/{nid}"), "bob", status=404,
                      code="NOT_FOUND")
    error = await stack.error("POST", pair.path("/needs/apply-edits"), "bob",
                              {"operations": [{"type": "delete", "needId": nid}]},
                              status=400, code="VALIDATION_ERROR")
    assert "operations.0.needId" in error["details"] and "Safety" not in dumps(error)
    await stack.error("POST", pair.path("/needs/interpret-edit-request"), "bob",
                      {"request": "Drop it", "targetNeedId": nid}, status=400,
                      code="VALIDATION_ERROR")
    error = await stack.error("POST", pair.path("/needs/confirm"), "bob", {"needIds": [nid]},
                              status=400, code="VALIDATION_ERROR")
    assert "Safety" not in dumps(error)
    await stack.error("GET", "/api/sessions/nosuchsession/needs", "alice", status=404,
                      code="NOT_FOUND")
    await stack.error("DELETE", pair.path("/needs/nosuchneed"), "alice", status=404,
                      code="NOT_FOUND")
    assert (await stack.ok("GET", pair.path("/needs"), "alice"))["needs"][0]["id"] == nid


async def test_legacy_validate_after_sharing(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    await stack.error("POST", pair.path("/needs/validate"), "alice", {"validated": True},
                      status=400, code="GATE_NOT_SATISFIED")
    await capture(stack, pair, "alice", "Safety")
    ids = await confirm_all(stack, pair, "alice")
    await stack.ok("POST", pair.path("/needs/consent"), "alice", {"needIds": ids})
    first = await stack.ok("POST", pair.path("/needs/validate"), "alice", {"validated": True})
    assert first["validated"] is True and first["partnerValidated"] is False
    assert first["canAdvance"] is False and first["validatedAt"]
    await capture(stack, pair, "bob", "Rest")
    bob_ids = await confirm_all(stack, pair, "bob")
    await stack.ok("POST", pair.path("/needs/consent"), "bob", {"needIds": bob_ids})
    again = await stack.ok("POST", pair.path("/needs/validate"), "bob", {"validated": True})
    assert again == {**again, "validated": True, "partnerValidated": True, "canAdvance": True}
    rows = await progress(stack, pair.session_id)
    assert [r.stage for r in rows].count(4) == 2


async def test_grpc_rpcs(stack: Stack) -> None:
    pair: Pair = await both_at_stage(stack, 3)
    stub, md = stack.stub, stack.metadata("alice")
    sid = pair.session_id
    safety = needs_pb2.NeedCategory.NEED_CATEGORY_SAFETY
    captured = await stub.CaptureNeeds(needs_pb2.CaptureNeedsRequest(
        session_id=sid, needs=[needs_pb2.NeedInput(need="Safety", category=safety)]),
        metadata=md)
    assert captured.needs[0].status == needs_pb2.NeedStatus.NEED_STATUS_DRAFT
    added = await stub.AddNeed(needs_pb2.AddNeedRequest(
        session_id=sid, need=needs_pb2.NeedInput(need="Rest", category=safety)), metadata=md)
    deleted = await stub.DeleteNeed(needs_pb2.DeleteNeedRequest(
        session_id=sid, need_id=added.need.id), metadata=md)
    assert deleted.need_id == added.need.id
    listed = await stub.ListNeeds(needs_pb2.ListNeedsRequest(session_id=sid), metadata=md)
    ids = [n.id for n in listed.needs]
    assert len(ids) == 1
    confirmed = await stub.ConfirmNeeds(needs_pb2.ConfirmNeedsRequest(
        session_id=sid, need_ids=ids), metadata=md)
    assert confirmed.confirmed
    shared = await stub.ConsentToShareNeeds(needs_pb2.ConsentToShareNeedsRequest(
        session_id=sid, need_ids=ids), metadata=md)
    assert shared.waiting_for_partner
    validated = await stub.ValidateNeeds(needs_pb2.ValidateNeedsRequest(
        session_id=sid, validated=True), metadata=md)
    assert validated.validated
    comparison = await stub.GetNeedsComparison(needs_pb2.GetNeedsComparisonRequest(
        session_id=sid), metadata=stack.metadata("bob"))
    assert not comparison.partner_needs
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListNeeds(needs_pb2.ListNeedsRequest(session_id=sid),
                             metadata=stack.metadata("carol"))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CaptureNeeds(needs_pb2.CaptureNeedsRequest(
            session_id=sid, needs=[needs_pb2.NeedInput(need="Late", category=safety)]),
            metadata=md)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED  # shared: no more edits


async def test_edits_in_own_words(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    [rest] = await capture(stack, pair, "alice", "Rest")
    plan = await stack.ok("POST", pair.path("/needs/interpret-edit-request"), "alice",
                          {"request": "Please remove this one", "targetNeedId": rest["id"]})
    assert plan["operations"] == [{"type": "delete", "needId": rest["id"], "need": None,
                                   "category": None}]
    assert plan["usedFallback"] is False  # the offline mediator answered
    added = await stack.ok("POST", pair.path("/needs/interpret-edit-request"), "alice",
                           {"request": "Feeling safe when we argue"})
    assert added["operations"][0] == {"type": "add", "needId": None,
                                      "need": "Feeling safe when we argue", "category": "SAFETY"}
    applied = await stack.ok("POST", pair.path("/needs/apply-edits"), "alice",
                             {"operations": [*plan["operations"], added["operations"][0]]})
    assert applied["applied"] == 2
    assert [n["need"] for n in applied["needs"]] == ["Feeling safe when we argue"]
    for body, field in [
        ({"request": ""}, "request"),
        ({"request": "x" * 1001}, "request"),
        ({}, "request"),
    ]:
        error = await stack.error("POST", pair.path("/needs/interpret-edit-request"), "alice",
                                  body, status=400, code="VALIDATION_ERROR")
        assert field in error["details"]
    for body, field in [
        ({"operations": []}, "operations"),
        ({"operations": [{"type": "add", "need": "x", "category": "SAFETY"}] * 21}, "operations"),
        ({"operations": [{"type": "move"}]}, "operations.0.type"),
        ({"operations": [{"type": "add", "need": "x"}]}, "operations.0.category"),
        ({"operations": [{"type": "refine", "need": "x"}]}, "operations.0.needId"),
        ({"operations": [{"type": "add", "need": "x" * 501, "category": "SAFETY"}]},
         "operations.0.need"),
    ]:
        error = await stack.error("POST", pair.path("/needs/apply-edits"), "alice", body,
                                  status=400, code="VALIDATION_ERROR")
        assert field in error["details"], (field, error)
    stub, md = stack.stub, stack.metadata("alice")
    grpc_plan = await stub.InterpretNeedEdit(needs_pb2.InterpretNeedEditRequest(
        session_id=pair.session_id, request="Being thanked more"), metadata=md)
    assert grpc_plan.operations[0].type == needs_pb2.NeedEditType.NEED_EDIT_TYPE_ADD
    grpc_applied = await stub.ApplyNeedEdits(needs_pb2.ApplyNeedEditsRequest(
        session_id=pair.session_id, operations=list(grpc_plan.operations)), metadata=md)
    assert grpc_applied.applied_count == 1 and len(grpc_applied.needs) == 2


async def test_grpc_access_for_every_rpc(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    [mine] = await capture(stack, pair, "alice", "Safety")
    sid, nid = pair.session_id, mine["id"]
    safety = needs_pb2.NeedCategory.NEED_CATEGORY_SAFETY
    requests = {
        "ListNeeds": needs_pb2.ListNeedsRequest(session_id=sid),
        "CaptureNeeds": needs_pb2.CaptureNeedsRequest(
            session_id=sid, needs=[needs_pb2.NeedInput(need="x", category=safety)]),
        "AddNeed": needs_pb2.AddNeedRequest(
            session_id=sid, need=needs_pb2.NeedInput(need="x", category=safety)),
        "DeleteNeed": needs_pb2.DeleteNeedRequest(session_id=sid, need_id=nid),
        "ConfirmNeeds": needs_pb2.ConfirmNeedsRequest(session_id=sid, need_ids=[nid]),
        "ConsentToShareNeeds": needs_pb2.ConsentToShareNeedsRequest(session_id=sid,
                                                                    need_ids=[nid]),
        "GetNeedsComparison": needs_pb2.GetNeedsComparisonRequest(session_id=sid),
        "ValidateNeeds": needs_pb2.ValidateNeedsRequest(session_id=sid, validated=True),
        "InterpretNeedEdit": needs_pb2.InterpretNeedEditRequest(session_id=sid, request="x"),
        "ApplyNeedEdits": needs_pb2.ApplyNeedEditsRequest(session_id=sid, operations=[
            needs_pb2.NeedEditOperation(type=needs_pb2.NeedEditType.NEED_EDIT_TYPE_DELETE,
                                        need_id=nid)]),
    }
    await stack.ok("GET", "/api/auth/me", "carol")
    for rpc, request in requests.items():
        for user, code in (("carol", grpc.StatusCode.PERMISSION_DENIED),
                           (None, grpc.StatusCode.UNAUTHENTICATED)):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await getattr(stack.stub, rpc)(request, metadata=stack.metadata(user))
            assert caught.value.code() == code, (rpc, user)
    listed = await stack.stub.ListNeeds(requests["ListNeeds"], metadata=stack.metadata("alice"))
    assert [n.need for n in listed.needs] == ["Safety"]  # refused calls changed nothing
