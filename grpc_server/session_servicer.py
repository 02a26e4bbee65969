"""SessionService: thin mapping between protobuf requests and the session use cases."""

from __future__ import annotations

import grpc

from mwf.v1 import session_service_pb2_grpc, types_pb2
from mwf.v1 import sessions_pb2 as pb
from mwf_core.bootstrap import Container
from mwf_core.usecases.session_creation import CreateSessionRequest
from mwf_core.usecases.sessions import ProgressReport
from mwf_core.usecases.stage0 import CompactStatus

from . import convert
from .empathy_rpcs import EmpathyRpcs
from .handlers import unary
from .interceptors import require_user
from .invitation_rpcs import InvitationRpcs, member_invitation
from .journey_rpcs import JourneyRpcs
from .needs_rpcs import NeedsRpcs
from .reconciler_rpcs import ReconcilerRpcs
from .stage4_rpcs import Stage4Rpcs
from .strategies_rpcs import StrategyRpcs

Context = grpc.aio.ServicerContext


def _milestones(report: ProgressReport) -> pb.Milestones:
    return pb.Milestones(
        witness_start_time=convert.timestamp(report.milestones.witness_started_at),
        feel_heard_confirm_time=convert.timestamp(report.milestones.feel_heard_confirmed_at),
    )


class SessionServicer(
    InvitationRpcs,
    EmpathyRpcs,
    ReconcilerRpcs,
    NeedsRpcs,
    Stage4Rpcs,
    StrategyRpcs,
    JourneyRpcs,
    session_service_pb2_grpc.SessionServiceServicer,
):
    """Stage 0/1 RPCs here; each later capability's RPCs come from its mixin module."""

    def __init__(self, container: Container) -> None:
        self._c = container

    @unary
    async def GetMe(self, request: pb.GetMeRequest, context: Context) -> pb.GetMeResponse:
        me = await self._c.identity.me(require_user())
        return pb.GetMeResponse(
            user=convert.user(me.user),
            active_sessions=me.active_sessions,
            push_notifications_enabled=me.push_notifications_enabled,
        )

    @unary
    async def RegisterPushToken(
        self, request: pb.RegisterPushTokenRequest, context: Context
    ) -> pb.RegisterPushTokenResponse:
        await self._c.identity.register_push_token(
            require_user(), request.push_token, request.platform
        )
        return pb.RegisterPushTokenResponse(registered=True)

    @unary
    async def ClearPushToken(
        self, request: pb.ClearPushTokenRequest, context: Context
    ) -> pb.ClearPushTokenResponse:
        await self._c.identity.clear_push_token(require_user())
        return pb.ClearPushTokenResponse(registered=False)

    @unary
    async def CreateSession(
        self, request: pb.CreateSessionRequest, context: Context
    ) -> pb.CreateSessionResponse:
        created = await self._c.sessions.create(
            require_user(),
            CreateSessionRequest(
                person_id=request.person_id,
                invite_name=request.invite_name,
                context=request.context,
                invite_email=request.invite_email,
                request_id=request.request_id,
            ),
        )
        if created.existing:
            return pb.CreateSessionResponse(existing_active_session=convert.session(created.view))
        return pb.CreateSessionResponse(
            session=convert.session(created.view),
            invitation_id=created.invitation_id or "",
            invitation_url=created.invitation_url or "",
        )

    @unary
    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: Context
    ) -> pb.ListSessionsResponse:
        views, token = await self._c.sessions.list(
            require_user(),
            request.page_size,
            request.page_token,
            convert.session_status_from_proto(request.status),
        )
        return pb.ListSessionsResponse(
            sessions=[convert.session(v) for v in views], next_page_token=token
        )

    @unary
    async def GetSession(
        self, request: pb.GetSessionRequest, context: Context
    ) -> pb.GetSessionResponse:
        view = await self._c.sessions.get(require_user(), request.session_id)
        return pb.GetSessionResponse(session=convert.session(view))

    @unary
    async def GetSessionState(
        self, request: pb.GetSessionStateRequest, context: Context
    ) -> pb.GetSessionStateResponse:
        actor = require_user()
        state = await self._c.sessions.state(actor, request.session_id)
        report = state.report
        response = pb.GetSessionStateResponse(
            session=convert.session(report.view),
            partner_last_view_time=convert.timestamp(state.partner_last_viewed_at),
            can_advance=report.can_advance,
            milestones=_milestones(report),
            messages=[convert.message(m) for m in state.messages],
            has_more_messages=state.has_more_messages,
            compact=_compact(state.compact),
        )
        if state.invitation is not None:
            response.invitation.CopyFrom(member_invitation(state.invitation))
        return response

    @unary
    async def GetProgress(
        self, request: pb.GetProgressRequest, context: Context
    ) -> pb.GetProgressResponse:
        report = await self._c.sessions.progress(require_user(), request.session_id)
        return pb.GetProgressResponse(
            my_progress=convert.progress(report.view.my_progress),
            partner_progress=convert.progress(report.view.partner_progress),
            session_status=convert.session_status(report.view.session.status),
            milestones=_milestones(report),
            can_advance=report.can_advance,
        )

    @unary
    async def SignCompact(
        self, request: pb.SignCompactRequest, context: Context
    ) -> pb.SignCompactResponse:
        signed = await self._c.stage0.sign_compact(
            require_user(), request.session_id, request.agreed
        )
        return pb.SignCompactResponse(
            signed=True,
            sign_time=convert.timestamp(signed.signed_at),
            partner_signed=signed.partner_signed,
            can_advance=signed.can_advance,
        )

    @unary
    async def GetCompactStatus(
        self, request: pb.GetCompactStatusRequest, context: Context
    ) -> pb.GetCompactStatusResponse:
        status = await self._c.stage0.compact_status(require_user(), request.session_id)
        return pb.GetCompactStatusResponse(compact=_compact(status))

    @unary
    async def ConfirmTopicFrame(
        self, request: pb.ConfirmTopicFrameRequest, context: Context
    ) -> pb.ConfirmTopicFrameResponse:
        frame, confirmed_at = await self._c.stage0.confirm_topic_frame(
            require_user(), request.session_id
        )
        return pb.ConfirmTopicFrameResponse(
            topic_frame=frame, confirm_time=convert.timestamp(confirmed_at)
        )

    @unary
    async def PauseSession(
        self, request: pb.PauseSessionRequest, context: Context
    ) -> pb.PauseSessionResponse:
        at, status = await self._c.lifecycle.pause(
            require_user(), request.session_id, request.reason
        )
        return pb.PauseSessionResponse(
            paused=True, pause_time=convert.timestamp(at), status=convert.session_status(status)
        )

    @unary
    async def ResumeSession(
        self, request: pb.ResumeSessionRequest, context: Context
    ) -> pb.ResumeSessionResponse:
        at, status = await self._c.lifecycle.resume(require_user(), request.session_id)
        return pb.ResumeSessionResponse(
            resumed=True, resume_time=convert.timestamp(at), status=convert.session_status(status)
        )

    @unary
    async def ArchiveSession(
        self, request: pb.ArchiveSessionRequest, context: Context
    ) -> pb.ArchiveSessionResponse:
        at = await self._c.lifecycle.archive(require_user(), request.session_id)
        return pb.ArchiveSessionResponse(archived=True, archive_time=convert.timestamp(at))

    @unary
    async def DeleteSession(
        self, request: pb.DeleteSessionRequest, context: Context
    ) -> pb.DeleteSessionResponse:
        left = await self._c.lifecycle.leave(require_user(), request.session_id)
        return pb.DeleteSessionResponse(
            deleted=True,
            session_abandoned=left.session_abandoned,
            partner_notified=left.partner_notified,
            data_records_deleted=left.data_records_deleted,
        )

    @unary
    async def UpdateNickname(
        self, request: pb.UpdateNicknameRequest, context: Context
    ) -> pb.UpdateNicknameResponse:
        nickname = request.nickname if request.HasField("nickname") else None
        stored = await self._c.people.set_nickname(
            require_user(), request.relationship_id, nickname
        )
        return pb.UpdateNicknameResponse(nickname=stored)

    @unary
    async def ListPeople(
        self, request: pb.ListPeopleRequest, context: Context
    ) -> pb.ListPeopleResponse:
        people, token = await self._c.people.list(
            require_user(), request.page_size, request.page_token
        )
        return pb.ListPeopleResponse(
            people=[
                pb.Person(
                    id=p.id or "",
                    relationship_id=p.relationship_id,
                    name=p.name or "",
                    nickname=p.nickname or "",
                    initials=p.initials,
                    connect_time=convert.timestamp(p.connected_since),
                    last_session=pb.SessionSummary(
                        id=p.last_session.id,
                        status=convert.session_status(p.last_session.status),
                        update_time=convert.timestamp(p.last_session.updated_at),
                    )
                    if p.last_session
                    else None,
                    active_session_count=p.active_session_count,
                )
                for p in people
            ],
            next_page_token=token,
        )

    @unary
    async def RecordEmotion(
        self, request: pb.RecordEmotionRequest, context: Context
    ) -> pb.RecordEmotionResponse:
        recorded = await self._c.emotions.record(
            require_user(),
            request.session_id,
            request.intensity,
            request.context,
            request.request_id,
        )
        return pb.RecordEmotionResponse(
            reading=convert.reading(recorded.reading), suggest_exercise=recorded.suggest_exercise
        )

    @unary
    async def ListEmotions(
        self, request: pb.ListEmotionsRequest, context: Context
    ) -> pb.ListEmotionsResponse:
        readings, token = await self._c.emotions.list(
            require_user(), request.session_id, request.page_size, request.page_token
        )
        return pb.ListEmotionsResponse(
            readings=[convert.reading(r) for r in readings], next_page_token=token
        )


def _compact(status: CompactStatus) -> types_pb2.CompactStatus:
    return types_pb2.CompactStatus(
        my_signed=status.my_signed,
        my_sign_time=convert.timestamp(status.my_signed_at),
        partner_signed=status.partner_signed,
        partner_sign_time=convert.timestamp(status.partner_signed_at),
        can_advance=status.can_advance,
        is_first_session=status.is_first_session,
    )
