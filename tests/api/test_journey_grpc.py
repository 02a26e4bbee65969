"""The around-the-stages RPCs over gRPC directly: every RPC works for members and is refused
to a stranger and to an anonymous caller; validation details use the proto field names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from mwf.v1 import journey_pb2 as pb
from mwf.v1 import types_pb2 as t
from mwf_core.domain.enums import ConsentContentType
from mwf_core.domain.records import ConsentRecord

from .grpc_helpers import FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, fails
from .harness import Stack
from .journey import both_at_stage, both_at_stage2, deps_of, jump_to_stage

INVALID_STAGE = (grpc.StatusCode.FAILED_PRECONDITION, "INVALID_STAGE")


async def seed_consent(stack: Stack, rid: str, user_id: str, session_id: str) -> None:
    deps = deps_of(stack)
    async with deps.uow() as uow:
        await uow.consents.add(ConsentRecord(rid, user_id, session_id,
                                             ConsentContentType.EMOTIONAL_PATTERN, None,
                                             datetime.now(UTC),
                                             metadata={"content": "calmer in the mornings"}))
        await uow.commit()


def calls(stack: Stack, sid: str) -> dict[str, Callable[[Any], Awaitable[Any]]]:
    s = stack.stub
    return {
        "ListPendingConsents": lambda md: s.ListPendingConsents(
            pb.ListPendingConsentsRequest(session_id=sid), metadata=md),
        "ListConsentHistory": lambda md: s.ListConsentHistory(
            pb.ListConsentHistoryRequest(session_id=sid), metadata=md),
        "CompleteExercise": lambda md: s.CompleteExercise(
            pb.CompleteExerciseRequest(session_id=sid, type="BODY_SCAN"), metadata=md),
        "GetPendingActions": lambda md: s.GetPendingActions(
            pb.GetPendingActionsRequest(session_id=sid), metadata=md),
        "ListTimeline": lambda md: s.ListTimeline(
            pb.ListTimelineRequest(session_id=sid), metadata=md),
        "MarkSessionViewed": lambda md: s.MarkSessionViewed(
            pb.MarkSessionViewedRequest(session_id=sid), metadata=md),
        "MarkShareTabViewed": lambda md: s.MarkShareTabViewed(
            pb.MarkShareTabViewedRequest(session_id=sid), metadata=md),
        "AdvanceStage": lambda md: s.AdvanceStage(
            pb.AdvanceStageRequest(session_id=sid), metadata=md),
        "DecideConsent": lambda md: s.DecideConsent(
            pb.DecideConsentRequest(session_id=sid, consent_request_id="x",
                                    decision="DENIED"), metadata=md),
        "RevokeConsent": lambda md: s.RevokeConsent(
            pb.RevokeConsentRequest(session_id=sid, consent_record_id="x"), metadata=md),
    }


async def test_access_matrix_over_grpc(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    for name, call in calls(stack, pair.session_id).items():
        for member in ("alice", "bob"):
            if name in ("DecideConsent", "RevokeConsent"):
                await fails(call(stack.metadata(member)), *NOT_FOUND)
            else:
                await call(stack.metadata(member))
        await fails(call(stack.metadata("carol")), *FORBIDDEN)
        await fails(call(()), *UNAUTHENTICATED)
    await fails(stack.stub.GetBadgeCount(pb.GetBadgeCountRequest()), *UNAUTHENTICATED)


async def test_every_rpc_answers(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    sid, md = pair.session_id, stack.metadata("alice")
    s = stack.stub
    await seed_consent(stack, "g-cons", pair.inviter_id, sid)
    pending = await s.ListPendingConsents(pb.ListPendingConsentsRequest(session_id=sid),
                                          metadata=md)
    assert [r.id for r in pending.pending_requests] == ["g-cons"]
    await fails(s.DecideConsent(pb.DecideConsentRequest(
        session_id=sid, consent_request_id="g-cons", decision="MAYBE"), metadata=md),
        *INVALID, fields={"decision"})
    await fails(s.DecideConsent(pb.DecideConsentRequest(
        session_id=sid, consent_request_id="g-cons", decision="GRANTED", edited_content=" "),
        metadata=md), *INVALID, fields={"edited_content"})
    await fails(s.RevokeConsent(pb.RevokeConsentRequest(
        session_id=sid, consent_record_id="g-cons"), metadata=md), *INVALID)
    decided = await s.DecideConsent(pb.DecideConsentRequest(
        session_id=sid, consent_request_id="g-cons", decision="GRANTED",
        edited_content="mornings are easier"), metadata=md)
    assert decided.recorded and decided.consent_record.decision == "GRANTED"
    assert decided.shared_content.content == "mornings are easier"
    revoked = await s.RevokeConsent(pb.RevokeConsentRequest(
        session_id=sid, consent_record_id="g-cons"), metadata=md)
    assert revoked.revoked and revoked.HasField("revoke_time")
    history = await s.ListConsentHistory(pb.ListConsentHistoryRequest(session_id=sid),
                                         metadata=md)
    assert [r.decision for r in history.records] == ["REVOKED"]

    done = await s.CompleteExercise(pb.CompleteExerciseRequest(
        session_id=sid, type="GROUNDING", intensity_before=6, intensity_after=6), metadata=md)
    assert done.logged and done.completion.intensity_delta == 0
    assert done.completion.HasField("intensity_delta")
    failure = await fails(s.CompleteExercise(pb.CompleteExerciseRequest(
        session_id=sid, type="GROUNDING", intensity_before=0), metadata=md), *INVALID)
    assert set(failure.violations) == {"intensity_before"}
    await fails(s.CompleteExercise(pb.CompleteExerciseRequest(session_id=sid, type="RUN"),
                                   metadata=md), *INVALID, fields={"type"})

    actions = await s.GetPendingActions(pb.GetPendingActionsRequest(session_id=sid),
                                        metadata=md)
    assert list(actions.actions) == [] and actions.sent_tab_updates == 0
    badge = await s.GetBadgeCount(pb.GetBadgeCountRequest(), metadata=md)
    assert badge.count == sum(badge.by_session.values())

    page = await s.ListTimeline(pb.ListTimelineRequest(session_id=sid, page_size=100),
                                metadata=md)
    assert page.items and not page.has_more
    assert page.items[0].type == "indicator" and page.items[0].indicator_type == "session-start"
    before = Timestamp()
    before.FromDatetime(datetime(2000, 1, 1, tzinfo=UTC))
    old = await s.ListTimeline(pb.ListTimelineRequest(session_id=sid, before=before),
                               metadata=md)
    assert list(old.items) == [] and not old.has_more
    await fails(s.ListTimeline(pb.ListTimelineRequest(session_id=sid, page_size=101),
                               metadata=md), *INVALID, fields={"page_size"})

    viewed = await s.MarkSessionViewed(pb.MarkSessionViewedRequest(
        session_id=sid, last_seen_chat_item_id=page.items[-1].id), metadata=md)
    assert viewed.success and viewed.last_seen_chat_item_id == page.items[-1].id
    await fails(s.MarkSessionViewed(pb.MarkSessionViewedRequest(
        session_id=sid, last_seen_chat_item_id="x" * 65), metadata=md), *INVALID,
        fields={"last_seen_chat_item_id"})
    tab = await s.MarkShareTabViewed(pb.MarkShareTabViewedRequest(session_id=sid), metadata=md)
    assert tab.success and tab.HasField("last_share_tab_view_time")

    blocked = await s.AdvanceStage(pb.AdvanceStageRequest(session_id=sid), metadata=md)
    assert (blocked.advanced, blocked.new_stage, blocked.blocked_reason) == (
        False, t.STAGE_PERSPECTIVE_STRETCH, "GATES_NOT_SATISFIED")
    assert list(blocked.unsatisfied_gates) == ["empathyValidated"]
    assert not blocked.HasField("advance_time")


async def test_advance_over_grpc_and_the_last_stage(stack: Stack) -> None:
    pair = await both_at_stage(stack, 2)
    md = stack.metadata("bob")
    await jump_to_stage(stack, pair, 3, gates={"empathyValidated": True},
                        users=(pair.inviter_id,))
    # Bob has not validated: his own gate is missing even though Alice has moved on.
    blocked = await stack.stub.AdvanceStage(pb.AdvanceStageRequest(session_id=pair.session_id),
                                            metadata=md)
    assert blocked.blocked_reason == "GATES_NOT_SATISFIED"
    await jump_to_stage(stack, pair, 4, gates={"rankingSubmitted": True,
                                               "agreementCreated": True})
    deps = deps_of(stack)
    async with deps.uow() as uow:
        for row in await uow.progress.for_session(pair.session_id):
            if row.stage == 4:
                row.gates_satisfied = {"rankingSubmitted": True, "agreementCreated": True}
                await uow.progress.update(row)
        await uow.commit()
    await fails(stack.stub.AdvanceStage(pb.AdvanceStageRequest(session_id=pair.session_id),
                                        metadata=md), *INVALID_STAGE)
