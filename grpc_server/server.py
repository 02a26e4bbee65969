"""The grpc.aio server: services, health, reflection, interceptors and graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from mwf.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    realtime_service_pb2,
    realtime_service_pb2_grpc,
    session_service_pb2,
    session_service_pb2_grpc,
)
from mwf_core.bootstrap import Container

from .conversation_servicer import ConversationServicer
from .interceptors import AuthInterceptor, RequestIdInterceptor
from .realtime_servicer import RealtimeServicer
from .session_servicer import SessionServicer

log = logging.getLogger("mwf.grpc")

SERVICE_NAMES = (
    session_service_pb2.DESCRIPTOR.services_by_name["SessionService"].full_name,
    conversation_service_pb2.DESCRIPTOR.services_by_name["ConversationService"].full_name,
    realtime_service_pb2.DESCRIPTOR.services_by_name["RealtimeService"].full_name,
)
SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass(slots=True)
class RunningServer:
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    port: int

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """NOT_SERVING first, so load balancers stop sending; then drain in-flight calls."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


async def start_grpc_server(container: Container, host: str, port: int) -> RunningServer:
    """Start serving on host:port (port 0 picks a free one) and report SERVING."""
    server = grpc.aio.server(
        interceptors=[
            RequestIdInterceptor(),
            AuthInterceptor(container.verifier, container.identity.ensure_user),
        ],
        options=[("grpc.so_reuseport", 0)],
    )
    session_service_pb2_grpc.add_SessionServiceServicer_to_server(
        SessionServicer(container), server
    )
    conversation_service_pb2_grpc.add_ConversationServiceServicer_to_server(
        ConversationServicer(container), server
    )
    realtime_service_pb2_grpc.add_RealtimeServiceServicer_to_server(
        RealtimeServicer(container), server
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise RuntimeError(f"could not bind the gRPC server to {host}:{port}")
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("gRPC listening on %s:%d", host, bound)
    return RunningServer(server, health_servicer, bound)


async def serve_grpc(container: Container, host: str, port: int, stop: asyncio.Event) -> None:
    running = await start_grpc_server(container, host, port)
    try:
        await stop.wait()
    finally:
        await running.stop()
        await container.close()
