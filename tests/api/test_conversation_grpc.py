"""ConversationService over the real stub (SQLite and PostgreSQL): SendMessage events and rich
errors, concurrent duplicate sends, ListMessages, GetInitialMessage, ConfirmFeelHeard, and who
may call each RPC."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from mwf.v1 import conversation_service_pb2 as pb
from mwf.v1 import conversation_service_pb2_grpc, types_pb2
from tests.fakes.scripted_llm import (
    INITIAL,
    REPLY,
    STATE_CAPTURE,
    ScriptedModel,
    block,
    chunks,
    fail,
    text,
    tool,
)

from .grpc_helpers import FORBIDDEN, INVALID, NOT_ACTIVE, NOT_FOUND, UNAUTHENTICATED, fails
from .harness import Stack, both_at_stage1

Events = list[pb.SendMessageResponse]


def stub(stack: Stack) -> conversation_service_pb2_grpc.ConversationServiceStub:
    return conversation_service_pb2_grpc.ConversationServiceStub(stack.channel)


def scripted(stack: Stack) -> ScriptedModel:
    model = ScriptedModel()
    stack.container.conversation._llm = model  # type: ignore[attr-defined]
    stack.container.messages._llm = model  # type: ignore[attr-defined]
    return model


async def send(stack: Stack, user: str | None, session_id: str, content: str,
               request_id: str = "") -> Events:
    call = stub(stack).SendMessage(
        pb.SendMessageRequest(session_id=session_id, content=content, request_id=request_id),
        metadata=stack.metadata(user))
    return [event async for event in call]


def kinds(events: Events) -> list[str]:
    out: list[str] = []
    for event in events:
        kind = event.WhichOneof("event")
        if not (out and out[-1] == kind == "chunk"):
            out.append(kind)
    return out


def reply_text(events: Events) -> str:
    return "".join(e.chunk.text for e in events if e.WhichOneof("event") == "chunk")


async def lane(stack: Stack, user: str, session_id: str) -> list[types_pb2.Message]:
    response = await stub(stack).ListMessages(
        pb.ListMessagesRequest(session_id=session_id, page_size=500),
        metadata=stack.metadata(user))
    return list(response.messages)


SUCCESS = ["user_message", "chunk", "metadata", "text_complete", "complete"]


async def test_send_message_events_in_order(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    model.script(STATE_CAPTURE, tool({"offerFeelHeardCheck": True}))
    model.script(REPLY, chunks("You carry ", "a lot."))
    events = await send(stack, "alice", sid, "I do everything at home.", "g-1")
    assert kinds(events) == SUCCESS
    first = events[0].user_message
    assert first.content == "I do everything at home." and first.id
    assert first.HasField("create_time")
    assert reply_text(events) == "You carry a lot."
    for event in events[-3:]:
        payload = getattr(event, event.WhichOneof("event")).metadata
        assert json_format.MessageToDict(payload) == {"offerFeelHeardCheck": True}
    stored = await lane(stack, "alice", sid)
    assert [(m.id, m.role) for m in stored] == [(first.id, "USER"),
                                                (events[-1].complete.message_id, "AI")]
    assert stored[1].for_user_id and stored[1].sender_id == ""
    assert stored[1].stage == types_pb2.STAGE_WITNESS
    assert await lane(stack, "bob", sid) == []


async def test_model_failure_streams_an_error_event(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    model.script(REPLY, fail(True, after=1))
    events = await send(stack, "alice", sid, "Can you help?", "g-err")
    assert kinds(events) == ["user_message", "chunk", "error"]
    error = events[-1].error
    assert error.retryable is True and error.message
    assert error.user_message_id == events[0].user_message.id
    assert [m.role for m in await lane(stack, "alice", sid)] == ["USER"]
    again = await send(stack, "alice", sid, "Can you help?", "g-err")
    assert kinds(again) == SUCCESS and again[0].user_message.id == error.user_message_id


async def test_send_message_rich_errors(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("GET", "/api/auth/me", "carol")
    scripted(stack)
    await fails(send(stack, None, sid, "hi"), *UNAUTHENTICATED)
    await fails(send(stack, "carol", sid, "hi"), *FORBIDDEN)
    await fails(send(stack, "alice", "no-such-session", "hi"), *NOT_FOUND)
    await fails(send(stack, "alice", sid, ""), *INVALID, fields={"content"})
    await fails(send(stack, "alice", sid, "x" * 5001), *INVALID, fields={"content"})
    await fails(send(stack, "alice", sid, "hi", "r" * 129), *INVALID, fields={"request_id"})
    await send(stack, "alice", sid, "first", "g-same")
    await fails(send(stack, "alice", sid, "second", "g-same"), *INVALID)
    await stack.ok("POST", f"/api/sessions/{sid}/pause", "alice", {"reason": "tea"})
    await fails(send(stack, "bob", sid, "hi"), *NOT_ACTIVE)
    assert [m.content for m in await lane(stack, "alice", sid) if m.role == "USER"] == ["first"]
    assert await lane(stack, "bob", sid) == []


@pytest.mark.parametrize("hold_reply", [False, True], ids=["instant", "slow-model"])
async def test_concurrent_duplicate_sends_store_one_turn(stack: Stack, hold_reply: bool) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    hold = block(after=1, parts=("Take your ", "time."))
    model.script(REPLY, hold if hold_reply else chunks("Take your ", "time."))
    sends = asyncio.gather(*(send(stack, "alice", sid, "We fight about money.", "g-dup")
                             for _ in range(3)))
    if hold_reply:
        await asyncio.wait_for(hold.reached.wait(), 10)
        await asyncio.sleep(0.3)  # the other sends are waiting for the first now
        hold.release.set()
    results = await asyncio.wait_for(sends, 30)
    for events in results:
        assert kinds(events) == SUCCESS, events
        assert reply_text(events) == "Take your time."
    assert len({e[0].user_message.id for e in results}) == 1
    assert len({e[-1].complete.message_id for e in results}) == 1
    assert (model.calls[STATE_CAPTURE], model.calls[REPLY]) == (1, 1)
    assert [m.role for m in await lane(stack, "alice", sid)] == ["USER", "AI"]


async def test_list_messages_pages(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    scripted(stack)
    for n in range(3):
        await send(stack, "alice", sid, f"alice {n}")
    await send(stack, "bob", sid, "bob 0")
    md = stack.metadata("alice")
    everything = await lane(stack, "alice", sid)
    assert [m.role for m in everything] == ["USER", "AI"] * 3
    ids = [m.id for m in everything]
    newest = await stub(stack).ListMessages(
        pb.ListMessagesRequest(session_id=sid, page_size=2), metadata=md)
    assert newest.has_more and [m.id for m in newest.messages] == ids[-2:]
    oldest = await stub(stack).ListMessages(
        pb.ListMessagesRequest(session_id=sid, page_size=2, oldest_first=True), metadata=md)
    assert oldest.has_more and [m.id for m in oldest.messages] == ids[:2]
    after = pb.ListMessagesRequest(session_id=sid, page_size=10, oldest_first=True)
    after.after_time.CopyFrom(everything[3].create_time)
    later = await stub(stack).ListMessages(after, metadata=md)
    assert not later.has_more and [m.id for m in later.messages] == ids[4:]
    before = pb.ListMessagesRequest(session_id=sid)
    before.before_time.CopyFrom(everything[2].create_time)
    assert [m.id for m in (await stub(stack).ListMessages(before, metadata=md)).messages] \
        == ids[:2]
    await fails(stub(stack).ListMessages(pb.ListMessagesRequest(session_id=sid, page_size=501),
                                         metadata=md), *INVALID)
    assert [m.content for m in await lane(stack, "bob", sid) if m.role == "USER"] == ["bob 0"]


async def test_initial_message_and_feel_heard(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    model = scripted(stack)
    model.script(INITIAL, text("Hello Bob. This space is only yours."))
    md = stack.metadata("bob")
    request = pb.GetInitialMessageRequest(session_id=sid)
    first = (await stub(stack).GetInitialMessage(request, metadata=md)).message
    second = (await stub(stack).GetInitialMessage(request, metadata=md)).message
    assert first == second and first.content == "Hello Bob. This space is only yours."
    assert first.role == "AI" and model.calls[INITIAL] == 1

    no = await stub(stack).ConfirmFeelHeard(
        pb.ConfirmFeelHeardRequest(session_id=sid, confirmed=False), metadata=md)
    assert (no.confirmed, no.can_advance, no.HasField("transition_message")) == (
        False, False, False)
    assert no.advanced_to_stage == types_pb2.STAGE_UNSPECIFIED
    yes = await stub(stack).ConfirmFeelHeard(
        pb.ConfirmFeelHeardRequest(session_id=sid, confirmed=True, feedback="Yes."), metadata=md)
    assert (yes.confirmed, yes.can_advance, yes.partner_completed) == (True, True, False)
    assert yes.advanced_to_stage == types_pb2.STAGE_PERSPECTIVE_STRETCH
    assert yes.HasField("confirm_time")
    assert yes.transition_message.stage == types_pb2.STAGE_PERSPECTIVE_STRETCH
    assert [m.id for m in await lane(stack, "bob", sid)] == [first.id, yes.transition_message.id]
    assert await lane(stack, "alice", sid) == []
    await fails(stub(stack).ConfirmFeelHeard(
        pb.ConfirmFeelHeardRequest(session_id=sid, confirmed=True, feedback="x" * 501),
        metadata=stack.metadata("alice")), *INVALID, fields={"feedback"})


Call = Callable[[Stack, str | None, str], Awaitable[Any]]


async def _list(stack: Stack, user: str | None, sid: str) -> Any:
    return await stub(stack).ListMessages(pb.ListMessagesRequest(session_id=sid),
                                          metadata=stack.metadata(user))


async def _initial(stack: Stack, user: str | None, sid: str) -> Any:
    return await stub(stack).GetInitialMessage(pb.GetInitialMessageRequest(session_id=sid),
                                               metadata=stack.metadata(user))


async def _feel(stack: Stack, user: str | None, sid: str) -> Any:
    return await stub(stack).ConfirmFeelHeard(
        pb.ConfirmFeelHeardRequest(session_id=sid, confirmed=False),
        metadata=stack.metadata(user))


async def _send(stack: Stack, user: str | None, sid: str) -> Any:
    return await send(stack, user, sid, f"{user} was here")


RPCS: dict[str, Call] = {"ListMessages": _list, "GetInitialMessage": _initial,
                         "ConfirmFeelHeard": _feel, "SendMessage": _send}


@pytest.mark.parametrize("rpc", list(RPCS))
async def test_access_matrix(stack: Stack, rpc: str) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    await stack.ok("GET", "/api/auth/me", "carol")
    scripted(stack)
    call = RPCS[rpc]
    for user in ("alice", "bob"):
        await call(stack, user, sid)
    await fails(call(stack, "carol", sid), *FORBIDDEN)
    await fails(call(stack, None, sid), *UNAUTHENTICATED)
    await fails(call(stack, "alice", "no-such-session"), *NOT_FOUND)
    for user in ("alice", "bob"):
        assert all("carol" not in m.content for m in await lane(stack, user, sid))


async def test_errors_carry_grpc_status_codes(stack: Stack) -> None:
    sid = (await both_at_stage1(stack))["session_id"]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await send(stack, "alice", sid, "   ")
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert await lane(stack, "alice", sid) == []
