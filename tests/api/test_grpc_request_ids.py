"""AIP-155 request ids over gRPC: a retry with the same id returns the first result."""

from __future__ import annotations

import asyncio
import uuid

from mwf.v1 import sessions_pb2 as pb

from .grpc_helpers import INVALID, create, fails, joined
from .harness import Stack


async def test_create_session_retry_returns_the_first_session(stack: Stack) -> None:
    request_id = str(uuid.uuid4())
    first = await create(stack, request_id=request_id)
    retry = await create(stack, request_id=request_id)
    assert retry.session.id == first.session.id
    assert retry.invitation_id == first.invitation_id
    listed = await stack.stub.ListSessions(pb.ListSessionsRequest(),
                                           metadata=stack.metadata("alice"))
    assert [s.id for s in listed.sessions] == [first.session.id]


async def test_create_session_request_id_with_another_body(stack: Stack) -> None:
    request_id = str(uuid.uuid4())
    await create(stack, request_id=request_id)
    await fails(create(stack, request_id=request_id, context="Something else"), *INVALID,
                fields={"request_id"})


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


async def test_request_id_longer_than_128_is_refused(stack: Stack) -> None:
    await fails(create(stack, request_id="r" * 129), *INVALID, fields={"request_id"})
    ids = await joined(stack)
    await fails(stack.stub.RecordEmotion(
        pb.RecordEmotionRequest(session_id=ids.session_id, intensity=3, request_id="r" * 129),
        metadata=stack.metadata("alice")), *INVALID, fields={"request_id"})
    assert (await create(stack, request_id="r" * 128)).session.id


async def test_concurrent_retries_create_one_session(stack: Stack) -> None:
    request_id = str(uuid.uuid4())
    answers = await asyncio.gather(*(create(stack, request_id=request_id) for _ in range(5)))
    assert len({a.session.id for a in answers}) == 1
    listed = await stack.stub.ListSessions(pb.ListSessionsRequest(),
                                           metadata=stack.metadata("alice"))
    assert len(listed.sessions) == 1


async def test_request_ids_belong_to_their_user(stack: Stack) -> None:
    mine = await create(stack, "alice", request_id="shared-id")
    theirs = await create(stack, "bob", request_id="shared-id")
    assert mine.session.id != theirs.session.id
