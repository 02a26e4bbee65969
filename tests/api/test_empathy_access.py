"""Who may call the empathy routes and RPCs: owner, partner, stranger, anonymous, missing id;
and each RPC over gRPC directly."""

from __future__ import annotations

from typing import Any

import pytest

from mwf.v1 import empathy_pb2 as e

from .empathy_helpers import reveal_both, share
from .grpc_helpers import CONFLICT, FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, fails
from .harness import Stack
from .journey import both_at_stage2

MISSING = "no-such-session-0"

# (method, path, a body valid in shape) for every route.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/empathy/draft", {"content": "I imagine you felt hurt."}),
    ("GET", "/empathy/draft", None),
    ("POST", "/empathy/consent", {"consent": True}),
    ("GET", "/empathy/partner", None),
    ("GET", "/empathy/status", None),
    ("POST", "/empathy/validate", {"validated": True}),
    ("POST", "/empathy/resubmit", {"content": "A new attempt."}),
    ("POST", "/empathy/skip-refinement", {"willingToAccept": True}),
    ("POST", "/empathy/validation-feedback/draft", {"content": "Not quite.",
                                                    "readyToShare": False}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_strangers_anonymous_and_missing_sessions(
    stack: Stack, method: str, path: str, body: dict[str, Any] | None
) -> None:
    pair = await both_at_stage2(stack)
    await stack.error(method, pair.path(path), "carol", body, status=403, code="FORBIDDEN")
    await stack.error(method, pair.path(path), None, body, status=401, code="UNAUTHORIZED")
    await stack.error(method, f"/api/sessions/{MISSING}{path}", "alice", body,
                      status=404, code="NOT_FOUND")
    # Also under /api/v1.
    await stack.error(method, f"/api/v1/sessions/{pair.session_id}{path}", "carol", body,
                      status=403, code="FORBIDDEN")


async def test_owner_and_partner_each_use_their_own_side(stack: Stack) -> None:
    """Every route answers both members, each about their own statement."""
    pair = await both_at_stage2(stack)
    for user in ("alice", "bob"):
        await stack.ok("POST", pair.path("/empathy/draft"), user,
                       {"content": f"{user} imagines", "readyToShare": True})
        assert (await stack.ok("GET", pair.path("/empathy/draft"), user))["draft"][
            "content"] == f"{user} imagines"
        assert (await stack.ok("POST", pair.path("/empathy/consent"), user,
                               {"consent": True}))["consented"] is True
    await reveal_both(stack, pair)
    for user, other in (("alice", "bob"), ("bob", "alice")):
        partner = await stack.ok("GET", pair.path("/empathy/partner"), user)
        assert partner["attempt"]["content"] == f"{other} imagines"
        status = await stack.ok("GET", pair.path("/empathy/status"), user)
        assert status["myAttempt"]["content"] == f"{user} imagines"
    draft = await stack.ok("POST", pair.path("/empathy/validation-feedback/draft"), "bob",
                           {"content": "Not quite.", "readyToShare": True})
    assert draft["success"] is True and draft["draftId"] and draft["savedAt"]
    await stack.ok("POST", pair.path("/empathy/validate"), "bob",
                   {"validated": False, "feedback": "Not quite."})
    await stack.ok("POST", pair.path("/empathy/resubmit"), "alice", {"content": "Better."})
    await stack.ok("POST", pair.path("/empathy/skip-refinement"), "bob",
                   {"willingToAccept": True})


async def test_rpcs_directly(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    sid, stub = pair.session_id, stack.stub
    a, b = stack.metadata("alice"), stack.metadata("bob")
    saved = await stub.SaveEmpathyDraft(
        e.SaveEmpathyDraftRequest(session_id=sid, content="Alice imagines",
                                  ready_to_share=True), metadata=a)
    assert saved.ready_to_share and saved.draft_id and saved.HasField("save_time")
    draft = await stub.GetEmpathyDraft(e.GetEmpathyDraftRequest(session_id=sid), metadata=a)
    assert draft.draft.version == 1 and draft.can_consent and not draft.already_consented
    declined = await stub.ConsentToShareEmpathy(
        e.ConsentToShareEmpathyRequest(session_id=sid, consent=False), metadata=a)
    assert not declined.consented and declined.status == e.EMPATHY_STATUS_UNSPECIFIED
    assert not declined.HasField("empathy_message")
    consented = await stub.ConsentToShareEmpathy(
        e.ConsentToShareEmpathyRequest(session_id=sid, consent=True), metadata=a)
    assert consented.consented and consented.empathy_message.role == "EMPATHY_STATEMENT"
    partner = await stub.GetPartnerEmpathy(e.GetPartnerEmpathyRequest(session_id=sid),
                                           metadata=b)
    assert not partner.HasField("attempt") and not partner.waiting_for_partner
    await share(stack, pair, "bob", "Bob imagines")
    await reveal_both(stack, pair)
    status = await stub.GetEmpathyStatus(e.GetEmpathyStatusRequest(session_id=sid), metadata=b)
    assert status.status.partner_attempt.content == "Alice imagines"
    assert status.status.partner_attempt.status == e.EMPATHY_STATUS_REVEALED
    assert status.status.partner_attempt.delivery_status == e.EMPATHY_DELIVERY_STATUS_DELIVERED
    await fails(stub.ValidateEmpathy(e.ValidateEmpathyRequest(session_id=sid, validated=False),
                                     metadata=b), *INVALID, fields={"feedback"})
    answer = await stub.ValidateEmpathy(
        e.ValidateEmpathyRequest(session_id=sid, validated=False, feedback="Not quite."),
        metadata=b)
    assert answer.feedback_shared and answer.awaiting_revision
    await fails(stub.ValidateEmpathy(e.ValidateEmpathyRequest(session_id=sid, validated=True),
                                     metadata=b), *CONFLICT)
    await fails(stub.ResubmitEmpathy(e.ResubmitEmpathyRequest(session_id=sid,
                                                              content="Alice imagines"),
                                     metadata=a), *INVALID, fields={"content"})
    revised = await stub.ResubmitEmpathy(
        e.ResubmitEmpathyRequest(session_id=sid, content="Alice understands better"),
        metadata=a)
    assert revised.status == e.EMPATHY_STATUS_ANALYZING
    assert revised.empathy_message.content == "Alice understands better"
    await stack.container.reconciler.drain()
    draft = await stub.SaveValidationFeedbackDraft(
        e.SaveValidationFeedbackDraftRequest(session_id=sid, content="Mostly.",
                                             ready_to_share=False), metadata=a)
    assert draft.success and draft.draft_id and draft.HasField("save_time")
    skipped = await stub.SkipEmpathyRefinement(
        e.SkipEmpathyRefinementRequest(session_id=sid, willing_to_accept=True), metadata=b)
    assert skipped.success


async def test_rpc_access(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    stub, sid = stack.stub, pair.session_id
    calls = [
        (stub.SaveEmpathyDraft, lambda s: e.SaveEmpathyDraftRequest(session_id=s, content="x")),
        (stub.GetEmpathyDraft, lambda s: e.GetEmpathyDraftRequest(session_id=s)),
        (stub.ConsentToShareEmpathy,
         lambda s: e.ConsentToShareEmpathyRequest(session_id=s, consent=True)),
        (stub.GetPartnerEmpathy, lambda s: e.GetPartnerEmpathyRequest(session_id=s)),
        (stub.GetEmpathyStatus, lambda s: e.GetEmpathyStatusRequest(session_id=s)),
        (stub.ValidateEmpathy, lambda s: e.ValidateEmpathyRequest(session_id=s, validated=True)),
        (stub.ResubmitEmpathy, lambda s: e.ResubmitEmpathyRequest(session_id=s, content="x")),
        (stub.SkipEmpathyRefinement,
         lambda s: e.SkipEmpathyRefinementRequest(session_id=s, willing_to_accept=True)),
        (stub.SaveValidationFeedbackDraft,
         lambda s: e.SaveValidationFeedbackDraftRequest(session_id=s, content="x")),
    ]
    for method, build in calls:
        await fails(method(build(sid), metadata=stack.metadata("carol")), *FORBIDDEN)
        await fails(method(build(sid)), *UNAUTHENTICATED)
        await fails(method(build(MISSING), metadata=stack.metadata("alice")), *NOT_FOUND)


async def test_draft_limits_over_grpc(sqlite_stack: Stack) -> None:
    pair = await both_at_stage2(sqlite_stack)
    for content in ("x" * 2001, "", "   "):
        await fails(sqlite_stack.stub.SaveEmpathyDraft(
            e.SaveEmpathyDraftRequest(session_id=pair.session_id, content=content),
            metadata=sqlite_stack.metadata("alice")), *INVALID, fields={"content"})
    await fails(sqlite_stack.stub.SkipEmpathyRefinement(
        e.SkipEmpathyRefinementRequest(session_id=pair.session_id, willing_to_accept=True,
                                       reason="x" * 501),
        metadata=sqlite_stack.metadata("alice")), *INVALID, fields={"reason"})
