"""SessionService RPCs of invitations (the member and public views, confirming, accepting,
declining, resending), mixed into SessionServicer."""

from __future__ import annotations

import grpc

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as pb
from mwf.v1 import types_pb2
from mwf_core.bootstrap import Container
from mwf_core.usecases.invitations import MemberInvitation

from . import convert
from .handlers import unary
from .interceptors import current_user, require_user

Context = grpc.aio.ServicerContext


class InvitationRpcs:
    _c: Container

    @unary
    async def GetSessionInvitation(
        self, request: pb.GetSessionInvitationRequest, context: Context
    ) -> pb.GetSessionInvitationResponse:
        view = await self._c.invitations.for_session(require_user(), request.session_id)
        return pb.GetSessionInvitationResponse(invitation=member_invitation(view))

    @unary
    async def ConfirmInvitation(
        self, request: pb.ConfirmInvitationRequest, context: Context
    ) -> pb.ConfirmInvitationResponse:
        actor = require_user()
        await self._c.stage0.confirm_invitation(actor, request.session_id)
        view = await self._c.invitations.for_session(actor, request.session_id)
        return pb.ConfirmInvitationResponse(
            confirmed=True,
            invitation=member_invitation(view),
            advanced_to_stage=types_pb2.STAGE_WITNESS,
        )

    @unary
    async def GetInvitation(
        self, request: inv_pb.GetInvitationRequest, context: Context
    ) -> inv_pb.GetInvitationResponse:
        view = await self._c.invitations.public(request.invitation_id)
        viewer = current_user.get()
        return inv_pb.GetInvitationResponse(
            invitation=convert.invitation(
                view.invitation,
                view.status,
                is_inviter=viewer is not None and viewer.id == view.invitation.invited_by_id,
                inviter_name=view.inviter_name,
                session_record=None,
            ),
            session_status=convert.session_status(view.session_status),
        )

    @unary
    async def AcceptInvitation(
        self, request: inv_pb.AcceptInvitationRequest, context: Context
    ) -> inv_pb.AcceptInvitationResponse:
        joined = await self._c.invitations.accept(require_user(), request.invitation_id)
        return inv_pb.AcceptInvitationResponse(
            session_id=joined.session.id,
            status=convert.session_status(joined.session.status),
            create_time=convert.timestamp(joined.session.created_at),
            members=[inv_pb.SessionMember(id=uid, name=name or "") for uid, name in joined.members],
        )

    @unary
    async def DeclineInvitation(
        self, request: inv_pb.DeclineInvitationRequest, context: Context
    ) -> inv_pb.DeclineInvitationResponse:
        await self._c.invitations.decline(require_user(), request.invitation_id, request.reason)
        return inv_pb.DeclineInvitationResponse(declined=True)

    @unary
    async def ResendInvitation(
        self, request: inv_pb.ResendInvitationRequest, context: Context
    ) -> inv_pb.ResendInvitationResponse:
        resent = await self._c.invitations.resend(require_user(), request.invitation_id)
        return inv_pb.ResendInvitationResponse(
            sent=True,
            send_time=convert.timestamp(resent.sent_at),
            expire_time=convert.timestamp(resent.expires_at),
        )


def member_invitation(view: MemberInvitation) -> types_pb2.Invitation:
    return convert.invitation(
        view.invitation,
        view.status,
        is_inviter=view.is_inviter,
        inviter_name=view.inviter_name,
        session_record=view.session,
    )
