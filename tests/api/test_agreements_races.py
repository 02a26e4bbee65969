"""Both partners confirm the last open agreement at the same instant (both databases): the
session resolves exactly once, with one `session.resolved` event."""

from __future__ import annotations

import asyncio

import grpc

from mwf.v1 import strategies_pb2 as pb
from mwf_core.adapters.db.tables import SessionTable

from .harness import Stack
from .journey import both_at_stage, outbox

REPETITIONS = 10


async def _agreement(stack: Stack, sid: str, user: str, text: str) -> str:
    made = await stack.stub.ProposeAgreement(pb.ProposeAgreementRequest(
        session_id=sid, description=text, type=pb.SESSION_AGREEMENT_TYPE_COMMITMENT),
        metadata=stack.metadata(user))
    return str(made.agreement.id)


async def test_two_confirmations_at_once_resolve_exactly_once(stack: Stack) -> None:
    for rep in range(REPETITIONS):
        # A fresh pair each time: a resolved session cannot be resolved again.
        pair = await both_at_stage(stack, 4, f"ann{rep}", f"ben{rep}")
        sid = pair.session_id
        # Each proposes one (their own flag set); each confirms the other's at once.
        mine = await _agreement(stack, sid, pair.inviter, "Walk on Sundays")
        theirs = await _agreement(stack, sid, pair.invitee, "Cook on Fridays")
        answers = await asyncio.gather(*(
            stack.stub.ConfirmAgreement(pb.ConfirmAgreementRequest(
                session_id=sid, agreement_id=aid, confirmed=True),
                metadata=stack.metadata(user))
            for user, aid in ((pair.inviter, theirs), (pair.invitee, mine))))
        assert sorted(a.session_resolved for a in answers) == [False, True], rep
        assert all(a.agreement.status == pb.SESSION_AGREEMENT_STATUS_AGREED for a in answers)
        events = [e for e in await outbox(sid) if e.name == "session.resolved"]
        assert len(events) == 1, rep
        session = await SessionTable.select(SessionTable.status).where(
            SessionTable.id == sid).first().run()
        assert session is not None and session["status"] == "RESOLVED"


async def test_proposals_at_once_never_pass_the_limit_of_two(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    users = (pair.inviter, pair.invitee, pair.inviter, pair.invitee)
    results = await asyncio.gather(*(
        _agreement(stack, pair.session_id, user, f"Idea number {i}")
        for i, user in enumerate(users)), return_exceptions=True)
    made = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if not isinstance(r, str)]
    assert len(made) == 2 and len(refused) == 2
    assert all(isinstance(r, grpc.aio.AioRpcError)
               and r.code() == grpc.StatusCode.INVALID_ARGUMENT for r in refused)
    listed = await stack.stub.ListAgreements(pb.ListAgreementsRequest(
        session_id=pair.session_id), metadata=stack.metadata(pair.invitee))
    assert sorted(a.id for a in listed.agreements) == sorted(made)
