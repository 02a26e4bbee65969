"""The legacy Stage 4 RPCs over gRPC (both databases): each RPC, its errors and the access
rules."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from mwf.v1 import strategies_pb2 as pb

from .grpc_helpers import FORBIDDEN, INVALID, NOT_ACTIVE, NOT_FOUND, UNAUTHENTICATED, fails
from .harness import Stack
from .journey import both_at_stage

PARTNER_NOT_READY = (grpc.StatusCode.FAILED_PRECONDITION, "PARTNER_NOT_READY")
CONFLICT = (grpc.StatusCode.ALREADY_EXISTS, "CONFLICT")


async def test_every_rpc_in_a_legacy_run(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    sid = pair.session_id
    stub, alice, bob = stack.stub, stack.metadata("alice"), stack.metadata("bob")
    made = await stub.ProposeStrategy(pb.ProposeStrategyRequest(
        session_id=sid, description="Walk together every Sunday", needs_addressed=["n1"],
        duration="a month"), metadata=alice)
    assert made.strategy.duration == "a month" and made.HasField("create_time")
    other = await stub.ProposeStrategy(pb.ProposeStrategyRequest(
        session_id=sid, description="Cook dinner together on Fridays",
        needs_addressed=["n2"]), metadata=bob)
    board = await stub.ListStrategies(pb.ListStrategiesRequest(session_id=sid), metadata=bob)
    assert board.phase == pb.STRATEGY_PHASE_COLLECTING and board.rankable_strategy_count == 2
    assert board.can_mark_ready_to_rank and not board.can_rank
    await fails(stub.SubmitRanking(pb.SubmitRankingRequest(
        session_id=sid, ranked_ids=[made.strategy.id]), metadata=alice), *PARTNER_NOT_READY)
    ready = await stub.MarkReadyToRank(pb.MarkReadyToRankRequest(session_id=sid),
                                       metadata=alice)
    assert ready.ready and not ready.can_start_ranking and ready.HasField("ready_time")
    ready = await stub.MarkReadyToRank(pb.MarkReadyToRankRequest(session_id=sid), metadata=bob)
    assert ready.partner_ready and ready.can_start_ranking
    ranked = await stub.SubmitRanking(pb.SubmitRankingRequest(
        session_id=sid, ranked_ids=[made.strategy.id, other.strategy.id]), metadata=alice)
    assert ranked.submitted and not ranked.partner_submitted and not ranked.can_reveal
    hidden = await stub.GetStrategyOverlap(pb.GetStrategyOverlapRequest(session_id=sid),
                                           metadata=bob)
    assert not hidden.revealed and not hidden.overlap and not hidden.agreement_candidates
    await fails(stub.SubmitRanking(pb.SubmitRankingRequest(
        session_id=sid, ranked_ids=["x", "x"]), metadata=bob), *INVALID, {"ranked_ids"})
    ranked = await stub.SubmitRanking(pb.SubmitRankingRequest(
        session_id=sid, ranked_ids=[other.strategy.id, made.strategy.id]), metadata=bob)
    assert ranked.partner_submitted and ranked.can_reveal
    shown = await stub.GetStrategyOverlap(pb.GetStrategyOverlapRequest(session_id=sid),
                                          metadata=alice)
    assert shown.revealed and len(shown.overlap) == 2

    follow = Timestamp()
    follow.FromJsonString("2030-02-01T09:00:00Z")
    created = await stub.ProposeAgreement(pb.ProposeAgreementRequest(
        session_id=sid, strategy_id=made.strategy.id, description="Walk on Sundays",
        type=pb.SESSION_AGREEMENT_TYPE_MICRO_EXPERIMENT, follow_up_time=follow),
        metadata=alice)
    assert created.awaiting_partner_confirmation
    assert created.agreement.agreed_by_me and not created.agreement.agreed_by_partner
    assert created.agreement.status == pb.SESSION_AGREEMENT_STATUS_PROPOSED
    await fails(stub.ProposeAgreement(pb.ProposeAgreementRequest(
        session_id=sid, strategy_id=made.strategy.id, description="Again",
        type=pb.SESSION_AGREEMENT_TYPE_HYBRID), metadata=bob), *CONFLICT)
    await fails(stub.ProposeAgreement(pb.ProposeAgreementRequest(
        session_id=sid, description="No type"), metadata=bob), *INVALID, {"type"})
    listed = await stub.ListAgreements(pb.ListAgreementsRequest(session_id=sid), metadata=bob)
    assert [(a.agreed_by_me, a.agreed_by_partner) for a in listed.agreements] == [(False, True)]
    await fails(stub.ResolveSession(pb.ResolveSessionRequest(session_id=sid), metadata=bob),
                *INVALID)
    confirmed = await stub.ConfirmAgreement(pb.ConfirmAgreementRequest(
        session_id=sid, agreement_id=created.agreement.id, confirmed=True), metadata=bob)
    assert confirmed.session_can_resolve and confirmed.session_resolved
    assert confirmed.agreement.status == pb.SESSION_AGREEMENT_STATUS_AGREED
    resolved = await stub.ResolveSession(pb.ResolveSessionRequest(session_id=sid),
                                         metadata=alice)
    assert resolved.resolved and resolved.follow_up_scheduled
    assert resolved.HasField("resolve_time") and len(resolved.agreements) == 1
    await fails(stub.ProposeStrategy(pb.ProposeStrategyRequest(
        session_id=sid, description="Too late for this one", needs_addressed=["n1"]),
        metadata=alice), *NOT_ACTIVE)


async def test_strategy_limits_over_grpc(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    sid, alice = pair.session_id, stack.metadata("alice")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"description": "short", "needs_addressed": ["n"]}, "description"),
        ({"description": "x" * 1001, "needs_addressed": ["n"]}, "description"),
        ({"description": "Long enough text"}, "needs_addressed"),
        ({"description": "Long enough text", "needs_addressed": ["n"], "duration": "d" * 101},
         "duration"),
        ({"description": "Long enough text", "needs_addressed": ["n"],
          "measure_of_success": "m" * 501}, "measure_of_success"),
    ]
    for fields, name in cases:
        await fails(stack.stub.ProposeStrategy(pb.ProposeStrategyRequest(session_id=sid,
                                                                          **fields),
                                               metadata=alice), *INVALID, {name})


async def test_access_rules_over_grpc(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    sid, stub = pair.session_id, stack.stub
    calls: list[tuple[Any, Any]] = [
        (stub.ListStrategies, pb.ListStrategiesRequest(session_id=sid)),
        (stub.ProposeStrategy, pb.ProposeStrategyRequest(
            session_id=sid, description="Walk together every Sunday", needs_addressed=["n"])),
        (stub.MarkReadyToRank, pb.MarkReadyToRankRequest(session_id=sid)),
        (stub.SubmitRanking, pb.SubmitRankingRequest(session_id=sid, ranked_ids=["a"])),
        (stub.GetStrategyOverlap, pb.GetStrategyOverlapRequest(session_id=sid)),
        (stub.ProposeAgreement, pb.ProposeAgreementRequest(
            session_id=sid, description="Walk", type=pb.SESSION_AGREEMENT_TYPE_COMMITMENT)),
        (stub.ListAgreements, pb.ListAgreementsRequest(session_id=sid)),
        (stub.ConfirmAgreement, pb.ConfirmAgreementRequest(session_id=sid, agreement_id="a",
                                                           confirmed=True)),
        (stub.ResolveSession, pb.ResolveSessionRequest(session_id=sid)),
    ]
    await stub.ListStrategies(pb.ListStrategiesRequest(session_id=sid),
                              metadata=stack.metadata("bob"))
    await stack.ok("GET", "/api/auth/me", "carol")
    for method, request in calls:
        await fails(method(request, metadata=()), *UNAUTHENTICATED)
        await fails(method(request, metadata=stack.metadata("carol")), *FORBIDDEN)
        missing = type(request)()
        missing.CopyFrom(request)
        missing.session_id = "no_such"
        await fails(method(missing, metadata=stack.metadata("alice")), *NOT_FOUND)
