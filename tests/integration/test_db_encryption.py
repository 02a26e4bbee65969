"""Field encryption on both engines: what the database holds (raw SQL) versus what the
repositories return, and legacy plaintext (the startup canary and `mwf reencrypt` are in
test_db_encryption_rotation.py)."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.crypto import FieldCipher, FieldDecryptionError, is_encrypted
from mwf_core.adapters.db import (
    PiccoloUnitOfWorkFactory,
)
from mwf_core.adapters.db.encrypted_fields import ENCRYPTED_FIELDS, Kind, use_cipher
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

from .encrypted_rows import SECRETS as ROW_SECRETS
from .encrypted_rows import PrivateRows, read_private_rows, write_private_rows
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
    "creation": "I want to talk about the holidays",
    "theme": "feeling unappreciated",
    "rationale": "Blake missed how tired Alex is",
    "share_reason": "It would help Blake see the fear",
    "share_focus": "the fear of being left",
    "area_hint": "worries about being left",
    "prompt_seed": "ask about being left",
    "identified": "tiredness after work",
    "misattributed": "anger at Blake",
    "offer_reason": "so Blake knows about the fear",
    "offer_focus": "fear of being left alone",
    **ROW_SECRETS,
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
    private: PrivateRows


async def write_everything(engine: Engine) -> Written:
    """One row of every encrypted kind, through the repositories (inserts and updates)."""
    pair = await seed_pair(engine)
    sid, a, b = pair.session.id, pair.a.id, pair.b.id
    factory = PiccoloUnitOfWorkFactory(engine)
    vessel = UserVessel(
        id=new_id("ves"),
        session_id=sid,
        user_id=a,
        created_at=at(0),
        creation_context=SECRETS["creation"],
    )
    message = make_message(sid, a, None, 1, content=SECRETS["message"])
    draft = EmpathyDraft(new_id("emd"), sid, a, "first words", False, 0, at(1), at(1))
    attempt = EmpathyAttempt(
        new_id("att"), sid, a, "first attempt", at(1), EmpathyStatus.HELD, at(1), at(1)
    )
    feedback = ValidationFeedbackDraft(new_id("vfd"), sid, b, "first feedback", False, at(1), at(1))
    memory = ConversationMemory(vessel.id, "first summary", at(1))
    validation = EmpathyValidation(
        new_id("val"),
        attempt.id,
        sid,
        b,
        False,
        at(1),
        feedback=SECRETS["sent_feedback"],
        feedback_shared=True,
    )
    result = ReconcilerResult(
        new_id("res"),
        sid,
        b,
        a,
        at(1),
        recommended_action=RecommendedAction.OFFER_SHARING,
        suggested_share_content=SECRETS["result"],
        alignment_summary=SECRETS["alignment"],
        gap_summary=SECRETS["gap"],
        missed_feelings=[SECRETS["missed"]],
        most_important_gap=SECRETS["most"],
        correctly_identified=[SECRETS["identified"]],
        misattributions=[SECRETS["misattributed"]],
        rationale=SECRETS["rationale"],
        suggested_share_focus=SECRETS["share_focus"],
        area_hint=SECRETS["area_hint"],
        prompt_seed=SECRETS["prompt_seed"],
        suggested_share_reason=SECRETS["share_reason"],
    )
    offer = ShareOffer(
        new_id("off"),
        sid,
        result.id,
        a,
        b,
        ShareOfferStatus.PENDING,
        at(1),
        at(1),
        suggested_content=SECRETS["suggested"],
        suggested_reason=SECRETS["offer_reason"],
        suggested_share_focus=SECRETS["offer_focus"],
    )
    event = make_event(
        sid,
        channel=f"user:{a}",
        name="message.ai_response",
        payload={"sessionId": sid, "message": {"content": SECRETS["payload"]}},
    )
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
    memory = ConversationMemory(
        vessel.id,
        SECRETS["summary"],
        at(2),
        key_themes=[SECRETS["theme"]],
        notable_facts=[{"category": "people", "fact": SECRETS["fact"]}],
    )
    offer = dataclasses.replace(
        offer, refined_content=SECRETS["refined"], shared_content=SECRETS["shared"]
    )
    async with factory() as uow:
        assert await uow.empathy_drafts.update(draft, expected_version=0)
        assert await uow.empathy_attempts.update(attempt, expected_version=0)
        await uow.empathy_validations.save_feedback_draft(feedback)
        await uow.memories.save(memory)
        await uow.reconciler.update_offer(offer)
        await uow.commit()
    private = await write_private_rows(engine, pair, vessel.id)
    return Written(
        pair,
        vessel,
        message.id,
        draft,
        attempt,
        feedback,
        validation,
        memory,
        result,
        offer,
        event.id,
        private,
    )


COLUMNS = (
    ("messages", "content"),
    ("empathy_drafts", "content"),
    ("empathy_attempts", "content"),
    ("validation_feedback_drafts", "content"),
    ("empathy_validations", "feedback"),
    ("conversation_memories", "summary"),
    ("conversation_memories", "key_themes"),
    ("conversation_memories", "notable_facts"),
    ("reconciler_share_offers", "suggested_content"),
    ("reconciler_share_offers", "suggested_reason"),
    ("reconciler_share_offers", "suggested_share_focus"),
    ("reconciler_share_offers", "refined_content"),
    ("reconciler_share_offers", "shared_content"),
    ("reconciler_results", "suggested_share_content"),
    ("reconciler_results", "alignment_summary"),
    ("reconciler_results", "gap_summary"),
    ("reconciler_results", "missed_feelings"),
    ("reconciler_results", "most_important_gap"),
    ("reconciler_results", "suggested_share_reason"),
    ("reconciler_results", "suggested_share_focus"),
    ("reconciler_results", "correctly_identified"),
    ("reconciler_results", "misattributions"),
    ("reconciler_results", "rationale"),
    ("reconciler_results", "area_hint"),
    ("reconciler_results", "prompt_seed"),
    ("outbox", "payload"),
    ("sessions", "topic_frame"),
    ("invitations", "invite_email"),
    ("invitations", "decline_reason"),
    ("user_vessels", "creation_context"),
    ("emotional_readings", "context"),
    ("turns", "reply_metadata"),
    ("identified_needs", "need"),
    ("identified_needs", "evidence"),
    ("strategy_proposals", "description"),
    ("consented_content", "transformed_content"),
    ("agreements", "description"),
    ("agreements", "duration"),
    ("agreements", "measure_of_success"),
    ("stage4_selections", "note"),
    ("stage4_need_coverage", "need_label"),
    ("stage4_proposal_revisions", "previous_description"),
    ("stage4_proposal_revisions", "new_description"),
    ("stage4_proposal_details", "duration"),
    ("stage4_proposal_details", "measure_of_success"),
    ("stage4_closures", "summary"),
    ("brain_activity", "prompt"),
    ("brain_activity", "response"),
)
JSON_COLUMNS = {
    "notable_facts",
    "key_themes",
    "payload",
    "missed_feelings",
    "correctly_identified",
    "misattributions",
    "reply_metadata",
    "evidence",
}


async def stored_values(engine: Engine) -> dict[tuple[str, str], list[str]]:
    """Every encrypted column's values as the database holds them (JSON as text)."""
    found: dict[tuple[str, str], list[str]] = {}
    for table, column in COLUMNS:
        rows = await raw(engine, f'SELECT "{column}" AS "v" FROM "{table}"')
        found[(table, column)] = [
            v if isinstance(v, str) else json.dumps(v)
            for v in (row["v"] for row in rows)
            if v is not None
        ]
    return found


def unwrap(value: str, column: str) -> str:
    """The envelope inside a stored value (a JSON column holds it as a JSON string)."""
    if column in JSON_COLUMNS:
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
        assert await uow.vessels.user_vessel(sid, a) == w.vessel
        assert await uow.reconciler.latest_result(sid, b) == w.result
        assert await uow.reconciler.latest_offer_for(sid, a) == w.offer
        assert await uow.reconciler.offers_for_session(sid) == [w.offer]
        events = await uow.outbox.for_session(sid)
        assert [e.payload for e in events] == [
            {"sessionId": sid, "message": {"content": SECRETS["payload"]}}
        ]
    await read_private_rows(engine, w.private)


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
    await raw(
        db_engine,
        'UPDATE "messages" SET "content" = {} WHERE "id" = {}',
        f"{head}:{base64.b64encode(bytes(flipped)).decode()}",
        w.message_id,
    )
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


def test_every_registered_column_is_checked_here() -> None:
    """A column added to the registry must be written and read back by these tests too."""
    registered = {(spec.table, name) for spec in ENCRYPTED_FIELDS.values() for name in spec.fields}
    assert set(COLUMNS) == registered and len(COLUMNS) == len(registered)
    assert {
        name
        for spec in ENCRYPTED_FIELDS.values()
        for name, kind in spec.fields.items()
        if kind is Kind.JSON
    } == JSON_COLUMNS
