"""A real grpc.aio server (fake SessionService + real health servicer) and a gateway client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from aiohttp.test_utils import TestClient, TestServer
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from mwf.v1 import session_service_pb2_grpc
from rest_gateway.app import create_app

from .fake_backend import FakeSessionService

# grpc core reads this when it first starts, i.e. with the first server or channel below.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # silences "Got goaway" noise on server.stop

MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@dataclass
class Backend:
    target: str
    service: FakeSessionService
    health: health.aio.HealthServicer

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self.health.set("", status)


@pytest.fixture
async def backend() -> AsyncIterator[Backend]:
    server = grpc.aio.server()
    service = FakeSessionService()
    session_service_pb2_grpc.add_SessionServiceServicer_to_server(service, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    running = Backend(f"127.0.0.1:{port}", service, health_servicer)
    await running.set_serving(True)
    try:
        yield running
    finally:
        await server.stop(None)


SIGNED_IN = "Bearer gateway-test-token"


@pytest.fixture
async def make_client(backend: Backend) -> AsyncIterator[MakeClient]:
    """Builds gateway clients; keyword arguments go to create_app (target overrides the channel)."""
    async with AsyncExitStack() as stack:

        async def make(
            target: str | None = None, signed_in: bool = True, **app_kwargs: Any
        ) -> TestClient[Any, Any]:
            channel = grpc.aio.insecure_channel(target or backend.target)
            stack.push_async_callback(channel.close)
            # Signed in by default: the gateway answers 401 before anything else otherwise.
            headers = {"Authorization": SIGNED_IN} if signed_in else {}
            client: TestClient[Any, Any] = TestClient(
                TestServer(create_app(channel, **app_kwargs)), headers=headers
            )
            await stack.enter_async_context(client)
            return client

        yield make


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient[Any, Any]:
    return await make_client()
