"""AIP-155 request ids over gRPC: a retry with the same id returns the first result."""

from __future__ import annotations

import uuid

import grpc
import pytest

from mwf.v1 import session_service_pb2 as pb

from .grpc_helpers import INVALID, create, fails, joined
from .harness import Stack

# Observed: both RPCs answer INTERNAL "Something went wrong" as soon as request_id is set;
# the server log shows AttributeError: 'PiccoloUnitOfWork' object has no attribute
# 'idempotency'. Remove the markers once the repository and its table exist.
IDEMPOTENCY_MISSING = (
    "PiccoloUnitOfWork has no `idempotency` repository (and the schema no table for it): "
    "CreateSession/RecordEmotion with a request_id fail with INTERNAL"
)
xfail_idempotency = pytest.mark.xfail(strict=True, raises=grpc.aio.AioRpcError,
                                      reason=IDEMPOTENCY_MISSING)


@xfail_idempotency
async def test_create_session_retry_returns_the_first_session(stack: Stack) -> None:
    request_id = str(uuid.uuid4())
    first = await create(stack, request_id=request_id)
    retry = await create(stack, request_id=request_id)
    assert retry.session.id == first.session.id
    assert retry.invitation_id == first.invitation_id
    listed = await stack.stub.ListSessions(pb.ListSessionsRequest(),
                                           metadata=stack.metadata("alice"))
    assert [s.id for s in listed.sessions] == [first.session.id]


@xfail_idempotency
async def test_create_session_request_id_with_another_body(stack: Stack) -> None:
    request_id = str(uuid.uuid4())
    await create(stack, request_id=request_id)
    await fails(create(stack, request_id=request_id, context="Something else"), *INVALID,
                fields={"request_id"})


@xfail_idempotency
async def test_record_emotion_retry_returns_the_first_reading(stack: Stack) -> None:
    ids, md = await joined(stack), stack.metadata("alice")
    request = pb.RecordEmotionRequest(session_id=ids.session_id, intensity=4, request_id="r-1")
    first = await stack.stub.RecordEmotion(request, metadata=md)
    retry = await stack.stub.RecordEmotion(request, metadata=md)
    assert retry.reading.id == first.reading.id
    listed = await stack.stub.ListEmotions(pb.ListEmotionsRequest(session_id=ids.session_id),
                                           metadata=md)
    assert len(listed.readings) == 1
    other = pb.RecordEmotionRequest(session_id=ids.session_id, intensity=9, request_id="r-1")
    await fails(stack.stub.RecordEmotion(other, metadata=md), *INVALID, fields={"request_id"})
