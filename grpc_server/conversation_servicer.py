"""ConversationService: the lane, the greeting, feel-heard, and the streamed turn."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import struct_pb2

from mwf.v1 import conversation_service_pb2 as pb
from mwf.v1 import conversation_service_pb2_grpc, types_pb2
from mwf_core.bootstrap import Container
from mwf_core.domain.errors import DomainError
from mwf_core.usecases.conversation import SendRequest
from mwf_core.usecases.turn_events import (
    ReplyChunk,
    ReplyFailed,
    ReplyMetadata,
    ReplyStored,
    ReplyTextComplete,
    TurnEvent,
    UserMessageStored,
)

from . import convert
from .errors import internal_status, status_for
from .handlers import unary
from .interceptors import request_id, require_user

log = logging.getLogger("mwf.grpc")
Context = grpc.aio.ServicerContext


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    return convert.struct(values)


def event_message(event: TurnEvent) -> pb.SendMessageResponse:
    match event:
        case UserMessageStored(message=message):
            return pb.SendMessageResponse(user_message=pb.UserMessageEvent(
                id=message.id, content=message.content,
                create_time=convert.timestamp(message.timestamp)))
        case ReplyChunk(text=text):
            return pb.SendMessageResponse(chunk=pb.ChunkEvent(text=text))
        case ReplyMetadata(metadata=metadata):
            return pb.SendMessageResponse(metadata=pb.MetadataEvent(metadata=_struct(metadata)))
        case ReplyTextComplete(metadata=metadata):
            return pb.SendMessageResponse(
                text_complete=pb.TextCompleteEvent(metadata=_struct(metadata)))
        case ReplyStored(message_id=message_id, metadata=metadata):
            return pb.SendMessageResponse(complete=pb.CompleteEvent(
                message_id=message_id, metadata=_struct(metadata)))
        case ReplyFailed(message=text, retryable=retryable, user_message_id=user_message_id):
            return pb.SendMessageResponse(error=pb.ErrorEvent(
                message=text, retryable=retryable, user_message_id=user_message_id))
    raise TypeError(f"unknown turn event {event!r}")


def _fixture_id(context: Context) -> str:
    metadata = dict(context.invocation_metadata() or ())
    value = metadata.get("x-e2e-fixture-id", "")
    return value if isinstance(value, str) else ""


class ConversationServicer(conversation_service_pb2_grpc.ConversationServiceServicer):
    def __init__(self, container: Container) -> None:
        self._c = container

    async def SendMessage(self, request: pb.SendMessageRequest, context: Context
                          ) -> AsyncIterator[pb.SendMessageResponse]:
        started = time.perf_counter()
        try:
            actor = require_user()
            events = self._c.conversation.send(actor, SendRequest(
                session_id=request.session_id, content=request.content,
                request_id=request.request_id, refining_need_id=request.refining_need_id,
                fixture_id=_fixture_id(context),
            ))
            async for event in events:
                yield event_message(event)
        except DomainError as error:
            status = status_for(error)
        except Exception:
            log.exception("SendMessage failed (request_id=%s)", request_id.get())
            status = internal_status()
        else:
            log.info("rpc SendMessage OK %.1f ms request_id=%s",
                     (time.perf_counter() - started) * 1000, request_id.get())
            return
        await context.abort_with_status(status)

    @unary
    async def ListMessages(self, request: pb.ListMessagesRequest, context: Context
                           ) -> pb.ListMessagesResponse:
        before = convert.datetime_of(request, "before_time")
        after = convert.datetime_of(request, "after_time")
        messages, has_more = await self._c.messages.list(
            require_user(), request.session_id, request.page_size, before, after,
            request.oldest_first,
        )
        return pb.ListMessagesResponse(messages=[convert.message(m) for m in messages],
                                       has_more=has_more)

    @unary
    async def GetInitialMessage(self, request: pb.GetInitialMessageRequest, context: Context
                                ) -> pb.GetInitialMessageResponse:
        message = await self._c.messages.initial(require_user(), request.session_id,
                                                 _fixture_id(context))
        return pb.GetInitialMessageResponse(message=convert.message(message))

    @unary
    async def ConfirmFeelHeard(self, request: pb.ConfirmFeelHeardRequest, context: Context
                               ) -> pb.ConfirmFeelHeardResponse:
        result = await self._c.messages.confirm_feel_heard(
            require_user(), request.session_id, request.confirmed, request.feedback)
        response = pb.ConfirmFeelHeardResponse(
            confirmed=result.confirmed,
            confirm_time=convert.timestamp(result.confirmed_at),
            can_advance=result.can_advance,
            partner_completed=result.partner_completed,
            reconciler_triggered=result.reconciler_triggered,
        )
        if result.transition is not None:
            response.transition_message.CopyFrom(convert.message(result.transition))
            response.advanced_to_stage = types_pb2.STAGE_PERSPECTIVE_STRETCH
        return response
