"""Stage 21 (the original's "informed empathy" sub-phase of stage 2) survives the contract:
a message stored with stage 21 is listed as 21 over REST and as STAGE_INFORMED_EMPATHY over
gRPC, next to an ordinary stage-1 message that still reads 1 (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from grpc_server import convert
from mwf.v1 import conversation_service_pb2 as pb
from mwf.v1 import conversation_service_pb2_grpc, types_pb2
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.domain.enums import MessageRole
from mwf_core.domain.records import Message

from .harness import Stack, both_at_stage1
from .rest_helpers import user_id


async def _store(stack: Stack, session_id: str, alice: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    async with PiccoloUnitOfWorkFactory(stack.container.engine)() as uow:
        for n, stage in ((1, 1), (2, 21)):
            await uow.messages.add(Message(
                id=f"msg-stage-{stage}", session_id=session_id, sender_id=alice,
                for_user_id=None, role=MessageRole.USER, content=f"said at stage {stage}",
                stage=stage, timestamp=now + timedelta(seconds=n)))
        await uow.commit()


async def test_a_stage_21_message_reads_21_over_rest_and_grpc(stack: Stack) -> None:
    session_id = (await both_at_stage1(stack))["session_id"]
    alice = await user_id(stack, "alice")
    await _store(stack, session_id, alice)

    data = await stack.ok("GET", f"/api/sessions/{session_id}/messages?limit=500", "alice")
    stages = {m["id"]: m["stage"] for m in data["messages"]}
    assert stages["msg-stage-1"] == 1
    assert stages["msg-stage-21"] == 21

    stub = conversation_service_pb2_grpc.ConversationServiceStub(stack.channel)
    listed = await stub.ListMessages(
        pb.ListMessagesRequest(session_id=session_id, page_size=500),
        metadata=stack.metadata("alice"))
    by_id = {m.id: m.stage for m in listed.messages}
    assert by_id["msg-stage-1"] == types_pb2.STAGE_WITNESS
    assert by_id["msg-stage-21"] == types_pb2.STAGE_INFORMED_EMPATHY


def test_server_side_stage_conversion() -> None:
    assert [convert.stage(n) for n in (None, 0, 1, 2, 3, 4)] == [
        types_pb2.STAGE_UNSPECIFIED, types_pb2.STAGE_ONBOARDING, types_pb2.STAGE_WITNESS,
        types_pb2.STAGE_PERSPECTIVE_STRETCH, types_pb2.STAGE_NEED_MAPPING,
        types_pb2.STAGE_STRATEGIC_REPAIR]
    assert convert.stage(21) == types_pb2.STAGE_INFORMED_EMPATHY
