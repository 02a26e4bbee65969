"""Field encryption on both engines: what the database holds (raw SQL) versus what the
repositories return, legacy plaintext, the startup canary, and `mwf reencrypt`."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.crypto import FieldCipher, FieldDecryptionError, is_encrypted
from mwf_core.adapters.crypto.factory import (
    CANARY_LABEL,
    WRONG_KEY,
    FieldKeyMismatch,
    configure_field_encryption,
    read_canary,
)
from mwf_core.adapters.crypto.field_cipher import FieldEncryptionConfigError
from mwf_core.adapters.db import (
    PiccoloUnitOfWorkFactory,
    engine_from_url,
    start_engine,
    stop_engine,
)
from mwf_core.adapters.db.encrypted_fields import active_cipher, use_cipher
from mwf_core.config import Settings
from mwf_core.domain.empathy import (
    EmpathyAttempt,
    EmpathyStatus,
    EmpathyValidation,
    ValidationFeedbackDraft,
)
from mwf_core.domain.reconciler import (
    RecommendedAction,
    ReconcilerResult,
    ShareOffer,
    ShareOfferStatus,
)
from mwf_core.domain.records import ConversationMemory, EmpathyDraft, UserVessel

from .test_repositories import Pair, at, make_event, make_message, new_id, seed_pair

SECRETS = {
    "message": "I felt invisible at the party",
    "draft": "You might have felt cornered",
    "attempt": "I imagine you felt alone on Sunday",
    "feedback": "Not quite: it was more like shame",
    "sent_feedback": "It was more like shame, really",
    "summary": "Alex worries about money",
    "fact": "Alex's sister is ill",
    "suggested": "I was scared of losing you",
    "refined": "I was scared, and I hid it",
    "shared": "I was scared and hid it from you",
    "result": "Tell them about the fear",
    "alignment": "They saw the loneliness",
    "gap": "They missed the fear of losing the house",
    "missed": "dread about the mortgage",
    "most": "the fear under the anger",
    "payload": "private words in an event",
}


def new_key() -> bytes:
    return os.urandom(32)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture(autouse=True)
def no_cipher_after() -> Iterator[None]:
    use_cipher(None)
    yield
    use_cipher(None)


async def raw(engine: Engine, sql: str, *args: Any) -> list[dict[str, Any]]:
    return await engine.run_querystring(QueryString(sql, *args))


@dataclasses.dataclass
class Written:
    pair: Pair
    vessel: UserVessel
    message_id: str
    draft: EmpathyDraft
    attempt: EmpathyAttempt
    feedback: ValidationFeedbackDraft
    validation: EmpathyValidation
    memory: ConversationMemory
    result: ReconcilerResult
    offer: ShareOffer
    event_id: str


async def write_everything(engine: Engine) -> Written:
    """One row of every encrypted kind, through the repositories (inserts and updates)."""
    pair = await seed_pair(engine)
    sid, a, b = pair.session.id, pair.a.id, pair.b.id
    factory = PiccoloUnitOfWorkFactory(engine)
    vessel = UserVessel(id=new_id("ves"), session_id=sid, user_id=a, created_at=at(0))
    message = make_message(sid, a, None, 1, content=SECRETS["message"])
    draft = EmpathyDraft(new_id("emd"), sid, a, "first words", False, 0, at(1), at(1))
    attempt = EmpathyAttempt(new_id("att"), sid, a, "first attempt", at(1),
                             EmpathyStatus.HELD, at(1), at(1))
    feedback = ValidationFeedbackDraft(new_id("vfd"), sid, b, "first feedback", False,
                                       at(1), at(1))
    memory = ConversationMemory(vessel.id, "first summary", at(1))
    validation = EmpathyValidation(new_id("val"), attempt.id, sid, b, False, at(1),
                                   feedback=SECRETS["sent_feedback"], feedback_shared=True)
    result = ReconcilerResult(new_id("res"), sid, b, a, at(1),
                              recommended_action=RecommendedAction.OFFER_SHARING,
                              suggested_share_content=SECRETS["result"],
                              alignment_summary=SECRETS["alignment"], gap_summary=SECRETS["gap"],
                              missed_feelings=[SECRETS["missed"]],
                              most_important_gap=SECRETS["most"])
    offer = ShareOffer(new_id("off"), sid, result.id, a, b, ShareOfferStatus.PENDING, at(1),
                       at(1), suggested_content=SECRETS["suggested"])
    event = make_event(sid, channel=f"user:{a}", name="message.ai_response",
                       payload={"sessionId": sid, "message": {"content": SECRETS["payload"]}})
    async with factory() as uow:
        await uow.vessels.add_user_vessel(vessel)
        await uow.messages.add(message)
        await uow.empathy_drafts.add(draft)
        await uow.empathy_attempts.add(attempt)
        await uow.empathy_validations.save_feedback_draft(feedback)
        await uow.empathy_validations.upsert(validation)
        await uow.memories.save(memory)
        await uow.reconciler.add_result(result)
        await uow.reconciler.add_offer(offer)
        await uow.outbox.add(event)
        await uow.commit()
    # Every update path too: compare-and-set updates, upserts, the memory's replace.
    draft = dataclasses.replace(draft, content=SECRETS["draft"], version=1)
    attempt = dataclasses.replace(attempt, content=SECRETS["attempt"])
    feedback = dataclasses.replace(feedback, content=SECRETS["feedback"])
    memory = ConversationMemory(vessel.id, SECRETS["summary"], at(2),
                                notable_facts=[{"category": "people", "fact": SECRETS["fact"]}])
    offer = dataclasses.replace(offer, refined_content=SECRETS["refined"],
                                shared_content=SECRETS["shared"])
    async with factory() as uow:
        assert await uow.empathy_drafts.update(draft, expected_version=0)
        assert await uow.empathy_attempts.update(attempt, expected_version=0)
        await uow.empathy_validations.save_feedback_draft(feedback)
        await uow.memories.save(memory)
        await uow.reconciler.update_offer(offer)
        await uow.commit()
    return Written(pair, vessel, message.id, draft, attempt, feedback, validation, memory, result,
                   offer, event.id)


COLUMNS = (
    ("messages", "content"),
    ("empathy_drafts", "content"),
    ("empathy_attempts", "content"),
    ("validation_feedback_drafts", "content"),
    ("empathy_validations", "feedback"),
    ("conversation_memories", "summary"),
    ("conversation_memories", "notable_facts"),
    ("reconciler_share_offers", "suggested_content"),
    ("reconciler_share_offers", "refined_content"),
    ("reconciler_share_offers", "shared_content"),
    ("reconciler_results", "suggested_share_content"),
    ("reconciler_results", "alignment_summary"),
    ("reconciler_results", "gap_summary"),
    ("reconciler_results", "missed_feelings"),
    ("reconciler_results", "most_important_gap"),
    ("outbox", "payload"),
)


async def stored_values(engine: Engine) -> dict[tuple[str, str], list[str]]:
    """Every encrypted column's values as the database holds them (JSON as text)."""
    found: dict[tuple[str, str], list[str]] = {}
    for table, column in COLUMNS:
        rows = await raw(engine, f'SELECT "{column}" AS "v" FROM "{table}"')
        found[(table, column)] = [
            v if isinstance(v, str) else json.dumps(v)
            for v in (row["v"] for row in rows) if v is not None
        ]
    return found


def unwrap(value: str, column: str) -> str:
    """The envelope inside a stored value (a JSON column holds it as a JSON string)."""
    if column in ("notable_facts", "payload", "missed_feelings"):
        decoded = json.loads(value)
        assert isinstance(decoded, str), value
        return decoded
    return value


async def read_back(engine: Engine, w: Written) -> None:
    """The repositories return every secret as plaintext."""
    sid, a, b = w.pair.session.id, w.pair.a.id, w.pair.b.id
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        lane = await uow.messages.lane(sid, a, limit=10)
        assert [m.content for m in lane] == [SECRETS["message"]]
        message = await uow.messages.get(w.message_id)
        assert message is not None and message.content == SECRETS["message"]
        assert await uow.empathy_drafts.get(sid, a) == w.draft
        assert await uow.empathy_attempts.by_author(sid, a) == w.attempt
        assert await uow.empathy_attempts.for_session(sid) == [w.attempt]
        assert await uow.empathy_validations.feedback_draft(sid, b) == w.feedback
        assert await uow.empathy_validations.for_session(sid) == [w.validation]
        assert await uow.memories.get(w.vessel.id) == w.memory
        assert await uow.reconciler.latest_result(sid, b) == w.result
        assert await uow.reconciler.latest_offer_for(sid, a) == w.offer
        assert await uow.reconciler.offers_for_session(sid) == [w.offer]
        events = await uow.outbox.for_session(sid)
        assert [e.payload for e in events] == [
            {"sessionId": sid, "message": {"content": SECRETS["payload"]}}]


# --- what the database holds -------------------------------------------------------------------

async def test_raw_sql_shows_only_ciphertext_while_repositories_return_plaintext(
    db_engine: Engine,
) -> None:
    cipher = FieldCipher(new_key())
    use_cipher(cipher)
    w = await write_everything(db_engine)
    stored = await stored_values(db_engine)
    everything = json.dumps(list(stored.values()))
    for secret in SECRETS.values():
        assert secret not in everything
    for (table, column), values in stored.items():
        assert values, (table, column)
        for value in values:
            envelope = unwrap(value, column)
            assert envelope.startswith("enc:v1:") and is_encrypted(envelope), (table, column)
            assert cipher.is_current(envelope, f"{table}.{column}")
    await read_back(db_engine, w)


async def test_without_a_key_rows_are_plaintext_and_readable_after_a_key_is_set(
    db_engine: Engine,
) -> None:
    w = await write_everything(db_engine)  # no cipher: plaintext as before
    stored = json.dumps(list((await stored_values(db_engine)).values()))
    assert "enc:v1:" not in stored
    assert SECRETS["message"] in stored and SECRETS["fact"] in stored
    use_cipher(FieldCipher(new_key()))
    await read_back(db_engine, w)  # legacy plaintext reads as it is


async def test_a_tampered_or_foreign_value_fails_the_read_loudly(db_engine: Engine) -> None:
    use_cipher(FieldCipher(new_key()))
    w = await write_everything(db_engine)
    rows = await raw(db_engine, 'SELECT "content" FROM "messages" WHERE "id" = {}', w.message_id)
    envelope = rows[0]["content"]
    head, tail = envelope.rsplit(":", 1)
    flipped = bytearray(base64.b64decode(tail))
    flipped[0] ^= 0x20
    await raw(db_engine, 'UPDATE "messages" SET "content" = {} WHERE "id" = {}',
              f"{head}:{base64.b64encode(bytes(flipped)).decode()}", w.message_id)
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        with pytest.raises(FieldDecryptionError) as error:
            await uow.messages.get(w.message_id)
    assert error.value.field == "messages.content"
    use_cipher(FieldCipher(new_key()))  # the right shape, the wrong key
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        with pytest.raises(FieldDecryptionError, match="empathy_drafts.content"):
            await uow.empathy_drafts.get(w.pair.session.id, w.pair.a.id)
        with pytest.raises(FieldDecryptionError, match="outbox.payload"):
            await uow.outbox.for_session(w.pair.session.id)


# --- startup: the canary -----------------------------------------------------------------------

async def test_first_start_writes_the_canary_and_later_starts_check_it(
    db_engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    key = new_key()
    caplog.set_level(logging.INFO, logger="mwf.crypto")
    assert await read_canary(db_engine) is None
    cipher = await configure_field_encryption(Settings(field_encryption_key=b64(key)), db_engine)
    assert cipher is not None and active_cipher() is cipher
    assert "field encryption ON" in caplog.text
    canary = await read_canary(db_engine)
    assert canary is not None and is_encrypted(canary)
    assert FieldCipher(key).decrypt(canary, CANARY_LABEL)
    again = await configure_field_encryption(Settings(field_encryption_key=b64(key)), db_engine)
    assert again is not None and await read_canary(db_engine) == canary  # kept, not rewritten


async def test_a_wrong_key_refuses_to_start_with_a_clear_message(db_engine: Engine) -> None:
    await configure_field_encryption(Settings(field_encryption_key=b64(new_key())), db_engine)
    with pytest.raises(FieldKeyMismatch) as error:
        await configure_field_encryption(Settings(field_encryption_key=b64(new_key())),
                                         db_engine)
    assert str(error.value) == WRONG_KEY
    assert "FIELD_ENCRYPTION_OLD_KEYS" in str(error.value) and "key rotation" in str(error.value)
    assert active_cipher() is None  # nothing half-configured


async def test_no_key_on_an_encrypted_database_refuses_to_start(
    db_engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="mwf.crypto")
    assert await configure_field_encryption(Settings(), db_engine) is None
    assert "field encryption OFF" in caplog.text
    await configure_field_encryption(Settings(field_encryption_key=b64(new_key())), db_engine)
    with pytest.raises(FieldEncryptionConfigError, match="holds encrypted fields"):
        await configure_field_encryption(Settings(), db_engine)
    with pytest.raises(FieldEncryptionConfigError, match="REQUIRE_FIELD_ENCRYPTION"):
        await configure_field_encryption(Settings(require_field_encryption=True), db_engine)


async def test_a_key_without_the_canary_table_asks_for_migrations(db_url: str) -> None:
    engine = engine_from_url(db_url)
    await start_engine(engine)
    try:
        with pytest.raises(FieldEncryptionConfigError, match="mwf migrate"):
            await configure_field_encryption(Settings(field_encryption_key=b64(new_key())),
                                             engine)
        assert await configure_field_encryption(Settings(), engine) is None
    finally:
        await stop_engine(engine)
