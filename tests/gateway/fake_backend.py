"""A small SessionService behind a real grpc.aio server, for testing the gateway's mechanics.

It answers a handful of RPCs with fixed data, records what it received (request and
metadata), and fails with rich statuses on chosen ids, the way the real server does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import struct_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import session_service_pb2_grpc
from mwf.v1 import sessions_pb2 as svc
from mwf.v1 import types_pb2 as t

# 2024-05-01T10:00:00.123Z and friends: distinct instants so every field can be told apart.
T0 = 1714557600


def ts(offset_s: int = 0, millis: int = 123) -> Timestamp:
    return Timestamp(seconds=T0 + offset_s, nanos=millis * 1_000_000 + 456)


def iso(offset_s: int = 0, millis: int = 123) -> str:
    dt = datetime.fromtimestamp(T0 + offset_s, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


@dataclass
class Received:
    method: str
    request: Message
    metadata: dict[str, str]


def rich_status(
    code: grpc.StatusCode,
    message: str,
    reason: str | None,
    *,
    metadata: dict[str, str] | None = None,
    violations: tuple[tuple[str, str], ...] = (),
    retry_seconds: int | None = None,
) -> grpc.Status:
    st = status_pb2.Status(code=code.value[0], message=message)
    if reason is not None:
        info = error_details_pb2.ErrorInfo(reason=reason, domain="mwf.v1", metadata=metadata or {})
        st.details.add().Pack(info)
    if violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                for f, d in violations
            ]
        )
        st.details.add().Pack(bad)
    if retry_seconds is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromSeconds(retry_seconds)
        st.details.add().Pack(retry)
    return rpc_status.to_status(st)


# GetSession fails on these ids; each maps to the status the server aborts with.
FAILURES: dict[str, grpc.Status] = {
    "missing": rich_status(grpc.StatusCode.NOT_FOUND, "Session not found", "NOT_FOUND"),
    "expired": rich_status(grpc.StatusCode.FAILED_PRECONDITION, "Invitation expired", "EXPIRED"),
    "blocked": rich_status(
        grpc.StatusCode.PERMISSION_DENIED,
        "This person does not accept invitations",
        "VALIDATION_ERROR",
        metadata={"http_status": "403"},
    ),
    "bad-fields": rich_status(
        grpc.StatusCode.INVALID_ARGUMENT,
        "Validation failed",
        "VALIDATION_ERROR",
        violations=(
            ("invite_name", "Too long"),
            ("invite_name", "Must not be blank"),
            ("my_progress.gates_satisfied", "Bad gate"),
            ("page_size", "Too big"),
        ),
    ),
    "not-active": rich_status(
        grpc.StatusCode.FAILED_PRECONDITION, "Session is not active", "SESSION_NOT_ACTIVE"
    ),
    "new-reason": rich_status(grpc.StatusCode.ALREADY_EXISTS, "Something new", "BRAND_NEW"),
    "rate": rich_status(
        grpc.StatusCode.RESOURCE_EXHAUSTED, "Too many requests", "RATE_LIMITED", retry_seconds=7
    ),
    "server-bug": rich_status(grpc.StatusCode.INTERNAL, "Failed to get session", "INTERNAL_ERROR"),
}


class FakeSessionService(session_service_pb2_grpc.SessionServiceServicer):
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.delay = 0.0

    def last(self, method: str) -> Received:
        return next(r for r in reversed(self.received) if r.method == method)

    def _record(self, method: str, request: Message, context: grpc.aio.ServicerContext) -> None:
        md = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
        self.received.append(Received(method, request, md))

    async def GetMe(self, request: Any, context: Any) -> svc.GetMeResponse:
        self._record("GetMe", request, context)
        user = t.User(
            id="u1",
            email="ada@example.com",
            name="Ada Lovelace",
            first_name="Ada",
            biometric_enabled=True,
            create_time=ts(),
        )
        return svc.GetMeResponse(user=user, active_sessions=2, push_notifications_enabled=True)

    async def RegisterPushToken(self, request: Any, context: Any) -> Any:
        self._record("RegisterPushToken", request, context)
        return svc.RegisterPushTokenResponse(registered=True)

    async def CreateSession(self, request: Any, context: Any) -> svc.CreateSessionResponse:
        self._record("CreateSession", request, context)
        if request.person_id == "p-live":
            live = t.Session(id="s-live", status=t.SESSION_STATUS_ACTIVE, update_time=ts(60))
            return svc.CreateSessionResponse(existing_active_session=live)
        session = t.Session(
            id="s-new",
            status=t.SESSION_STATUS_CREATED,
            create_time=ts(),
            partner=t.Partner(id="", name=request.invite_name),
        )
        return svc.CreateSessionResponse(
            session=session, invitation_id="inv-1", invitation_url="https://x.test/invitation/inv-1"
        )

    async def ListSessions(self, request: Any, context: Any) -> svc.ListSessionsResponse:
        self._record("ListSessions", request, context)
        first = t.Session(
            id="s1",
            relationship_id="r1",
            status=t.SESSION_STATUS_ACTIVE,
            partner=t.Partner(id="u2", name="Bo", nickname="Bobby"),
            my_progress=t.StageProgress(stage=t.STAGE_WITNESS, status=t.STAGE_STATUS_IN_PROGRESS),
            partner_progress=t.StageProgress(
                stage=t.STAGE_ONBOARDING, status=t.STAGE_STATUS_COMPLETED, complete_time=ts(5)
            ),
            create_time=ts(),
            update_time=ts(10),
            status_summary="Your turn",
            self_action_needed=["send_message"],
            has_unread=True,
        )
        token = "" if request.page_token else "next-page"
        return svc.ListSessionsResponse(sessions=[first], next_page_token=token)

    async def GetSession(self, request: Any, context: Any) -> svc.GetSessionResponse:
        self._record("GetSession", request, context)
        if self.delay:
            await asyncio.sleep(self.delay)
        sid = request.session_id
        if sid == "plain-denied":
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied by interceptor")
        if sid == "crash":
            raise RuntimeError("password=hunter2 at db.internal:5432")
        if sid in FAILURES:
            await context.abort_with_status(FAILURES[sid])
        session = t.Session(
            id=sid,
            status=t.SESSION_STATUS_INVITED,
            my_progress=t.StageProgress(
                stage=t.STAGE_ONBOARDING, status=t.STAGE_STATUS_NOT_STARTED
            ),
        )
        return svc.GetSessionResponse(session=session)

    async def GetSessionState(self, request: Any, context: Any) -> svc.GetSessionStateResponse:
        self._record("GetSessionState", request, context)
        gates = struct_pb2.Struct()
        gates.update({"compactSigned": True, "attempts": 2, "ratio": 0.5, "note": None})
        session = t.Session(
            id=request.session_id,
            relationship_id="r1",
            status=t.SESSION_STATUS_ACTIVE,
            partner=t.Partner(id="u2", name="Bo"),
            my_progress=t.StageProgress(
                stage=t.STAGE_PERSPECTIVE_STRETCH,
                status=t.STAGE_STATUS_GATE_PENDING,
                start_time=ts(100, 0),
                gates_satisfied=gates,
            ),
            create_time=ts(),
            last_view_time=ts(200, 999),
        )
        invitation = t.Invitation(
            id="inv-1",
            session_id=request.session_id,
            name="Bo",
            status=t.INVITATION_STATUS_ACCEPTED,
            message_confirmed=True,
            create_time=ts(),
            expire_time=ts(7 * 86400),
            is_inviter=True,
            topic_frame="Chores",
            invited_by=t.Partner(id="u1", name="Ada"),
        )
        message = t.Message(
            id="m1",
            session_id=request.session_id,
            role="AI",
            content="Hello",
            stage=t.STAGE_WITNESS,
            create_time=ts(300),
        )
        return svc.GetSessionStateResponse(
            session=session,
            can_advance=False,
            milestones=svc.Milestones(witness_start_time=ts(150)),
            messages=[message],
            has_more_messages=True,
            invitation=invitation,
            compact=t.CompactStatus(my_signed=True, my_sign_time=ts(50), is_first_session=True),
        )

    async def SignCompact(self, request: Any, context: Any) -> svc.SignCompactResponse:
        self._record("SignCompact", request, context)
        return svc.SignCompactResponse(signed=True, sign_time=ts(), can_advance=True)

    async def GetInvitation(self, request: Any, context: Any) -> inv_pb.GetInvitationResponse:
        self._record("GetInvitation", request, context)
        invitation = t.Invitation(
            id=request.invitation_id,
            session_id="s1",
            name="Bo",
            status=t.INVITATION_STATUS_PENDING,
            create_time=ts(),
            expire_time=ts(7 * 86400),
            invited_by=t.Partner(name="Ada"),
        )
        return inv_pb.GetInvitationResponse(
            invitation=invitation, session_status=t.SESSION_STATUS_INVITED
        )

    async def DeclineInvitation(self, request: Any, context: Any) -> Any:
        self._record("DeclineInvitation", request, context)
        return inv_pb.DeclineInvitationResponse(declined=True)

    async def UpdateNickname(self, request: Any, context: Any) -> svc.UpdateNicknameResponse:
        self._record("UpdateNickname", request, context)
        resp = svc.UpdateNicknameResponse()
        if request.HasField("nickname"):
            resp.nickname = request.nickname
        return resp

    async def RecordEmotion(self, request: Any, context: Any) -> svc.RecordEmotionResponse:
        self._record("RecordEmotion", request, context)
        reading = t.EmotionalReading(id="e1", intensity=request.intensity, create_time=ts())
        return svc.RecordEmotionResponse(reading=reading, suggest_exercise=request.intensity >= 8)
