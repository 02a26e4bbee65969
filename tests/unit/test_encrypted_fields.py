"""Field encryption in the record mapping: the registry of encrypted columns (pinned against
the list written out in tests/crypto_helpers.py), `to_row`/`from_row` with and without a
cipher, JSON fields, legacy plaintext, and the telemetry writer that maps its own rows."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from mwf_core.adapters.crypto import FieldCipher, FieldDecryptionError, is_encrypted
from mwf_core.adapters.db.encrypted_fields import (
    ENCRYPTED_FIELDS,
    Kind,
    active_cipher,
    decrypt_row,
    decrypt_value,
    encrypt_row,
    use_cipher,
)
from mwf_core.adapters.db.mapping import from_row, to_row
from mwf_core.adapters.db.tables import ALL_TABLES
from mwf_core.adapters.db.telemetry_repository import activity_from_row, activity_to_row
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus
from mwf_core.domain.enums import MessageRole
from mwf_core.domain.reconciler import ShareOffer, ShareOfferStatus
from mwf_core.domain.records import ConversationMemory, Message, OutboxEvent, User
from mwf_core.domain.telemetry import ActivityStatus, ActivityType, BrainActivity

from ..crypto_helpers import (
    ENCRYPTED_COLUMNS,
    JSON_COLUMNS,
    new_key,
    no_cipher_after,  # noqa: F401  (autouse: no cipher leaks between tests)
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def message(content: str) -> Message:
    return Message("msg_1", "ses_1", "usr_a", None, MessageRole.USER, content, 1, T0)


def test_registry_covers_the_private_fields() -> None:
    """The registry is exactly the list written out by hand in crypto_helpers.py: a column
    added to the registry fails here until it is listed there, and the integration tests then
    write and read it back (they go through that list)."""
    registered = [(spec.table, name) for spec in ENCRYPTED_FIELDS.values() for name in spec.fields]
    assert sorted(registered) == sorted(ENCRYPTED_COLUMNS)
    json_fields = {
        name
        for spec in ENCRYPTED_FIELDS.values()
        for name, kind in spec.fields.items()
        if kind is Kind.JSON
    }
    assert json_fields == JSON_COLUMNS


def test_every_registered_field_is_a_column_of_its_table_and_record() -> None:
    """A typo in the registry would silently leave a column in plaintext."""
    tables = {table._meta.tablename: table for table in ALL_TABLES}
    for record_type, spec in ENCRYPTED_FIELDS.items():
        table = tables[spec.table]
        record_fields = {f.name for f in dataclasses.fields(record_type)}
        assert table._meta.primary_key._meta.name == spec.key, spec.table
        for name in spec.fields:
            assert table._meta.get_column_by_name(name) is not None, (spec.table, name)
            assert name in record_fields, (record_type.__name__, name)


def test_without_a_cipher_rows_are_plaintext_as_before() -> None:
    assert active_cipher() is None
    row = to_row(message("hello"))
    assert row["content"] == "hello"
    assert from_row(Message, row) == message("hello")


def test_to_row_encrypts_and_from_row_decrypts_text_fields() -> None:
    use_cipher(FieldCipher(new_key()))
    row = to_row(message("I felt dismissed"))
    assert is_encrypted(row["content"]) and "dismissed" not in row["content"]
    assert row["id"] == "msg_1" and row["role"] == "USER"  # other columns untouched
    assert from_row(Message, row) == message("I felt dismissed")


def test_optional_fields_stay_null_and_other_records_are_untouched() -> None:
    use_cipher(FieldCipher(new_key()))
    offer = ShareOffer(
        "off_1",
        "ses_1",
        "res_1",
        "usr_b",
        "usr_a",
        ShareOfferStatus.OFFERED,
        T0,
        T0,
        suggested_content="what I could share",
    )
    row = to_row(offer)
    assert is_encrypted(row["suggested_content"])
    assert row["refined_content"] is None and row["shared_content"] is None
    assert row["recommended_action"] == "OFFER_SHARING"  # not a registered field
    assert from_row(ShareOffer, row) == offer
    user = User("usr_a", "sub", "a@example.test", "Alex", None, None, T0, T0)
    assert to_row(user)["email"] == "a@example.test"


def test_json_fields_are_stored_as_an_encrypted_json_string() -> None:
    use_cipher(FieldCipher(new_key()))
    payload = {"message": {"content": "my words", "n": 3, "ok": True, "list": [1, None]}}
    event = OutboxEvent("evt_1", "ses_1", "user:usr_a", "message.ai_response", payload, T0)
    row = to_row(event)
    stored = json.loads(row["payload"])  # what the JSON column holds: a JSON string
    assert isinstance(stored, str) and is_encrypted(stored)
    assert "my words" not in row["payload"]
    # As Piccolo hands it back with load_json=True (the string) and without (raw JSON text).
    assert from_row(OutboxEvent, {**row, "payload": stored}) == event
    assert from_row(OutboxEvent, row) == event
    memory = ConversationMemory(
        "ves_1", "a summary", T0, key_themes=["theme"], notable_facts=[{"fact": "has a sister"}]
    )
    memory_row = to_row(memory)
    assert is_encrypted(memory_row["summary"]) and is_encrypted(
        json.loads(memory_row["key_themes"])
    )
    assert "theme" not in memory_row["key_themes"]
    assert (
        from_row(
            ConversationMemory,
            {**memory_row, "notable_facts": json.loads(memory_row["notable_facts"])},
        )
        == memory
    )


def test_legacy_plaintext_rows_read_with_a_cipher() -> None:
    use_cipher(FieldCipher(new_key()))
    assert from_row(Message, to_row_plain(message("from before the key"))) == message(
        "from before the key"
    )
    legacy = {
        "id": "evt_1",
        "session_id": None,
        "channel": "user:u",
        "name": "x",
        "payload": {"a": 1},
        "created_at": T0,
    }
    assert decrypt_row(OutboxEvent, legacy)["payload"] == {"a": 1}
    assert decrypt_row(OutboxEvent, {**legacy, "payload": '{"a": 2}'})["payload"] == {"a": 2}


def to_row_plain(record: Message) -> dict[str, object]:
    cipher = active_cipher()
    use_cipher(None)
    try:
        return to_row(record)
    finally:
        use_cipher(cipher)


def test_a_bad_value_raises_field_decryption_error_naming_the_column() -> None:
    use_cipher(FieldCipher(new_key()))
    row = to_row(message("secret"))
    use_cipher(FieldCipher(new_key()))  # another key
    with pytest.raises(FieldDecryptionError) as error:
        from_row(Message, row)
    assert error.value.field == "messages.content"
    use_cipher(None)  # encrypted data and no key: an error too, never the ciphertext
    with pytest.raises(FieldDecryptionError, match="FIELD_ENCRYPTION_KEY is unset"):
        from_row(Message, row)


def test_encrypt_row_and_decrypt_value_helpers() -> None:
    cipher = FieldCipher(new_key())
    use_cipher(cipher)
    attempt_row = {"content": "I think you felt alone", "status": EmpathyStatus.HELD.value}
    encrypt_row(EmpathyAttempt, attempt_row)
    assert is_encrypted(attempt_row["content"])
    assert attempt_row["status"] == "HELD"
    assert (
        decrypt_value(Kind.TEXT, "empathy_attempts.content", attempt_row["content"], cipher)
        == "I think you felt alone"
    )
    assert decrypt_value(Kind.JSON, "outbox.payload", None, cipher) is None


def test_logged_prompts_are_encrypted_by_the_telemetry_batch_writer() -> None:
    """Telemetry maps its rows itself (not through mapping.to_row): MWF_LOG_PROMPTS must not
    leave the prompt and the reply in plaintext."""
    use_cipher(FieldCipher(new_key()))
    activity = BrainActivity(
        id="act_1",
        created_at=T0,
        activity_type=ActivityType.LLM_CALL,
        call_type="reply",
        model_id="m",
        status=ActivityStatus.COMPLETED,
        duration_ms=5,
        prompt="I never told anyone about the debt",
        response="That sounds heavy",
    )
    row = activity_to_row(activity)
    assert is_encrypted(row["prompt"]) and is_encrypted(row["response"])
    assert "debt" not in json.dumps(row, default=str)
    assert activity_from_row(row) == activity
