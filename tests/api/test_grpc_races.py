"""Two callers at the same instant, over gRPC on both databases: one wins, the other gets a
clear domain error (never INTERNAL), and the stored state stays coherent."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as pb
from mwf.v1 import types_pb2 as t

from .grpc_helpers import frame_confirmed, joined, read_failure
from .harness import Stack


async def _settle(*calls: Any) -> list[Any]:
    """Results or read failures, in call order; anything but an AioRpcError propagates."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    settled: list[Any] = []
    for result in results:
        if isinstance(result, grpc.aio.AioRpcError):
            settled.append(read_failure(result))
        elif isinstance(result, BaseException):
            raise result
        else:
            settled.append(result)
    return settled


def _refusals(results: list[Any]) -> list[Any]:
    return [r for r in results if hasattr(r, "reason")]


async def test_two_people_accept_the_same_invitation(stack: Stack) -> None:
    ids = await frame_confirmed(stack)
    for user in ("bob", "carol"):
        await stack.stub.GetMe(pb.GetMeRequest(), metadata=stack.metadata(user))
    request = inv_pb.AcceptInvitationRequest(invitation_id=ids.invitation_id)
    results = await _settle(*(stack.stub.AcceptInvitation(request, metadata=stack.metadata(u))
                              for u in ("bob", "carol")))
    refused = _refusals(results)
    assert len(refused) == 1, results
    assert refused[0].reason == "FORBIDDEN", refused[0]
    people = await stack.stub.ListPeople(pb.ListPeopleRequest(), metadata=stack.metadata("alice"))
    assert len(people.people) == 1 and people.people[0].name in {"Bob", "Carol"}
    winner = "bob" if results[0] is not refused[0] else "carol"
    state = await stack.stub.GetSession(pb.GetSessionRequest(session_id=ids.session_id),
                                        metadata=stack.metadata(winner))
    assert state.session.status == t.SESSION_STATUS_ACTIVE


async def test_accept_racing_decline(stack: Stack) -> None:
    ids = await frame_confirmed(stack)
    for user in ("bob", "carol"):
        await stack.stub.GetMe(pb.GetMeRequest(), metadata=stack.metadata(user))
    results = await _settle(
        stack.stub.AcceptInvitation(inv_pb.AcceptInvitationRequest(invitation_id=ids.invitation_id),
                                    metadata=stack.metadata("bob")),
        stack.stub.DeclineInvitation(
            inv_pb.DeclineInvitationRequest(invitation_id=ids.invitation_id),
            metadata=stack.metadata("carol")),
    )
    assert len(_refusals(results)) == 1, results
    public = await stack.stub.GetInvitation(
        inv_pb.GetInvitationRequest(invitation_id=ids.invitation_id))
    if _refusals(results)[0] is results[1]:
        assert (public.invitation.status, public.session_status) == (
            t.INVITATION_STATUS_ACCEPTED, t.SESSION_STATUS_ACTIVE)
    else:
        assert (public.invitation.status, public.session_status) == (
            t.INVITATION_STATUS_DECLINED, t.SESSION_STATUS_ABANDONED)


async def test_both_partners_pause_at_once(stack: Stack) -> None:
    ids = await joined(stack)
    request = pb.PauseSessionRequest(session_id=ids.session_id)
    results = await _settle(*(stack.stub.PauseSession(request, metadata=stack.metadata(u))
                              for u in ("alice", "bob")))
    refused = _refusals(results)
    assert len(refused) == 1 and refused[0].reason == "SESSION_NOT_ACTIVE", results


async def test_both_partners_sign_at_once(stack: Stack) -> None:
    ids = await joined(stack)
    request = pb.SignCompactRequest(session_id=ids.session_id, agreed=True)
    results = await _settle(*(stack.stub.SignCompact(request, metadata=stack.metadata(u))
                              for u in ("alice", "bob")))
    assert _refusals(results) == []
    status = await stack.stub.GetCompactStatus(
        pb.GetCompactStatusRequest(session_id=ids.session_id), metadata=stack.metadata("alice"))
    assert status.compact.my_signed and status.compact.partner_signed
