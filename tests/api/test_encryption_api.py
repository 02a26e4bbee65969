"""Field encryption over the real stack (gRPC server + gateway, SQLite and PostgreSQL) with
FIELD_ENCRYPTION_KEY set: people's words are ciphertext in the database and plaintext in the
API; a wrong key refuses to start; an undecryptable row fails the request, never shows as ''."""

from __future__ import annotations

import json
import logging
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
from mwf_core.adapters.db.encrypted_fields import ENCRYPTED_FIELDS, Kind, use_cipher

from ..crypto_helpers import b64, new_key
from .conftest import close_stack, open_stack
from .empathy_helpers import reveal_both, share
from .harness import Stack, both_at_stage1
from .journey import Pair, both_at_stage2
from .stage4_helpers import NOTE, all_willing_and_shared, seeded

KEY = new_key()
SAID = "Kestrel-42: I do all the chores and nobody notices."
EMPATHY = "Lapwing-31: I imagine you felt alone when I kept working late."
B_EMPATHY = "Bittern-64: I think you were worried we were drifting apart."
FEEDBACK = "Sandpiper-12: it was more that my effort went unnoticed."

READING = "Curlew-58: my chest went tight when the rota came up"
# Every column field encryption covers (the registry itself is pinned by the unit tests).
ENCRYPTED = [
    (spec.table, column, kind)
    for spec in ENCRYPTED_FIELDS.values()
    for column, kind in spec.fields.items()
]


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
    return [
        row["v"] if isinstance(row["v"], str) else json.dumps(row["v"])
        for row in rows
        if row["v"] is not None
    ]


async def send(stack: Stack, session_id: str, user: str, content: str) -> str:
    response = await stack.http.post(
        f"/api/sessions/{session_id}/messages/stream",
        data=json.dumps({"content": content}),
        headers={**stack.auth(user), "Content-Type": "application/json"},
    )
    text = await response.text()
    assert response.status == 200, text
    return text


async def only_envelopes(stack: Stack, *words: str) -> dict[str, int]:
    """Every encrypted column holds envelopes under KEY and none of `words`; the number of
    values per `table.column`."""
    cipher = FieldCipher(KEY)
    counts: dict[str, int] = {}
    for table, column, kind in ENCRYPTED:
        values = await stored(stack, table, column)
        counts[f"{table}.{column}"] = len(values)
        for value in values:
            envelope = json.loads(value) if kind is Kind.JSON else value
            assert isinstance(envelope, str) and envelope.startswith("enc:v1:"), (table, column)
            assert is_encrypted(envelope) and cipher.is_current(envelope, f"{table}.{column}")
            for secret in words:
                assert secret not in value, (table, column)
    return counts


def grpc_stub(stack: Stack) -> conversation_service_pb2_grpc.ConversationServiceStub:
    return conversation_service_pb2_grpc.ConversationServiceStub(stack.channel)


async def test_database_holds_ciphertext_and_the_api_plaintext(encrypted: Stack) -> None:
    stack = encrypted
    pair: Pair = await both_at_stage2(stack)
    await send(stack, pair.session_id, "alice", SAID)
    await share(stack, pair, "alice", EMPATHY)
    await stack.ok(
        "POST",
        pair.path("/empathy/validation-feedback/draft"),
        "bob",
        {"content": FEEDBACK, "readyToShare": False},
    )
    await share(stack, pair, "bob", B_EMPATHY)
    await reveal_both(stack, pair)
    await stack.ok(
        "POST", pair.path("/empathy/validate"), "bob", {"validated": False, "feedback": FEEDBACK}
    )
    await stack.container.reconciler.drain()
    await stack.container.enrichment.drain()

    # REST and gRPC return plaintext.
    listed = await stack.ok("GET", pair.path("/messages?limit=500"), "alice")
    assert SAID in [m["content"] for m in listed["messages"]]
    reply = await grpc_stub(stack).ListMessages(
        pb.ListMessagesRequest(session_id=pair.session_id, page_size=500),
        metadata=stack.metadata("alice"),
    )
    assert SAID in [m.content for m in reply.messages]
    draft = await stack.ok("GET", pair.path("/empathy/draft"), "alice")
    assert draft["draft"]["content"] == EMPATHY
    status = await stack.ok("GET", pair.path("/empathy/status"), "alice")
    assert status["myAttempt"]["content"] == EMPATHY
    # Bob's feedback reached Alice's lane (a message row and an outbox payload), readable.
    assert FEEDBACK in [m["content"] for m in listed["messages"]]

    # The database: every covered column holds envelopes only, and none of the words.
    counts = await only_envelopes(
        stack, SAID, EMPATHY, FEEDBACK, "Kestrel-42", "Lapwing-31", "Sandpiper-12", "Bittern-64"
    )
    for written in (
        "messages.content",
        "empathy_drafts.content",
        "empathy_attempts.content",
        "validation_feedback_drafts.content",
        "empathy_validations.feedback",
        "outbox.payload",
    ):
        assert counts[written] > 0, written
    canary = await raw(stack, 'SELECT "value" FROM "field_key_canary"')
    assert len(canary) == 1 and is_encrypted(canary[0]["value"])


async def test_stage_words_are_ciphertext_in_the_database_and_plaintext_in_the_api(
    encrypted: Stack,
) -> None:
    """Topic frame, invitation, readings, needs, proposals and stage-4 notes (through the
    production unit of work and the API) read back as words, and are envelopes at rest."""
    stack = encrypted
    s = await seeded(stack)
    p = s.pair
    await stack.ok("POST", p.path("/emotions"), "alice", {"intensity": 6, "context": READING})
    await all_willing_and_shared(stack, s)

    readings = (await stack.ok("GET", p.path("/emotions"), "alice"))["readings"]
    assert [r["context"] for r in readings] == [READING]
    state = json.dumps(await stack.ok("GET", p.path("/stage4"), "alice"))
    for words in (
        "Walk together twice a week",
        "Try a chore rota for two weeks",
        "Rest after work",
        "Fairness in chores",
    ):
        assert words in state
    assert NOTE in state  # Alice's own note on her selection
    needs = await stack.ok("GET", p.path("/needs"), "alice")
    assert [n["need"] for n in needs["needs"]] == ["Rest after work"]
    invitation = (await stack.ok("GET", p.path("/invitation"), "alice"))["invitation"]
    frame = (await stored(stack, "sessions", "topic_frame"))[0]
    assert FieldCipher(KEY).decrypt(frame, "sessions.topic_frame") == invitation["topicFrame"]

    counts = await only_envelopes(
        stack,
        READING,
        NOTE,
        "Walk together",
        "chore rota",
        "Rest after work",
        "Fairness in chores",
        "Time to myself",
        invitation["topicFrame"],
    )
    for written in (
        "sessions.topic_frame",
        "emotional_readings.context",
        "identified_needs.need",
        "identified_needs.evidence",
        "strategy_proposals.description",
        "stage4_selections.note",
        "stage4_need_coverage.need_label",
    ):
        assert counts[written] > 0, written


async def test_a_wrong_key_refuses_to_start_and_the_right_one_reads(
    db_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = await open_stack(db_url, tmp_path, field_encryption_key=b64(KEY))
    try:
        ids = await both_at_stage1(first)
        await send(first, ids["session_id"], "alice", SAID)
    finally:
        await close_stack(first)
        use_cipher(None)
    with pytest.raises(FieldKeyMismatch) as error:
        await open_stack(db_url, tmp_path, field_encryption_key=b64(new_key()))
    assert str(error.value) == WRONG_KEY
    use_cipher(None)
    with pytest.raises(RuntimeError, match="holds encrypted fields"):
        await open_stack(db_url, tmp_path)  # no key at all
    use_cipher(None)
    # Rotation: a new key with the old one in FIELD_ENCRYPTION_OLD_KEYS starts and reads.
    caplog.set_level(logging.INFO, logger="mwf.crypto")
    rotated = await open_stack(
        db_url,
        tmp_path,
        field_encryption_key=b64(new_key()),
        field_encryption_old_keys=(b64(KEY),),
    )
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
    foreign = FieldCipher(new_key()).encrypt("written with another key", "messages.content")
    await raw(stack, 'UPDATE "messages" SET "content" = {} WHERE "session_id" = {}', foreign, sid)
    code, body = await stack.call("GET", f"/api/sessions/{sid}/messages", "alice")
    assert code == 500 and body["success"] is False
    assert body["error"]["code"] == "INTERNAL_ERROR"
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await grpc_stub(stack).ListMessages(
            pb.ListMessagesRequest(session_id=sid), metadata=stack.metadata("alice")
        )
    assert error.value.code() == grpc.StatusCode.INTERNAL


async def test_without_a_key_the_stack_stores_plaintext_and_says_so(
    stack: Stack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = " ".join(r.getMessage() for r in caplog.get_records("setup"))
    assert "field encryption OFF" in started
    ids = await both_at_stage1(stack)
    await send(stack, ids["session_id"], "alice", SAID)
    assert SAID in await stored(stack, "messages", "content")
    assert await raw(stack, 'SELECT "id" FROM "field_key_canary"') == []
