"""The reconciler over the real stack (gRPC + gateway, SQLite and PostgreSQL) with the offline
mediator: feel-heard triggers the analysis, share offers, status views, access and privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from mwf.v1 import conversation_service_pb2 as c
from mwf.v1 import conversation_service_pb2_grpc
from mwf.v1 import reconciler_pb2 as r
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus

from .conftest import close_stack, open_stack
from .harness import Stack, both_at_stage1
from .journey import Pair
from .journey import outbox as outbox_events
from .rest_helpers import user_id

LONG = "You felt worn out and alone with the chores, and you wanted me to see how much you do."
SHORT = "You were annoyed."  # the offline mediator offers sharing for very short statements
OFFLINE_SUGGESTION = "how this felt for me from the inside"
ROUTES = (
    ("GET", "/reconciler/share-offer", None),
    ("POST", "/reconciler/share-offer/respond", {"action": "decline"}),
    ("POST", "/reconciler/share-offer/skip", None),
    ("GET", "/reconciler/status", None),
    ("GET", "/reconciler/summary", None),
    ("GET", "/empathy/share-suggestion", None),
    ("POST", "/empathy/share-suggestion/respond", {"action": "decline"}),
)


async def add_attempt(stack: Stack, session_id: str, user_id: str, content: str,
                      status: EmpathyStatus = EmpathyStatus.HELD) -> None:
    """An attempt as stage 2's consent stores it (HELD), or as a crashed run left it."""
    now = datetime.now(UTC)
    async with PiccoloUnitOfWorkFactory(stack.container.engine)() as uow:
        await uow.empathy_attempts.add(EmpathyAttempt(
            id=f"attempt-{user_id}"[:64], session_id=session_id, source_user_id=user_id,
            content=content, shared_at=now, status=status, created_at=now,
            updated_at=now))
        await uow.commit()


async def attempt_status(stack: Stack, session_id: str, user_id: str) -> EmpathyStatus:
    async with PiccoloUnitOfWorkFactory(stack.container.engine)() as uow:
        attempt = await uow.empathy_attempts.by_author(session_id, user_id)
        assert attempt is not None
        return attempt.status


async def analysed(stack: Stack, statement: str) -> Pair:
    """Bob shared `statement` while Alice was in stage 1; Alice then felt heard."""
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    await stack.ok("POST", f"/api/sessions/{sid}/feel-heard", "bob", {"confirmed": True})
    pair = Pair(sid, ids["invitation_id"], "alice", "bob", await user_id(stack, "alice"),
                await user_id(stack, "bob"))
    await add_attempt(stack, sid, pair.invitee_id, statement)
    heard = await stack.ok("POST", f"/api/sessions/{sid}/feel-heard", "alice",
                           {"confirmed": True})
    assert heard["reconcilerTriggered"] is True
    await stack.container.reconciler.drain()
    return pair


async def outbox(stack: Stack, session_id: str) -> list[dict[str, object]]:
    """The session's events as `{channel, name, payload}` dicts, oldest first."""
    del stack  # the outbox table is bound to the stack's engine
    return [{"channel": e.channel, "name": e.name, "payload": e.payload}
            for e in await outbox_events(session_id)]


async def test_feel_heard_runs_the_analysis_and_proceeds(stack: Stack) -> None:
    pair = await analysed(stack, LONG)
    assert await attempt_status(stack, pair.session_id, pair.invitee_id) is EmpathyStatus.READY
    lane = await stack.ok("GET", pair.path("/messages?order=asc&limit=100"), "bob")
    assert any("reflects a lot of what matters" in m["content"] for m in lane["messages"])
    status = await stack.ok("GET", pair.path("/reconciler/status"), "bob")
    assert status["hasRun"] is True
    assert status["aUnderstandingB"]["recommendedAction"] == "PROCEED"
    assert status["aUnderstandingB"]["attemptStatus"] == "READY"
    offer = await stack.ok("GET", pair.path("/reconciler/share-offer"), "alice")
    assert offer == {"hasSuggestion": False, "suggestion": None}


async def test_feel_heard_without_an_attempt_is_not_triggered(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    heard = await stack.ok("POST", f"/api/sessions/{ids['session_id']}/feel-heard", "alice",
                           {"confirmed": True})
    assert heard["reconcilerTriggered"] is False


async def test_share_offer_accept_reaches_the_guesser_only_then(stack: Stack) -> None:
    pair = await analysed(stack, SHORT)
    assert (await attempt_status(stack, pair.session_id, pair.invitee_id)
            is EmpathyStatus.AWAITING_SHARING)
    # Before the answer: Bob sees no offer and none of its words anywhere.
    assert await stack.ok("GET", pair.path("/reconciler/share-offer"), "bob") == {
        "hasSuggestion": False, "suggestion": None}
    bob_lane = await stack.ok("GET", pair.path("/messages?limit=100"), "bob")
    assert OFFLINE_SUGGESTION not in json.dumps(bob_lane)
    for row in await outbox(stack, pair.session_id):
        if row["channel"] != f"user:{pair.inviter_id}":
            assert OFFLINE_SUGGESTION not in json.dumps(row["payload"])
    awaiting = [row for row in await outbox(stack, pair.session_id)
                if row["name"] == "empathy.status_updated"]
    assert awaiting and awaiting[0]["channel"] == f"user:{pair.invitee_id}"

    offer = await stack.ok("GET", pair.path("/reconciler/share-offer"), "alice")
    suggestion = offer["suggestion"]
    assert offer["hasSuggestion"] is True and OFFLINE_SUGGESTION in suggestion["suggestedContent"]
    assert suggestion["guesserName"] == "Bob" and suggestion["action"] == "OFFER_SHARING"
    assert suggestion["canRefine"] is True and suggestion["offerId"]
    alias = await stack.ok("GET", pair.path("/empathy/share-suggestion"), "alice")
    assert alias["suggestion"]["suggestedContent"] == suggestion["suggestedContent"]

    answer = await stack.ok("POST", pair.path("/reconciler/share-offer/respond"), "alice",
                            {"action": "accept"})
    assert answer == {"status": "shared", "sharedContent": suggestion["suggestedContent"],
                      "guesserUpdated": True}
    again = await stack.ok("POST", pair.path("/reconciler/share-offer/respond"), "alice",
                           {"action": "accept"})
    assert again["guesserUpdated"] is False
    assert (await attempt_status(stack, pair.session_id, pair.invitee_id)
            is EmpathyStatus.REFINING)
    bob_lane = await stack.ok("GET", pair.path("/messages?order=asc&limit=100"), "bob")
    shared = [m for m in bob_lane["messages"] if m["role"] == "SHARED_CONTEXT"]
    assert [m["content"] for m in shared] == [suggestion["suggestedContent"]]
    context_shared = [row for row in await outbox(stack, pair.session_id)
                      if row["name"] == "empathy.context_shared"]
    assert [row["channel"] for row in context_shared] == [f"user:{pair.invitee_id}"]


async def test_refine_shares_the_subjects_words(stack: Stack) -> None:
    pair = await analysed(stack, SHORT)
    answer = await stack.ok("POST", pair.path("/empathy/share-suggestion/respond"), "alice",
                            {"action": "refine", "refinedContent": "My own words."})
    assert answer == {"success": True, "status": "shared", "sharedContent": "My own words."}


async def test_decline_and_skip(stack: Stack) -> None:
    pair = await analysed(stack, SHORT)
    skipped = await stack.ok("POST", pair.path("/reconciler/share-offer/skip"), "alice")
    assert skipped["status"] == "SKIPPED" and skipped["message"]
    assert await attempt_status(stack, pair.session_id, pair.invitee_id) is EmpathyStatus.READY
    again = await stack.ok("POST", pair.path("/reconciler/share-offer/respond"), "alice",
                           {"action": "decline"})
    assert again == {"status": "skipped", "sharedContent": None, "guesserUpdated": False}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "action"),
    ({"action": "shout"}, "action"),
    ({"action": "refine"}, "refinedContent"),
    ({"action": "refine", "refinedContent": "x" * 2001}, "refinedContent"),
    ({"action": "accept", "refinedContent": 5}, "refinedContent"),
])
async def test_respond_validation(stack: Stack, body: dict[str, object], field: str) -> None:
    pair = await analysed(stack, SHORT)
    error = await stack.error("POST", pair.path("/reconciler/share-offer/respond"), "alice",
                              body, status=400, code="VALIDATION_ERROR")
    assert field in error["details"]


async def test_summary(stack: Stack) -> None:
    pair = await analysed(stack, SHORT)
    bob = await stack.ok("GET", pair.path("/reconciler/summary"), "bob")
    assert bob["readyForNextStage"] is False and "considering" in bob["summary"]
    alice = await stack.ok("GET", pair.path("/reconciler/summary"), "alice")
    assert "suggestion" in alice["summary"]
    status = await stack.ok("GET", pair.path("/reconciler/status"), "alice")
    assert status["pendingShareOffers"] == 1
    assert status["bUnderstandingA"]["gapSeverity"] is None


@pytest.mark.parametrize(("method", "rest", "body"), ROUTES)
async def test_access_matrix(stack: Stack, method: str, rest: str,
                             body: dict[str, object] | None) -> None:
    pair = await analysed(stack, SHORT)
    path = pair.path(rest)
    await stack.error(method, path, "carol", body, status=403, code="FORBIDDEN")
    await stack.error(method, path, None, body, status=401, code="UNAUTHORIZED")
    await stack.error(method, "/api/sessions/nope" + rest, "alice", body, status=404,
                      code="NOT_FOUND")
    # The partner (the guesser) has no offer to answer; reading views is fine.
    if method == "POST":
        await stack.error(method, path, "bob", body, status=404, code="NOT_FOUND")
    else:
        await stack.ok(method, path, "bob")
    await stack.ok(method, path, "alice", body)  # the owner, the subject


async def test_grpc(stack: Stack) -> None:
    pair = await analysed(stack, SHORT)
    sid, alice, bob = pair.session_id, stack.metadata("alice"), stack.metadata("bob")
    got = await stack.stub.GetShareOffer(r.GetShareOfferRequest(session_id=sid), metadata=alice)
    assert got.has_suggestion and got.suggestion.action == r.RECONCILER_ACTION_OFFER_SHARING
    none = await stack.stub.GetShareOffer(r.GetShareOfferRequest(session_id=sid), metadata=bob)
    assert not none.has_suggestion
    status = await stack.stub.GetReconcilerStatus(r.GetReconcilerStatusRequest(session_id=sid),
                                                  metadata=bob)
    assert status.has_run and status.a_understanding_b.gap_severity == "moderate"
    assert not status.b_understanding_a.HasField("gap_severity")
    summary = await stack.stub.GetReconcilerSummary(
        r.GetReconcilerSummaryRequest(session_id=sid), metadata=bob)
    assert summary.summary and not summary.ready_for_next_stage
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stack.stub.RespondToShareOffer(r.RespondToShareOfferRequest(session_id=sid),
                                             metadata=alice)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as stranger:
        await stack.stub.GetShareOffer(r.GetShareOfferRequest(session_id=sid),
                                       metadata=stack.metadata("carol"))
    assert stranger.value.code() is grpc.StatusCode.PERMISSION_DENIED
    answer = await stack.stub.RespondToShareOffer(
        r.RespondToShareOfferRequest(session_id=sid, action=r.SHARE_OFFER_ACTION_REFINE,
                                     refined_content="In my words."), metadata=alice)
    assert answer.status == "shared" and answer.shared_content == "In my words."
    skipped = await stack.stub.SkipShareOffer(r.SkipShareOfferRequest(session_id=sid),
                                              metadata=alice)
    assert skipped.status == "SHARED"  # a repeat reports the earlier answer


async def test_grpc_feel_heard_reports_the_trigger(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    await stack.ok("POST", f"/api/sessions/{sid}/feel-heard", "bob", {"confirmed": True})
    await add_attempt(stack, sid, await user_id(stack, "bob"), LONG)
    conversation = conversation_service_pb2_grpc.ConversationServiceStub(stack.channel)
    heard = await conversation.ConfirmFeelHeard(
        c.ConfirmFeelHeardRequest(session_id=sid, confirmed=True),
        metadata=stack.metadata("alice"))
    assert heard.reconciler_triggered is True
    await stack.container.reconciler.drain()
    assert (await attempt_status(stack, sid, await user_id(stack, "bob"))
            is EmpathyStatus.READY)


async def test_a_paused_session_takes_no_answer_to_the_offer(stack: Stack) -> None:
    pair = await analysed(stack, SHORT)
    await stack.ok("POST", pair.path("/pause"), "alice", {"reason": "tea"})
    await stack.error("POST", pair.path("/reconciler/share-offer/respond"), "alice",
                      {"action": "accept"}, status=400, code="SESSION_NOT_ACTIVE")
    await stack.error("POST", pair.path("/empathy/share-suggestion/respond"), "alice",
                      {"action": "decline"}, status=400, code="SESSION_NOT_ACTIVE")
    await stack.error("POST", pair.path("/reconciler/share-offer/skip"), "alice",
                      status=400, code="SESSION_NOT_ACTIVE")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stack.stub.SkipShareOffer(r.SkipShareOfferRequest(session_id=pair.session_id),
                                        metadata=stack.metadata("alice"))
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert (await attempt_status(stack, pair.session_id, pair.invitee_id)
            is EmpathyStatus.AWAITING_SHARING)


async def both_heard_then_stuck(stack: Stack) -> Pair:
    """Both felt heard; Bob's attempt was left ANALYZING by a run that died (no task)."""
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    for user in ("alice", "bob"):
        await stack.ok("POST", f"/api/sessions/{sid}/feel-heard", user, {"confirmed": True})
    pair = Pair(sid, ids["invitation_id"], "alice", "bob", await user_id(stack, "alice"),
                await user_id(stack, "bob"))
    await add_attempt(stack, sid, pair.invitee_id, LONG, EmpathyStatus.ANALYZING)
    return pair


async def test_recover_all_finishes_an_analysis_a_crash_left_behind(stack: Stack) -> None:
    pair = await both_heard_then_stuck(stack)
    assert await stack.container.reconciler.recover_all() == 1
    await stack.container.reconciler.drain()
    assert await attempt_status(stack, pair.session_id, pair.invitee_id) is EmpathyStatus.READY
    status = await stack.ok("GET", pair.path("/reconciler/status"), "bob")
    assert status["hasRun"] is True
    assert await stack.container.reconciler.recover_all() == 0


async def test_empathy_status_resumes_a_stuck_analysis(stack: Stack) -> None:
    pair = await both_heard_then_stuck(stack)
    view = await stack.ok("GET", pair.path("/empathy/status"), "alice")
    assert view["partnerEmpathyHeldStatus"] == "ANALYZING"
    await stack.container.reconciler.drain()
    assert await attempt_status(stack, pair.session_id, pair.invitee_id) is EmpathyStatus.READY


async def test_skip_after_shared_context_keeps_the_statement_hidden(stack: Stack) -> None:
    """Privacy: Bob refines after Alice shared context and skips; his statement was never
    revealed, so it becomes READY (waits for Alice's) instead of readable by Alice alone."""
    pair = await analysed(stack, SHORT)
    await stack.ok("POST", pair.path("/reconciler/share-offer/respond"), "alice",
                   {"action": "accept"})
    assert (await attempt_status(stack, pair.session_id, pair.invitee_id)
            is EmpathyStatus.REFINING)
    await stack.ok("POST", pair.path("/empathy/skip-refinement"), "bob",
                   {"willingToAccept": True})
    assert await attempt_status(stack, pair.session_id, pair.invitee_id) is EmpathyStatus.READY
    partner = await stack.ok("GET", pair.path("/empathy/partner"), "alice")
    assert partner["attempt"] is None
    for path in ("/empathy/partner", "/empathy/status", "/state", "/messages?limit=100"):
        assert SHORT not in json.dumps(await stack.ok("GET", pair.path(path), "alice")), path
    for row in await outbox(stack, pair.session_id):
        if row["channel"] != f"user:{pair.invitee_id}":
            assert SHORT not in json.dumps(row["payload"]), row["name"]


async def test_startup_recovers_analyses_a_restart_interrupted(
        db_url: str, tmp_path: Path) -> None:
    """A server that died mid-analysis: the next start (bootstrap) analyses it again."""
    first = await open_stack(db_url, tmp_path)
    try:
        pair = await both_heard_then_stuck(first)
    finally:
        await close_stack(first)
    second = await open_stack(db_url, tmp_path)
    try:
        await second.container.reconciler.drain()
        assert (await attempt_status(second, pair.session_id, pair.invitee_id)
                is EmpathyStatus.READY)
    finally:
        await close_stack(second)
