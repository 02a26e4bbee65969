"""The aiohttp application: middlewares, /health, the API routes and a small runner."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import grpc
from aiohttp import web
from aiohttp.typedefs import Middleware
from grpc_health.v1 import health_pb2

from rest_gateway import routes
from rest_gateway.errors import ApiError, internal_error, route_not_found
from rest_gateway.routes.common import Handler
from rest_gateway.rpc import (
    HEALTH_STUB,
    HEALTH_TIMEOUT,
    REQUEST_ID,
    RPC_TIMEOUT,
    channel_stubs,
    choose_request_id,
    has_credentials,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 100 * 1024  # Express's default JSON limit, which the app was built for
HEALTH_PATHS = ("/health", "/api/health", "/api/v1/health")

# Envelope codes for HTTP errors aiohttp raises by itself (rare: most are caught earlier).
_STATUS_CODES = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 409: "CONFLICT"}


def create_app(
    channel: grpc.aio.Channel,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    rpc_timeout: float = 30.0,
    health_timeout: float = 2.0,
) -> web.Application:
    """The gateway over one shared channel. The caller owns (and closes) the channel."""
    app = web.Application(
        client_max_size=max_body_bytes,
        middlewares=[_request_id_middleware, _envelope_middleware(max_body_bytes)],
    )
    channel_stubs(channel, app)
    app[RPC_TIMEOUT] = rpc_timeout
    app[HEALTH_TIMEOUT] = health_timeout
    for path in HEALTH_PATHS:
        app.router.add_get(path, _health)
    routes.register(app)
    return app


async def run_gateway(
    grpc_target: str,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    shutdown_timeout: float = 10.0,
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve until `stop` is set, then drain for up to `shutdown_timeout` seconds.

    `on_listening` receives the bound port (useful with port 0).
    """
    channel = grpc.aio.insecure_channel(grpc_target)
    try:
        # handler_cancellation: a client that hangs up cancels the handler and with it the
        # upstream RPC, instead of letting the server finish work nobody will read.
        runner = web.AppRunner(
            create_app(channel, max_body_bytes=max_body_bytes),
            handler_cancellation=True,
            shutdown_timeout=shutdown_timeout,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound_port = int(runner.addresses[0][1])
            log.info("REST gateway on http://%s:%d → gRPC %s", host, bound_port, grpc_target)
            if on_listening is not None:
                on_listening(bound_port)
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        await channel.close()


async def _health(request: web.Request) -> web.Response:
    """Liveness of the whole chain; deliberately outside the envelope (the original's shape)."""
    serving = False
    try:
        resp = await request.app[HEALTH_STUB].Check(
            health_pb2.HealthCheckRequest(service=""), timeout=request.app[HEALTH_TIMEOUT]
        )
        serving = resp.status == health_pb2.HealthCheckResponse.SERVING
    except Exception as err:  # any failure on the way means "not serving", never a 500
        log.warning("health check failed: %r", err)
    body = {
        "status": "ok" if serving else "unavailable",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    return web.json_response(body, status=200 if serving else 503)


@web.middleware
async def _request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[REQUEST_ID] = choose_request_id(request)
    response = await handler(request)
    response.headers["X-Request-Id"] = request[REQUEST_ID]
    return response


# Reachable without signing in: health, and the invitation link an invitee opens first. The
# stream route answers its own 401, in the plain (non-envelope) shape the app expects there.
_PUBLIC_ROUTES = frozenset(
    [("GET", path) for path in HEALTH_PATHS]
    + [("GET", f"{prefix}/invitations/{{id}}") for prefix in ("/api", "/api/v1")]
    + [("POST", f"{prefix}/sessions/{{id}}/messages/stream") for prefix in ("/api", "/api/v1")]
    + [("GET", f"{prefix}/sessions/{{id}}/events") for prefix in ("/api", "/api/v1")]
)


def _needs_credentials(request: web.Request) -> bool:
    if request.match_info.http_exception is not None:
        return False  # unknown route or method: the 404/405 says more than a 401 would
    route = request.match_info.route.resource
    path = route.canonical if route is not None else request.path
    return (request.method, path) not in _PUBLIC_ROUTES


def _body_too_large(limit: int) -> ApiError:
    return ApiError(413, "VALIDATION_ERROR", f"Request body exceeds the limit of {limit} bytes")


def _envelope_middleware(max_body_bytes: int) -> Middleware:
    @web.middleware
    async def envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            # Reject on the declared length before reading anything; chunked bodies are
            # caught by client_max_size when a handler reads them.
            if request.content_length is not None and request.content_length > max_body_bytes:
                raise _body_too_large(max_body_bytes)
            if _needs_credentials(request) and not has_credentials(request):
                # Signed-out callers learn nothing about the request's shape: 401 comes
                # before any validation, as in the original app.
                raise ApiError(401, "UNAUTHORIZED", "Authentication required")
            return await handler(request)
        except ApiError as err:
            return err.response()
        except web.HTTPRequestEntityTooLarge:
            return _body_too_large(max_body_bytes).response()
        except web.HTTPMethodNotAllowed as exc:
            # Express answers an unknown method with 404 too; the Allow header still helps.
            response = route_not_found(request.method, request.path).response()
            response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
            return response
        except web.HTTPNotFound:
            return route_not_found(request.method, request.path).response()
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            code = _STATUS_CODES.get(exc.status, "INTERNAL_ERROR")
            return ApiError(exc.status, code, exc.reason).response()
        except Exception:
            # Anything else is a gateway bug: log it with the request id, hide the details.
            log.exception(
                "unhandled error on %s %s (request id %s)",
                request.method,
                request.path,
                request.get(REQUEST_ID),
            )
            return internal_error().response()

    return envelope
