"""Stage 4 never shows a partner's needs before both have shared them (SQLite and
PostgreSQL): GET /stage4 below stage 4 is refused, and in stage 4 the partner's needs appear
only once both shared their needs."""

from __future__ import annotations

import json
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict

from mwf.v1 import stage4_pb2 as pb
from tests.unit.stage4_seed import add_need

from .grpc_helpers import fails
from .harness import Stack
from .journey import Pair, both_at_stage, deps_of, jump_to_stage
from .stage4_helpers import outbox

BOBS_NEED = "Bob-private-need-Quokka-58"
ALICES_NEED = "Alice-own-need-Heron-12"


async def share_needs(stack: Stack, pair: Pair, user_id: str) -> None:
    async with deps_of(stack).uow() as uow:
        for row in await uow.progress.for_session(pair.session_id):
            if row.user_id == user_id and row.stage == 3:
                row.gates_satisfied = {**row.gates_satisfied, "needsShared": True}
                await uow.progress.update(row)
        await uow.commit()


async def grpc_state(stack: Stack, pair: Pair, user: str) -> dict[str, Any]:
    got = await stack.stub.GetStage4State(pb.GetStage4StateRequest(
        session_id=pair.session_id), metadata=stack.metadata(user))
    return MessageToDict(got)


async def assert_never_leaked(pair: Pair) -> None:
    for row in await outbox(pair.session_id):
        assert BOBS_NEED not in json.dumps(row["payload"]), row


async def test_stage4_read_below_stage4_is_refused(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    deps = deps_of(stack)
    await add_need(deps, pair.session_id, pair.invitee_id, BOBS_NEED)
    error = await stack.error("GET", pair.path("/stage4"), "alice", status=400,
                              code="VALIDATION_ERROR")
    assert "you are in stage 3, but stage 4 is required" in error["message"]
    assert BOBS_NEED not in json.dumps(error)
    failure = await fails(stack.stub.GetStage4State(pb.GetStage4StateRequest(
        session_id=pair.session_id), metadata=stack.metadata("alice")),
        grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR")
    assert BOBS_NEED not in failure.message
    # Strangers and anonymous callers still get the session rule first.
    await stack.ok("GET", "/api/auth/me", "carol")
    await stack.error("GET", pair.path("/stage4"), "carol", status=403, code="FORBIDDEN")
    await stack.error("GET", pair.path("/stage4"), None, status=401, code="UNAUTHORIZED")
    await assert_never_leaked(pair)


async def test_partner_needs_appear_only_once_both_shared(stack: Stack) -> None:
    pair = await both_at_stage(stack, 3)
    deps = deps_of(stack)
    await add_need(deps, pair.session_id, pair.inviter_id, ALICES_NEED)
    await add_need(deps, pair.session_id, pair.invitee_id, BOBS_NEED)
    # Alice alone reaches stage 4 (her needs shared); Bob has captured but not shared his.
    await jump_to_stage(stack, pair, 4, gates={"needsShared": True}, users=(pair.inviter_id,))
    rest = await stack.ok("GET", pair.path("/stage4"), "alice")
    over_grpc = await grpc_state(stack, pair, "alice")
    for seen in (rest, over_grpc):
        text = json.dumps(seen)
        assert BOBS_NEED not in text
        assert ALICES_NEED in text  # her own needs are hers to see
    # Bob (still in stage 3) cannot read stage 4 at all, so Alice's needs stay hidden too.
    await stack.error("GET", pair.path("/stage4"), "bob", status=400, code="VALIDATION_ERROR")
    await assert_never_leaked(pair)

    await share_needs(stack, pair, pair.invitee_id)
    rest = await stack.ok("GET", pair.path("/stage4"), "alice")
    assert BOBS_NEED in json.dumps(rest["walkthrough"]["partnerNeeds"])
    assert BOBS_NEED in json.dumps(await grpc_state(stack, pair, "alice"))
