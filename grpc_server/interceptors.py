"""Request id, logging and authentication for every RPC, unary and streaming alike."""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Awaitable, Callable

import grpc

from mwf_core.domain.errors import DomainError, Unauthorized
from mwf_core.domain.records import User
from mwf_core.ports.auth import Identity, TokenVerifier

from .errors import internal_status, status_for

log = logging.getLogger("mwf.grpc")

current_user: contextvars.ContextVar[User | None] = contextvars.ContextVar(
    "current_user", default=None
)
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# Reachable without a token: health, reflection, and the public invitation lookup (an invitee
# opens the link before signing in).
OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
OPTIONAL_AUTH_METHODS = frozenset({"/mwf.v1.SessionService/GetInvitation"})
CREDENTIAL_KEYS = ("authorization", "x-e2e-user-id", "x-e2e-user-email")


def _aborting_handler(handler: grpc.RpcMethodHandler, status: grpc.Status) -> grpc.RpcMethodHandler:
    """A handler of the same arity that only aborts (interceptors cannot abort directly)."""

    async def unary(request: object, context: grpc.aio.ServicerContext) -> None:
        await context.abort_with_status(status)

    async def streaming(request: object, context: grpc.aio.ServicerContext):  # type: ignore[no-untyped-def]
        await context.abort_with_status(status)
        yield  # pragma: no cover - makes this an async generator

    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(streaming, **kwargs)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(unary, **kwargs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(streaming, **kwargs)
    return grpc.unary_unary_rpc_method_handler(unary, **kwargs)


class RequestIdInterceptor(grpc.aio.ServerInterceptor):
    """Takes `x-request-id` from the caller (or makes one) for every log line of the call."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        metadata = dict(details.invocation_metadata or ())
        request_id.set(str(metadata.get("x-request-id") or uuid.uuid4().hex)[:128])
        return await continuation(details)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """Verifies the caller and loads (or creates, on first sight) their User row."""

    def __init__(
        self, verifier: TokenVerifier, ensure_user: Callable[[Identity], Awaitable[User]]
    ) -> None:
        self._verifier = verifier
        self._ensure_user = ensure_user

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        current_user.set(None)
        if handler is None or details.method.startswith(OPEN_PREFIXES):
            return handler
        metadata = {k.lower(): v for k, v in (details.invocation_metadata or ())
                    if isinstance(v, str)}
        credentials = {k: metadata[k] for k in CREDENTIAL_KEYS if metadata.get(k)}
        if not credentials and details.method in OPTIONAL_AUTH_METHODS:
            return handler
        try:
            identity = await self._verifier.verify(credentials)
            current_user.set(await self._ensure_user(identity))
        except DomainError as error:
            if details.method in OPTIONAL_AUTH_METHODS:
                # A stale token must not hide a public page: carry on as anonymous.
                return handler
            log.info("rpc %s %s (%s) request_id=%s", details.method.rsplit("/", 1)[-1],
                     error.code.value, error.message, request_id.get())
            return _aborting_handler(handler, status_for(error))
        except Exception:
            log.exception("authentication failed unexpectedly")
            return _aborting_handler(handler, internal_status())
        return handler


def require_user() -> User:
    user = current_user.get()
    if user is None:
        raise Unauthorized("Authentication required")
    return user
