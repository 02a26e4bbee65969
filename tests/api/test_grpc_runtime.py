"""The gRPC runtime around the servicer: health, reflection, shutdown, request ids, surprises,
and the auth interceptor on every method arity."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from grpc_server.interceptors import AuthInterceptor, current_user, request_id
from grpc_server.server import start_grpc_server
from mwf.v1 import session_service_pb2
from mwf.v1 import sessions_pb2 as pb
from mwf_core.adapters.auth import DevTokenVerifier, mint_dev_token

from .conftest import close_stack, open_stack
from .grpc_helpers import UNAUTHENTICATED, fails, read_failure
from .harness import DEV_SECRET, Stack

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SESSION_SERVICE = "mwf.v1.SessionService"


# --- health and reflection, open to everyone -----------------------------------------------


@pytest.mark.parametrize("service", ["", SESSION_SERVICE])
@pytest.mark.parametrize("metadata", [(), (("authorization", "Bearer garbage"),)],
                         ids=["no-token", "bad-token"])
async def test_health_serving_without_a_token(sqlite_stack: Stack, service: str,
                                              metadata: tuple) -> None:
    health = health_pb2_grpc.HealthStub(sqlite_stack.channel)
    answer = await health.Check(health_pb2.HealthCheckRequest(service=service),
                                metadata=metadata, timeout=5)
    assert answer.status == SERVING


async def test_health_unknown_service(sqlite_stack: Stack) -> None:
    health = health_pb2_grpc.HealthStub(sqlite_stack.channel)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await health.Check(health_pb2.HealthCheckRequest(service="mwf.v1.Nope"), timeout=5)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


async def _reflect(channel: grpc.aio.Channel,
                   request: reflection_pb2.ServerReflectionRequest
                   ) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = [r async for r in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    assert len(responses) == 1
    return responses[0]


async def test_reflection_lists_the_services(sqlite_stack: Stack) -> None:
    answer = await _reflect(sqlite_stack.channel,
                            reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in answer.list_services_response.service}
    assert {SESSION_SERVICE, "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection"} <= names


async def test_reflection_describes_session_service(sqlite_stack: Stack) -> None:
    answer = await _reflect(sqlite_stack.channel, reflection_pb2.ServerReflectionRequest(
        file_containing_symbol=SESSION_SERVICE))
    files = [descriptor_pb2.FileDescriptorProto.FromString(raw)
             for raw in answer.file_descriptor_response.file_descriptor_proto]
    services = {s.name: s for f in files if f.package == "mwf.v1" for s in f.service}
    methods = {m.name for m in services["SessionService"].method}
    assert {"GetMe", "CreateSession", "GetInvitation", "ListEmotions"} <= methods
    # Every RPC of the contract is served, and nothing else.
    declared = session_service_pb2.DESCRIPTOR.services_by_name["SessionService"].methods
    assert methods == {m.name for m in declared} and len(methods) > 70


# --- graceful shutdown ---------------------------------------------------------------------


async def test_graceful_shutdown_reports_not_serving_and_drains(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack = await open_stack(sqlite_url, tmp_path)
    running = await start_grpc_server(stack.container, "127.0.0.1", 0)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    entered, release = asyncio.Event(), asyncio.Event()
    in_flight: asyncio.Future[Any] | None = None
    try:
        original = stack.container.identity.me

        async def slow_me(actor: Any) -> Any:
            entered.set()
            await release.wait()
            return await original(actor)

        monkeypatch.setattr(stack.container.identity, "me", slow_me)
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
        assert (await asyncio.wait_for(watch.read(), 5)).status == SERVING
        stub = type(stack.stub)(channel)
        in_flight = asyncio.ensure_future(stub.GetMe(pb.GetMeRequest(),
                                                     metadata=stack.metadata("alice")))
        await asyncio.wait_for(entered.wait(), 5)

        started = time.monotonic()
        stopping = asyncio.create_task(running.stop(5.0))
        assert (await asyncio.wait_for(watch.read(), 5)).status == NOT_SERVING
        watch.cancel()
        assert not in_flight.done()
        release.set()
        me = await asyncio.wait_for(in_flight, 5)
        assert me.user.name == "Alice"
        await asyncio.wait_for(stopping, 10)
        assert time.monotonic() - started < 4.0, "stop waited out the grace instead of draining"

        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.GetMe(pb.GetMeRequest(), metadata=stack.metadata("alice"), timeout=3)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        release.set()
        if in_flight is not None and not in_flight.done():
            in_flight.cancel()
        await channel.close()
        await running.stop(0)
        await close_stack(stack)


# --- request ids -----------------------------------------------------------------------------


@pytest.fixture
def seen_request_ids(sqlite_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = sqlite_stack.container.identity.me

    async def me(actor: Any) -> Any:
        seen.append(request_id.get())
        return await original(actor)

    monkeypatch.setattr(sqlite_stack.container.identity, "me", me)
    return seen


async def test_request_id_from_metadata_reaches_the_handler(
    sqlite_stack: Stack, seen_request_ids: list[str],
) -> None:
    md = sqlite_stack.metadata("alice")
    await sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=(*md, ("x-request-id", "req-42")))
    await sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=(*md, ("x-request-id", "r" * 300)))
    await sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=md)
    assert seen_request_ids[:2] == ["req-42", "r" * 128]
    assert len(seen_request_ids[2]) == 32 and seen_request_ids[2] not in seen_request_ids[:2]


async def test_rest_request_id_is_forwarded(sqlite_stack: Stack,
                                            seen_request_ids: list[str]) -> None:
    await sqlite_stack.ok("GET", "/api/auth/me", "alice", headers={"X-Request-Id": "rest-7"})
    assert seen_request_ids == ["rest-7"]


# --- unexpected exceptions -------------------------------------------------------------------


async def test_unexpected_exception_is_a_generic_internal_error(
    sqlite_stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(sqlite_stack.container.sessions, "get", explode)
    md = (*sqlite_stack.metadata("alice"), ("x-request-id", "boom-1"))
    with (caplog.at_level(logging.ERROR, logger="mwf.grpc"),
          pytest.raises(grpc.aio.AioRpcError) as info):
        await sqlite_stack.stub.GetSession(pb.GetSessionRequest(session_id="s"), metadata=md)
    failure = read_failure(info.value)
    assert (failure.code, failure.reason, failure.domain) == (
        grpc.StatusCode.INTERNAL, "INTERNAL_ERROR", "mwf.v1")
    assert failure.message == "Something went wrong" and failure.violations == {}
    visible = [info.value.details() or "", repr(info.value.trailing_metadata())]
    assert not any("secret detail" in text for text in visible)
    assert "request_id=boom-1" in caplog.text and "secret detail" in caplog.text

    status, body = await sqlite_stack.call("GET", "/api/sessions/s", "alice")
    assert (status, body["error"]["code"]) == (500, "INTERNAL_ERROR")
    assert "secret detail" not in str(body)


async def test_verifier_crash_is_internal_not_unauthenticated(
    sqlite_stack: Stack, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def explode(credentials: dict[str, str]) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(sqlite_stack.container.verifier, "verify", explode)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=sqlite_stack.metadata("alice"))
    failure = read_failure(info.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.INTERNAL, "INTERNAL_ERROR")
    assert "secret detail" not in failure.message


# --- the auth interceptor on streaming methods -------------------------------------------------

KINDS = ["unary_stream", "stream_unary", "stream_stream"]


@pytest.fixture
async def probe() -> AsyncIterator[SimpleNamespace]:
    """A tiny server with the real AuthInterceptor and one generic method of each arity."""
    state = SimpleNamespace(ran=[], users=[], channel=None)

    async def ensure_user(identity: Any) -> Any:
        return SimpleNamespace(id=identity.subject)

    async def out_stream(request: bytes, context: Any) -> AsyncIterator[bytes]:
        state.ran.append("unary_stream")
        state.users.append(current_user.get().id)
        yield b"one"
        yield b"two"

    async def in_stream(requests: AsyncIterator[bytes], context: Any) -> bytes:
        state.ran.append("stream_unary")
        state.users.append(current_user.get().id)
        return b"+".join([r async for r in requests])

    async def both(requests: AsyncIterator[bytes], context: Any) -> AsyncIterator[bytes]:
        state.ran.append("stream_stream")
        state.users.append(current_user.get().id)
        async for r in requests:
            yield r

    handlers = {
        "unary_stream": grpc.unary_stream_rpc_method_handler(out_stream),
        "stream_unary": grpc.stream_unary_rpc_method_handler(in_stream),
        "stream_stream": grpc.stream_stream_rpc_method_handler(both),
    }
    server = grpc.aio.server(interceptors=[
        AuthInterceptor(DevTokenVerifier(DEV_SECRET, "development"), ensure_user)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.v1.Probe",
                                                                          handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    state.channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield state
    finally:
        await state.channel.close()
        await server.stop(0)


async def _call_probe(channel: grpc.aio.Channel, kind: str, metadata: tuple) -> list[bytes]:
    method = f"/test.v1.Probe/{kind}"
    if kind == "unary_stream":
        return [r async for r in channel.unary_stream(method)(b"hi", metadata=metadata,
                                                              timeout=5)]
    if kind == "stream_unary":
        return [await channel.stream_unary(method)(iter([b"a", b"b"]), metadata=metadata,
                                                   timeout=5)]
    call = channel.stream_stream(method)(iter([b"a", b"b"]), metadata=metadata, timeout=5)
    return [r async for r in call]


async def _refused_probe(channel: grpc.aio.Channel, kind: str, metadata: tuple) -> None:
    """Opens the call without writing request messages: a write racing the server's early
    status makes grpc.aio report INTERNAL "Internal error from Core" instead of the server's
    status (grpc/grpc#36066, a client-side bug), which would hide what the server answered."""
    method = f"/test.v1.Probe/{kind}"
    if kind == "unary_stream":
        await _call_probe(channel, kind, metadata)
    elif kind == "stream_unary":
        await channel.stream_unary(method)(metadata=metadata, timeout=5)
    else:
        await channel.stream_stream(method)(metadata=metadata, timeout=5).read()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("metadata", [(), (("authorization", "Bearer forged.token.here"),)],
                         ids=["no-token", "bad-token"])
async def test_auth_interceptor_rejects_streaming_calls(probe: SimpleNamespace, kind: str,
                                                        metadata: tuple) -> None:
    await fails(_refused_probe(probe.channel, kind, metadata), *UNAUTHENTICATED)
    assert probe.ran == []


@pytest.mark.parametrize("kind", KINDS)
async def test_auth_interceptor_lets_signed_in_streaming_calls_through(
    probe: SimpleNamespace, kind: str,
) -> None:
    token = mint_dev_token(DEV_SECRET, "alice")
    got = await _call_probe(probe.channel, kind, (("authorization", f"Bearer {token}"),))
    assert got == {"unary_stream": [b"one", b"two"], "stream_unary": [b"a+b"],
                   "stream_stream": [b"a", b"b"]}[kind]
    assert (probe.ran, probe.users) == ([kind], ["alice"])
