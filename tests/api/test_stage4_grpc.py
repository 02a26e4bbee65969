"""Stage 4 (redesigned flow) over gRPC on SQLite and PostgreSQL: every RPC, its errors, and
two partners closing at the same instant."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from mwf.v1 import stage4_pb2 as pb
from mwf_core.adapters.db.stage4_tables import Stage4ClosureTable
from mwf_core.adapters.db.tables import SessionTable

from .grpc_helpers import fails
from .harness import Stack
from .stage4_helpers import NOTE, all_willing_and_shared, assert_no_private_words, outbox, seeded


async def test_every_rpc(stack: Stack) -> None:
    s = await seeded(stack)
    sid, stub = s.pair.session_id, stack.stub
    alice, bob = stack.metadata("alice"), stack.metadata("bob")
    got = await stub.GetStage4State(pb.GetStage4StateRequest(session_id=sid), metadata=alice)
    assert got.state.phase == "COVERAGE_REVIEW"
    assert len(got.state.inventory.shared_proposals) == 2
    one = await stub.SetProposalSelection(pb.SetProposalSelectionRequest(
        session_id=sid, proposal_id=s.props["walk"], decision="WILLING", note=NOTE),
        metadata=alice)
    assert one.submitted and not one.partner_submitted
    assert one.state.my_selections[0].note == NOTE
    await stub.SetProposalSelections(pb.SetProposalSelectionsRequest(
        session_id=sid, selections=[pb.ProposalSelectionInput(
            proposal_id=s.props["rota"], decision="NOT_WILLING")]), metadata=alice)
    await fails(stub.ShareSelections(pb.ShareSelectionsRequest(session_id=sid), metadata=alice),
                grpc.StatusCode.FAILED_PRECONDITION, "GATE_NOT_SATISFIED")
    declined = await stub.DeclineNeed(pb.DeclineNeedRequest(
        session_id=sid, need_id=s.needs["b_time"]), metadata=alice)
    assert list(declined.state.declined_need_ids) == [s.needs["b_time"]]
    shared = await stub.ShareSelections(pb.ShareSelectionsRequest(session_id=sid),
                                        metadata=alice)
    assert shared.state.my_selection_status == "SUBMITTED"
    bob_view = await stub.GetStage4State(pb.GetStage4StateRequest(session_id=sid), metadata=bob)
    assert bob_view.state.partner_selection_status == "SUBMITTED"
    assert len(bob_view.state.partner_selections) == 0
    unshared = await stub.UnshareSelections(pb.UnshareSelectionsRequest(session_id=sid),
                                            metadata=alice)
    assert unshared.state.my_selection_status == "NOT_STARTED"
    undeclined = await stub.UndeclineNeed(pb.UndeclineNeedRequest(
        session_id=sid, need_id=s.needs["b_time"]), metadata=alice)
    assert list(undeclined.state.declined_need_ids) == []
    suggested = await stub.SuggestProposals(pb.SuggestProposalsRequest(
        session_id=sid, count=1), metadata=bob)
    assert len(suggested.suggestions) == 1 and suggested.source == "AI_GENERATED"
    check_in = Timestamp()
    check_in.FromJsonString("2031-05-06T07:08:09Z")
    closed = await stub.CloseStage4(pb.CloseStage4Request(
        session_id=sid, kind="NO_SHARED_AGREEMENT", check_in_time=check_in), metadata=bob)
    assert closed.closed and closed.outcome.kind == "NO_SHARED_AGREEMENT"
    assert closed.outcome.check_in_time.ToJsonString() == "2031-05-06T07:08:09Z"
    await fails(stub.CloseStage4(pb.CloseStage4Request(session_id=sid), metadata=alice),
                grpc.StatusCode.ALREADY_EXISTS, "CONFLICT")
    await assert_no_private_words(sid)


async def test_rpc_errors(stack: Stack) -> None:
    s = await seeded(stack)
    sid, stub = s.pair.session_id, stack.stub
    alice = stack.metadata("alice")
    await stack.ok("GET", "/api/auth/me", "carol")
    await fails(stub.GetStage4State(pb.GetStage4StateRequest(session_id=sid),
                                    metadata=stack.metadata("carol")),
                grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")
    await fails(stub.GetStage4State(pb.GetStage4StateRequest(session_id=sid)),
                grpc.StatusCode.UNAUTHENTICATED, "UNAUTHORIZED")
    await fails(stub.SetProposalSelection(pb.SetProposalSelectionRequest(
        session_id=sid, proposal_id=s.props["walk"], decision="WILLING", note="x" * 1001),
        metadata=alice), grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR", {"note"})
    await fails(stub.SetProposalSelections(pb.SetProposalSelectionsRequest(session_id=sid),
                                           metadata=alice),
                grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR", {"selections"})
    await fails(stub.SuggestProposals(pb.SuggestProposalsRequest(session_id=sid, count=5),
                                      metadata=alice),
                grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR", {"count"})
    await fails(stub.CloseStage4(pb.CloseStage4Request(session_id=sid, summary="x" * 2001),
                                 metadata=alice),
                grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR", {"summary"})
    await fails(stub.CloseStage4(pb.CloseStage4Request(session_id=sid, kind="SHARED_AGREEMENT"),
                                 metadata=alice),
                grpc.StatusCode.FAILED_PRECONDITION, "GATE_NOT_SATISFIED")


async def test_both_close_at_once_gives_one_closure(stack: Stack) -> None:
    for rep in range(10):
        s = await seeded(stack, f"a{rep}", f"b{rep}")
        if rep % 2:
            await all_willing_and_shared(stack, s)
        path = s.pair.path("/stage4/close")
        results = await asyncio.gather(*(stack.call("POST", path, user, {})
                                         for user in (s.pair.inviter, s.pair.invitee)))
        codes = sorted(code for code, _ in results)
        assert codes == [200, 409], results
        winner = next(body for code, body in results if code == 200)
        kind = "SHARED_AGREEMENT" if rep % 2 else "NO_SHARED_AGREEMENT"
        assert winner["data"]["outcome"]["kind"] == kind
        closures = await Stage4ClosureTable.count().where(
            Stage4ClosureTable.session_id == s.pair.session_id).run()
        assert closures == 1
        resolved = [r for r in await outbox(s.pair.session_id)
                    if r["name"] == "session.resolved"]
        assert len(resolved) == 1
        status = await SessionTable.select(SessionTable.status).where(
            SessionTable.id == s.pair.session_id).first().run()
        assert status["status"] == "RESOLVED"
