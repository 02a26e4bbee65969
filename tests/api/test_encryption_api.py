"""Field encryption over the real stack (gRPC server + gateway, SQLite and PostgreSQL) with
FIELD_ENCRYPTION_KEY set: people's words are ciphertext in the database and plaintext in the
API; a wrong key refuses to start; an undecryptable row fails the request, never shows as ''."""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from piccolo.querystring import QueryString

from mwf.v1 import conversation_service_pb2 as pb
from mwf.v1 import conversation_service_pb2_grpc
from mwf_core.adapters.crypto import FieldCipher, is_encrypted
from mwf_core.adapters.crypto.factory import WRONG_KEY, FieldKeyMismatch
from mwf_core.adapters.db.encrypted_fields import use_cipher

from .conftest import close_stack, open_stack
from .empathy_helpers import reveal_both, share
from .harness import Stack, both_at_stage1
from .journey import Pair, both_at_stage2

KEY = os.urandom(32)
SAID = "Kestrel-42: I do all the chores and nobody notices."
EMPATHY = "Lapwing-31: I imagine you felt alone when I kept working late."
B_EMPATHY = "Bittern-64: I think you were worried we were drifting apart."
FEEDBACK = "Sandpiper-12: it was more that my effort went unnoticed."

# The columns field encryption covers (mwf_core/adapters/db/encrypted_fields.py).
ENCRYPTED = {
    "messages": ("content",),
    "empathy_drafts": ("content",),
    "empathy_attempts": ("content",),
    "validation_feedback_drafts": ("content",),
    "empathy_validations": ("feedback",),
    "conversation_memories": ("summary", "notable_facts"),
    "reconciler_share_offers": ("suggested_content", "refined_content", "shared_content"),
    "reconciler_results": ("suggested_share_content",),
    "outbox": ("payload",),
}


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
async def encrypted(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    opened = await open_stack(db_url, tmp_path, field_encryption_key=b64(KEY))
    try:
        yield opened
    finally:
        await close_stack(opened)
        use_cipher(None)


async def raw(stack: Stack, sql: str, *args: Any) -> list[dict[str, Any]]:
    return await stack.container.engine.run_querystring(QueryString(sql, *args))


async def stored(stack: Stack, table: str, column: str) -> list[str]:
    rows = await raw(stack, f'SELECT "{column}" AS "v" FROM "{table}"')
    return [row["v"] if isinstance(row["v"], str) else json.dumps(row["v"])
            for row in rows if row["v"] is not None]


async def send(stack: Stack, session_id: str, user: str, content: str) -> str:
    response = await stack.http.post(
        f"/api/sessions/{session_id}/messages/stream", data=json.dumps({"content": content}),
        headers={**stack.auth(user), "Content-Type": "application/json"})
    text = await response.text()
    assert response.status == 200, text
    return text


def grpc_stub(stack: Stack) -> conversation_service_pb2_grpc.ConversationServiceStub:
    return conversation_service_pb2_grpc.ConversationServiceStub(stack.channel)


async def test_database_holds_ciphertext_and_the_api_plaintext(encrypted: Stack) -> None:
    stack = encrypted
    pair: Pair = await both_at_stage2(stack)
    await send(stack, pair.session_id, "alice", SAID)
    await share(stack, pair, "alice", EMPATHY)
    await stack.ok("POST", pair.path("/empathy/validation-feedback/draft"), "bob",
                   {"content": FEEDBACK, "readyToShare": False})
    await share(stack, pair, "bob", B_EMPATHY)
    await reveal_both(stack, pair)
    await stack.ok("POST", pair.path("/empathy/validate"), "bob",
                   {"validated": False, "feedback": FEEDBACK})
    await stack.container.reconciler.drain()
    await stack.container.enrichment.drain()

    # REST and gRPC return plaintext.
    listed = await stack.ok("GET", pair.path("/messages?limit=500"), "alice")
    assert SAID in [m["content"] for m in listed["messages"]]
    reply = await grpc_stub(stack).ListMessages(
        pb.ListMessagesRequest(session_id=pair.session_id, page_size=500),
        metadata=stack.metadata("alice"))
    assert SAID in [m.content for m in reply.messages]
    draft = await stack.ok("GET", pair.path("/empathy/draft"), "alice")
    assert draft["draft"]["content"] == EMPATHY
    status = await stack.ok("GET", pair.path("/empathy/status"), "alice")
    assert status["myAttempt"]["content"] == EMPATHY
    # Bob's feedback reached Alice's lane (a message row and an outbox payload), readable.
    assert FEEDBACK in [m["content"] for m in listed["messages"]]

    # The database: every covered column holds envelopes only, and none of the words.
    cipher = FieldCipher(KEY)
    counts: dict[str, int] = {}
    for table, columns in ENCRYPTED.items():
        for column in columns:
            values = await stored(stack, table, column)
            counts[f"{table}.{column}"] = len(values)
            for value in values:
                envelope = json.loads(value) if column in ("payload", "notable_facts") else value
                assert isinstance(envelope, str) and envelope.startswith("enc:v1:")
                assert is_encrypted(envelope) and cipher.is_current(envelope,
                                                                    f"{table}.{column}")
                for words in (SAID, EMPATHY, FEEDBACK, "Kestrel-42", "Lapwing-31",
                              "Sandpiper-12", "Bittern-64"):
                    assert words not in value
    for written in ("messages.content", "empathy_drafts.content", "empathy_attempts.content",
                    "validation_feedback_drafts.content", "empathy_validations.feedback",
                    "outbox.payload"):
        assert counts[written] > 0, written
    canary = await raw(stack, 'SELECT "value" FROM "field_key_canary"')
    assert len(canary) == 1 and is_encrypted(canary[0]["value"])


async def test_a_wrong_key_refuses_to_start_and_the_right_one_reads(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    first = await open_stack(db_url, tmp_path, field_encryption_key=b64(KEY))
    try:
        ids = await both_at_stage1(first)
        await send(first, ids["session_id"], "alice", SAID)
    finally:
        await close_stack(first)
        use_cipher(None)
    with pytest.raises(FieldKeyMismatch) as error:
        await open_stack(db_url, tmp_path, field_encryption_key=b64(os.urandom(32)))
    assert str(error.value) == WRONG_KEY
    use_cipher(None)
    with pytest.raises(RuntimeError, match="holds encrypted fields"):
        await open_stack(db_url, tmp_path)  # no key at all
    use_cipher(None)
    # Rotation: a new key with the old one in FIELD_ENCRYPTION_OLD_KEYS starts and reads.
    caplog.set_level(logging.INFO, logger="mwf.crypto")
    rotated = await open_stack(db_url, tmp_path, field_encryption_key=b64(os.urandom(32)),
                               field_encryption_old_keys=(b64(KEY),))
    try:
        assert "run `mwf reencrypt`" in caplog.text
        listed = await rotated.ok("GET", f"/api/sessions/{ids['session_id']}/messages", "alice")
        assert SAID in [m["content"] for m in listed["messages"]]
    finally:
        await close_stack(rotated)
        use_cipher(None)


async def test_an_undecryptable_row_fails_the_request_instead_of_showing_nothing(
    encrypted: Stack,
) -> None:
    stack = encrypted
    ids = await both_at_stage1(stack)
    sid = ids["session_id"]
    await send(stack, sid, "alice", SAID)
    foreign = FieldCipher(os.urandom(32)).encrypt("written with another key",
                                                  "messages.content")
    await raw(stack, 'UPDATE "messages" SET "content" = {} WHERE "session_id" = {}',
              foreign, sid)
    code, body = await stack.call("GET", f"/api/sessions/{sid}/messages", "alice")
    assert code == 500 and body["success"] is False
    assert body["error"]["code"] == "INTERNAL_ERROR"
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await grpc_stub(stack).ListMessages(pb.ListMessagesRequest(session_id=sid),
                                            metadata=stack.metadata("alice"))
    assert error.value.code() == grpc.StatusCode.INTERNAL


async def test_without_a_key_the_stack_stores_plaintext_and_says_so(
    stack: Stack, caplog: pytest.LogCaptureFixture,
) -> None:
    started = " ".join(r.getMessage() for r in caplog.get_records("setup"))
    assert "field encryption OFF" in started
    ids = await both_at_stage1(stack)
    await send(stack, ids["session_id"], "alice", SAID)
    assert SAID in await stored(stack, "messages", "content")
    assert await raw(stack, 'SELECT "id" FROM "field_key_canary"') == []
