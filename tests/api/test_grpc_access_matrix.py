"""Who may call which RPC on a session, relationship or invitation: one test per cell.

Roles: the owner (alice, who created the session), the partner (bob, who joined or is about to),
a stranger (carol, signed in but no member) and an anonymous caller (no token).
A refused call must leave the session as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as pb
from mwf.v1 import types_pb2 as t

from .grpc_helpers import (
    FORBIDDEN,
    INVALID,
    UNAUTHENTICATED,
    Ids,
    at_stage1,
    fails,
    frame_confirmed,
    joined,
)
from .harness import Stack

Setup = Callable[[Stack], Awaitable[Ids]]
OK = "OK"
USERS = {"owner": "alice", "partner": "bob", "stranger": "carol", "anonymous": None}
MEMBERS_ONLY: dict[str, Any] = {"owner": OK, "partner": OK, "stranger": FORBIDDEN,
                                "anonymous": UNAUTHENTICATED}


async def paused(stack: Stack) -> Ids:
    ids = await joined(stack)
    await stack.stub.PauseSession(pb.PauseSessionRequest(session_id=ids.session_id),
                                  metadata=stack.metadata("alice"))
    return ids


async def owner_left(stack: Stack) -> Ids:
    """Joined, then alice left: ABANDONED, which bob may archive."""
    ids = await joined(stack)
    await stack.stub.DeleteSession(pb.DeleteSessionRequest(session_id=ids.session_id),
                                   metadata=stack.metadata("alice"))
    return ids


@dataclass(frozen=True)
class Case:
    rpc: str
    request: Callable[[Ids], Any]
    ok: Callable[[Any, Ids], bool]
    setup: Setup = joined
    expect: dict[str, Any] = field(default_factory=lambda: MEMBERS_ONLY)
    setup_for: dict[str, Setup] = field(default_factory=dict)


CASES = [
    Case("GetSession", lambda i: pb.GetSessionRequest(session_id=i.session_id),
         lambda r, i: r.session.id == i.session_id),
    Case("GetSessionState", lambda i: pb.GetSessionStateRequest(session_id=i.session_id),
         lambda r, i: r.session.id == i.session_id and r.invitation.id == i.invitation_id),
    Case("GetProgress", lambda i: pb.GetProgressRequest(session_id=i.session_id),
         lambda r, i: r.session_status == t.SESSION_STATUS_ACTIVE),
    Case("GetSessionInvitation",
         lambda i: pb.GetSessionInvitationRequest(session_id=i.session_id),
         lambda r, i: r.invitation.id == i.invitation_id and r.invitation.topic_frame != ""),
    Case("GetCompactStatus", lambda i: pb.GetCompactStatusRequest(session_id=i.session_id),
         lambda r, i: r.HasField("compact") and not r.compact.my_signed),
    Case("SignCompact", lambda i: pb.SignCompactRequest(session_id=i.session_id, agreed=True),
         lambda r, i: r.signed and r.HasField("sign_time")),
    Case("ConfirmTopicFrame", lambda i: pb.ConfirmTopicFrameRequest(session_id=i.session_id),
         lambda r, i: r.topic_frame != "",
         expect={**MEMBERS_ONLY, "partner": FORBIDDEN}),
    Case("ConfirmInvitation", lambda i: pb.ConfirmInvitationRequest(session_id=i.session_id),
         lambda r, i: r.confirmed and r.invitation.id == i.invitation_id, setup=at_stage1,
         expect={**MEMBERS_ONLY, "partner": FORBIDDEN}),
    Case("PauseSession", lambda i: pb.PauseSessionRequest(session_id=i.session_id),
         lambda r, i: r.status == t.SESSION_STATUS_PAUSED),
    Case("ResumeSession", lambda i: pb.ResumeSessionRequest(session_id=i.session_id),
         lambda r, i: r.status == t.SESSION_STATUS_ACTIVE, setup=paused),
    Case("ArchiveSession", lambda i: pb.ArchiveSessionRequest(session_id=i.session_id),
         lambda r, i: r.archived, setup_for={"owner": frame_confirmed, "partner": owner_left}),
    Case("DeleteSession", lambda i: pb.DeleteSessionRequest(session_id=i.session_id),
         lambda r, i: r.deleted and r.session_abandoned and r.partner_notified),
    Case("RecordEmotion",
         lambda i: pb.RecordEmotionRequest(session_id=i.session_id, intensity=5),
         lambda r, i: r.reading.intensity == 5),
    Case("ListEmotions", lambda i: pb.ListEmotionsRequest(session_id=i.session_id),
         lambda r, i: list(r.readings) == []),
    Case("UpdateNickname",
         lambda i: pb.UpdateNicknameRequest(relationship_id=i.relationship_id, nickname="Pal"),
         lambda r, i: r.nickname == "Pal"),
    # An invitation link is the capability: anyone may look at it, even signed out.
    Case("GetInvitation", lambda i: inv_pb.GetInvitationRequest(invitation_id=i.invitation_id),
         lambda r, i: r.invitation.id == i.invitation_id and r.invitation.topic_frame == "",
         expect={"owner": OK, "partner": OK, "stranger": OK, "anonymous": OK}),
    # The inviter cannot answer their own invitation; once the partner has joined, a third
    # person is refused (the stranger cells run after bob accepted).
    Case("AcceptInvitation",
         lambda i: inv_pb.AcceptInvitationRequest(invitation_id=i.invitation_id),
         lambda r, i: r.session_id == i.session_id and r.status == t.SESSION_STATUS_ACTIVE,
         setup_for={"partner": frame_confirmed},
         expect={"owner": INVALID, "partner": OK, "stranger": FORBIDDEN,
                 "anonymous": UNAUTHENTICATED}),
    Case("DeclineInvitation",
         lambda i: inv_pb.DeclineInvitationRequest(invitation_id=i.invitation_id),
         lambda r, i: r.declined, setup_for={"partner": frame_confirmed},
         expect={"owner": INVALID, "partner": OK, "stranger": FORBIDDEN,
                 "anonymous": UNAUTHENTICATED}),
]

CELLS = [pytest.param(case, role, id=f"{case.rpc}-{role}") for case in CASES for role in USERS]


async def _status(stack: Stack, ids: Ids) -> int:
    return (await stack.stub.GetInvitation(
        inv_pb.GetInvitationRequest(invitation_id=ids.invitation_id))).session_status


@pytest.mark.parametrize(("case", "role"), CELLS)
async def test_access(stack: Stack, case: Case, role: str) -> None:
    ids = await case.setup_for.get(role, case.setup)(stack)
    if role == "stranger":
        await stack.stub.GetMe(pb.GetMeRequest(), metadata=stack.metadata("carol"))
    before = await _status(stack, ids)
    call = getattr(stack.stub, case.rpc)(case.request(ids), metadata=stack.metadata(USERS[role]))
    expected = case.expect[role]
    if expected == OK:
        response = await call
        assert case.ok(response, ids), response
    else:
        await fails(call, *expected)
        assert await _status(stack, ids) == before


# The RPCs without an id: anonymous callers are refused, signed-in ones served.
NO_ID = {
    "GetMe": pb.GetMeRequest(),
    "RegisterPushToken": pb.RegisterPushTokenRequest(push_token="ExponentPushToken[x]"),
    "ClearPushToken": pb.ClearPushTokenRequest(),
    "CreateSession": pb.CreateSessionRequest(invite_name="Bob"),
    "ListSessions": pb.ListSessionsRequest(),
    "ListPeople": pb.ListPeopleRequest(),
}


@pytest.mark.parametrize("rpc", NO_ID)
@pytest.mark.parametrize("role", ["signed-in", "anonymous"])
async def test_access_without_id(sqlite_stack: Stack, rpc: str, role: str) -> None:
    call = getattr(sqlite_stack.stub, rpc)(
        NO_ID[rpc], metadata=sqlite_stack.metadata("alice" if role == "signed-in" else None))
    if role == "signed-in":
        await call
    else:
        await fails(call, *UNAUTHENTICATED)
        listed = await sqlite_stack.stub.ListSessions(pb.ListSessionsRequest(),
                                                      metadata=sqlite_stack.metadata("alice"))
        assert list(listed.sessions) == []
