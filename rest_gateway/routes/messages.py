"""The private chat: the lane, the greeting, feel-heard (partner-journey.md §3.4)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import conversation_service_pb2 as conv
from rest_gateway.convert import stage, when
from rest_gateway.errors import ApiError, ok
from rest_gateway.routes.common import Route
from rest_gateway.routes.stream import stream_message
from rest_gateway.rpc import call, conversation_stub
from rest_gateway.shapes import message as message_shape
from rest_gateway.validation import Fields, json_object, path_id


async def list_messages(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(request.query)
    limit = fields.query_integer("limit", default=25, minimum=1, maximum=500)
    before = fields.query_timestamp("before")
    after = fields.query_timestamp("after")
    order = fields.choice("order", ("asc", "desc")) or "desc"
    fields.check()
    message = conv.ListMessagesRequest(session_id=session_id, page_size=limit,
                                       oldest_first=order == "asc")
    if before is not None:
        message.before_time.CopyFrom(before)
    if after is not None:
        message.after_time.CopyFrom(after)
    resp = await call(request, conversation_stub(request).ListMessages, message)
    return ok({"messages": [{**message_shape(m), "refiningNeedId": None} for m in resp.messages],
               "hasMore": resp.has_more})


async def initial_message(request: web.Request) -> web.Response:
    message = conv.GetInitialMessageRequest(session_id=path_id(request))
    resp = await call(request, conversation_stub(request).GetInitialMessage, message)
    return ok({"message": message_shape(resp.message)})


async def feel_heard(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    confirmed = fields.boolean("confirmed", required=True)
    feedback = fields.string("feedback", max_len=500)
    fields.check()
    message = conv.ConfirmFeelHeardRequest(session_id=session_id, confirmed=bool(confirmed),
                                           feedback=feedback or "")
    resp = await call(request, conversation_stub(request).ConfirmFeelHeard, message)
    transition = None
    if resp.HasField("transition_message"):
        m = resp.transition_message
        transition = {"id": m.id, "content": m.content, "timestamp": when(m, "create_time"),
                      "stage": stage(m.stage)}
    return ok({
        "confirmed": resp.confirmed,
        "confirmedAt": when(resp, "confirm_time"),
        "canAdvance": resp.can_advance,
        "partnerCompleted": resp.partner_completed,
        "transitionMessage": transition,
        "advancedToStage": stage(resp.advanced_to_stage),
        # True when the partner's held empathy attempt is now being analysed.
        "reconcilerTriggered": resp.reconciler_triggered,
    })


async def deprecated_send(request: web.Request) -> web.Response:
    raise ApiError(410, "ENDPOINT_DEPRECATED",
                   "Use POST /sessions/:id/messages/stream to send a message")


ROUTES: tuple[Route, ...] = (
    ("POST", "/sessions/{id}/messages/stream", stream_message),
    ("GET", "/sessions/{id}/messages", list_messages),
    ("POST", "/sessions/{id}/messages/initial", initial_message),
    ("POST", "/sessions/{id}/messages", deprecated_send),
    ("POST", "/sessions/{id}/feel-heard", feel_heard),
)
