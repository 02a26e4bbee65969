"""Calling the SessionService from a request: app state, metadata forwarding, error mapping."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from aiohttp import web
from grpc_health.v1 import health_pb2_grpc

from mwf.v1 import (
    conversation_service_pb2_grpc,
    realtime_service_pb2_grpc,
    session_service_pb2_grpc,
)
from rest_gateway.errors import from_rpc_error

SESSION_STUB = web.AppKey("session_stub", session_service_pb2_grpc.SessionServiceStub)
CONVERSATION_STUB = web.AppKey(
    "conversation_stub", conversation_service_pb2_grpc.ConversationServiceStub
)
REALTIME_STUB = web.AppKey("realtime_stub", realtime_service_pb2_grpc.RealtimeServiceStub)
HEALTH_STUB = web.AppKey("health_stub", health_pb2_grpc.HealthStub)
RPC_TIMEOUT = web.AppKey("rpc_timeout", float)
HEALTH_TIMEOUT = web.AppKey("health_timeout", float)
REQUEST_ID = web.RequestKey("request_id", str)

# The gateway never checks identity itself: the server's auth interceptor reads these.
FORWARDED_HEADERS = ("authorization", "x-e2e-user-id", "x-e2e-user-email", "x-e2e-fixture-id")

# gRPC rejects metadata values outside printable ASCII (the whole call would fail with
# INTERNAL), so such headers are dropped; a dropped token then reads as "not signed in".
_METADATA_SAFE = re.compile(r"[\x20-\x7e]{1,8192}")
# A client request id is echoed into logs and headers: accept only a tame shape.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

Resp = TypeVar("Resp")


def choose_request_id(request: web.Request) -> str:
    supplied = request.headers.get("X-Request-Id", "")
    return supplied if _CLIENT_REQUEST_ID.fullmatch(supplied) else str(uuid.uuid4())


def outgoing_metadata(request: web.Request) -> tuple[tuple[str, str], ...]:
    pairs = [
        (name, value)
        for name in FORWARDED_HEADERS
        if (value := request.headers.get(name, "")) and _METADATA_SAFE.fullmatch(value)
    ]
    pairs.append(("x-request-id", request[REQUEST_ID]))
    return tuple(pairs)


def has_credentials(request: web.Request) -> bool:
    return bool(request.headers.get("authorization") or request.headers.get("x-e2e-user-id"))


def conversation_stub(
    request: web.Request,
) -> conversation_service_pb2_grpc.ConversationServiceStub:
    return request.app[CONVERSATION_STUB]


def realtime_stub(request: web.Request) -> realtime_service_pb2_grpc.RealtimeServiceStub:
    return request.app[REALTIME_STUB]


def stub(request: web.Request) -> session_service_pb2_grpc.SessionServiceStub:
    return request.app[SESSION_STUB]


async def call(request: web.Request, method: Callable[..., Awaitable[Resp]], message: Any) -> Resp:
    """One unary RPC with the caller's metadata; failures become ApiError."""
    try:
        return await method(
            message, metadata=outgoing_metadata(request), timeout=request.app[RPC_TIMEOUT]
        )
    except grpc.aio.AioRpcError as err:
        raise from_rpc_error(err) from None


def channel_stubs(channel: grpc.aio.Channel, app: web.Application) -> None:
    """One stub per service on the shared channel (stubs are cheap; the channel is not)."""
    app[SESSION_STUB] = session_service_pb2_grpc.SessionServiceStub(channel)
    app[CONVERSATION_STUB] = conversation_service_pb2_grpc.ConversationServiceStub(channel)
    app[REALTIME_STUB] = realtime_service_pb2_grpc.RealtimeServiceStub(channel)
    app[HEALTH_STUB] = health_pb2_grpc.HealthStub(channel)
