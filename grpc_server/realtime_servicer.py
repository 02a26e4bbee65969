"""RealtimeService: a session's live events from the event log, the Ably token request, and
notification preferences."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc

from mwf.v1 import realtime_service_pb2 as pb
from mwf.v1 import realtime_service_pb2_grpc
from mwf_core.bootstrap import Container
from mwf_core.domain.errors import DomainError, ErrorCode
from mwf_core.usecases.event_stream import (
    StreamEvent,
    StreamHeartbeat,
    StreamItem,
    StreamReset,
)

from . import convert
from .errors import internal_status, status_for
from .handlers import unary
from .interceptors import request_id, require_user

log = logging.getLogger("mwf.grpc")
Context = grpc.aio.ServicerContext

PREFERENCE_FIELDS = (
    ("push_enabled", "pushEnabled"),
    ("email_enabled", "emailEnabled"),
    ("new_invitations", "newInvitations"),
    ("partner_actions", "partnerActions"),
    ("follow_up_reminders", "followUpReminders"),
)


class FeatureUnavailable(DomainError):
    """A piece of the delivery stack this server was built without (not a missing setting:
    that is realtime_auth.RealtimeNotConfigured)."""

    code = ErrorCode.SERVICE_UNAVAILABLE


def item_message(item: StreamItem) -> pb.WatchSessionResponse:
    match item:
        case StreamEvent():
            return pb.WatchSessionResponse(
                event=pb.SessionEvent(
                    seq=item.seq,
                    id=item.id,
                    name=item.name,
                    payload=convert.struct(item.payload),
                    create_time=convert.timestamp(item.created_at),
                )
            )
        case StreamHeartbeat():
            return pb.WatchSessionResponse(
                heartbeat=pb.Heartbeat(server_time=convert.timestamp(item.at), seq=item.seq)
            )
        case StreamReset():
            return pb.WatchSessionResponse(reset=pb.Reset(oldest_seq=item.oldest_seq, seq=item.seq))
    raise TypeError(f"unknown stream item {item!r}")


def token_request(data: dict[str, Any]) -> pb.AblyTokenRequest:
    capability = data.get("capability") or ""
    if not isinstance(capability, str):
        capability = json.dumps(capability, separators=(",", ":"), sort_keys=True)
    return pb.AblyTokenRequest(
        key_name=str(data.get("keyName") or ""),
        client_id=str(data.get("clientId") or ""),
        ttl=int(data.get("ttl") or 0),
        nonce=str(data.get("nonce") or ""),
        capability=capability,
        timestamp=int(data.get("timestamp") or 0),
        mac=str(data.get("mac") or ""),
    )


def preferences_message(values: dict[str, Any]) -> pb.NotificationPreferences:
    return pb.NotificationPreferences(
        **{field: bool(values.get(key)) for field, key in PREFERENCE_FIELDS}
    )


class RealtimeServicer(realtime_service_pb2_grpc.RealtimeServiceServicer):
    def __init__(self, container: Container) -> None:
        self._c = container

    def _need(self, name: str) -> Any:
        value = getattr(self._c, name, None)
        if value is None:
            raise FeatureUnavailable(f"{name.replace('_', ' ')} is not available on this server")
        return value

    async def WatchSession(
        self, request: pb.WatchSessionRequest, context: Context
    ) -> AsyncIterator[pb.WatchSessionResponse]:
        # No queue here: grpc.aio sends one yielded message at a time under HTTP/2 flow
        # control, so a slow reader holds the generator back instead of growing a buffer.
        started = time.perf_counter()
        try:
            actor = require_user()
            stream = self._need("event_stream")
            after_seq = request.after_seq if request.HasField("after_seq") else None
            items = stream.watch(actor, request.session_id, after_seq)
            try:
                async for item in items:
                    yield item_message(item)
            finally:
                await items.aclose()
        except DomainError as error:
            status = status_for(error)
        except Exception:
            log.exception("WatchSession failed (request_id=%s)", request_id.get())
            status = internal_status()
        else:
            log.info(
                "rpc WatchSession OK %.1f ms request_id=%s",
                (time.perf_counter() - started) * 1000,
                request_id.get(),
            )
            return
        await context.abort_with_status(status)

    @unary
    async def GetRealtimeToken(
        self, request: pb.GetRealtimeTokenRequest, context: Context
    ) -> pb.GetRealtimeTokenResponse:
        answer = await self._need("realtime_auth").ably_token(require_user())
        return pb.GetRealtimeTokenResponse(
            token_request=token_request(answer.get("tokenRequest") or {})
        )

    @unary
    async def GetNotificationPreferences(
        self, request: pb.GetNotificationPreferencesRequest, context: Context
    ) -> pb.GetNotificationPreferencesResponse:
        values = await self._need("notification_prefs").get(require_user())
        return pb.GetNotificationPreferencesResponse(preferences=preferences_message(values))

    @unary
    async def UpdateNotificationPreferences(
        self, request: pb.UpdateNotificationPreferencesRequest, context: Context
    ) -> pb.UpdateNotificationPreferencesResponse:
        patch = {
            key: getattr(request, field)
            for field, key in PREFERENCE_FIELDS
            if request.HasField(field)
        }
        values = await self._need("notification_prefs").update(require_user(), patch)
        return pb.UpdateNotificationPreferencesResponse(preferences=preferences_message(values))
