"""Helpers for the gRPC API tests: reading rich errors, walking stage 0, a loopback Clerk JWKS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as pb
from mwf_core.adapters.db.tables import InvitationTable, UserTable
from tests.fakes.clerk import FakeClerk as BaseFakeClerk
from tests.fakes.clerk import new_rsa_key, serve_fake_clerk

from .harness import Stack

ERROR_DOMAIN = "mwf.v1"


# --- rich errors --------------------------------------------------------------------------


@dataclass
class Failure:
    """What a gRPC client can read from a failed call."""

    code: grpc.StatusCode
    message: str
    reason: str
    domain: str
    metadata: dict[str, str]
    violations: dict[str, list[str]]


def read_failure(err: grpc.aio.AioRpcError) -> Failure:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None, f"no rich status on {err.code()}: {err.details()}"
    assert status.code == err.code().value[0]
    infos: list[error_details_pb2.ErrorInfo] = []
    violations: dict[str, list[str]] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            infos.append(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                violations.setdefault(violation.field, []).append(violation.description)
    assert len(infos) == 1, status
    return Failure(err.code(), status.message, infos[0].reason, infos[0].domain,
                   dict(infos[0].metadata), violations)


async def fails(call: Awaitable[Any], code: grpc.StatusCode, reason: str,
                fields: set[str] | None = None) -> Failure:
    """Awaits a call that must fail with this status code and ErrorInfo reason.

    `fields`, when given, must equal the BadRequest field names (snake_case proto names)."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    failure = read_failure(info.value)
    assert (failure.code, failure.reason) == (code, reason), failure
    assert failure.domain == ERROR_DOMAIN
    assert failure.message.strip()
    if fields is not None:
        assert set(failure.violations) == fields, failure.violations
        assert all(texts and all(t.strip() for t in texts)
                   for texts in failure.violations.values())
    return failure


UNAUTHENTICATED = (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHORIZED")
FORBIDDEN = (grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")
NOT_FOUND = (grpc.StatusCode.NOT_FOUND, "NOT_FOUND")
CONFLICT = (grpc.StatusCode.ALREADY_EXISTS, "CONFLICT")
INVALID = (grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR")
GATE = (grpc.StatusCode.FAILED_PRECONDITION, "GATE_NOT_SATISFIED")
NOT_ACTIVE = (grpc.StatusCode.FAILED_PRECONDITION, "SESSION_NOT_ACTIVE")
EXPIRED = (grpc.StatusCode.FAILED_PRECONDITION, "EXPIRED")


# --- stage 0 over gRPC only ---------------------------------------------------------------


@dataclass
class Ids:
    session_id: str
    invitation_id: str
    relationship_id: str
    invitation_url: str = ""


async def create(stack: Stack, user: str = "alice", **fields: Any) -> pb.CreateSessionResponse:
    request = pb.CreateSessionRequest(**{"invite_name": "Bob",
                                         "context": "We argue about chores.", **fields})
    return await stack.stub.CreateSession(request, metadata=stack.metadata(user))


async def created(stack: Stack, user: str = "alice") -> Ids:
    response = await create(stack, user)
    return Ids(response.session.id, response.invitation_id, response.session.relationship_id,
               response.invitation_url)


async def frame_confirmed(stack: Stack, inviter: str = "alice") -> Ids:
    """CREATED → INVITED: the invitee may accept now; nobody has signed."""
    ids = await created(stack, inviter)
    await stack.stub.ConfirmTopicFrame(pb.ConfirmTopicFrameRequest(session_id=ids.session_id),
                                       metadata=stack.metadata(inviter))
    return ids


async def joined(stack: Stack, inviter: str = "alice", invitee: str = "bob") -> Ids:
    """Both are members of an ACTIVE session; neither has signed the compact."""
    ids = await frame_confirmed(stack, inviter)
    accept = inv_pb.AcceptInvitationRequest(invitation_id=ids.invitation_id)
    await stack.stub.AcceptInvitation(accept, metadata=stack.metadata(invitee))
    return ids


async def invited(stack: Stack, inviter: str = "alice") -> Ids:
    """The inviter signed, confirmed the frame and the invitation (inviter at stage 1)."""
    ids = await created(stack, inviter)
    md = stack.metadata(inviter)
    await stack.stub.SignCompact(pb.SignCompactRequest(session_id=ids.session_id, agreed=True),
                                 metadata=md)
    await stack.stub.ConfirmTopicFrame(pb.ConfirmTopicFrameRequest(session_id=ids.session_id),
                                       metadata=md)
    await stack.stub.ConfirmInvitation(pb.ConfirmInvitationRequest(session_id=ids.session_id),
                                       metadata=md)
    return ids


async def at_stage1(stack: Stack, inviter: str = "alice", invitee: str = "bob") -> Ids:
    ids = await invited(stack, inviter)
    md = stack.metadata(invitee)
    accept = inv_pb.AcceptInvitationRequest(invitation_id=ids.invitation_id)
    await stack.stub.AcceptInvitation(accept, metadata=md)
    await stack.stub.SignCompact(pb.SignCompactRequest(session_id=ids.session_id, agreed=True),
                                 metadata=md)
    return ids


async def expire_invitation(invitation_id: str) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    await InvitationTable.update({InvitationTable.expires_at: past}).where(
        InvitationTable.id == invitation_id
    )


async def user_count(auth_subject: str | None = None) -> int:
    query = UserTable.count()
    if auth_subject is not None:
        query = query.where(UserTable.auth_subject == auth_subject)
    return await query


# --- a loopback Clerk JWKS ----------------------------------------------------------------

APP_ORIGIN = "https://app.example.test"


class FakeClerk(BaseFakeClerk):
    """Tokens as the mobile app's browser build sends them: azp and a profile included."""

    def claims(self, sub: str = "user_2abc", **overrides: Any) -> dict[str, Any]:
        profile = {"azp": APP_ORIGIN, "email": f"{sub}@example.test",
                   "first_name": "Clerk", "last_name": "Person"}
        return super().claims(sub, **{**profile, **overrides})


@asynccontextmanager
async def fake_clerk() -> AsyncIterator[FakeClerk]:
    async with serve_fake_clerk(new_rsa_key(), FakeClerk) as fake:
        assert isinstance(fake, FakeClerk)
        yield fake
