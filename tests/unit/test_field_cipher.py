"""Field encryption: the AES-256-GCM cipher, the key settings, and the record mapping."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from mwf_core.adapters.crypto import (
    FieldCipher,
    FieldDecryptionError,
    FieldEncryptionConfigError,
    cipher_from_settings,
    is_encrypted,
    parse_key,
)
from mwf_core.adapters.crypto.factory import cipher_for
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
from mwf_core.config import Settings
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyStatus
from mwf_core.domain.enums import MessageRole
from mwf_core.domain.reconciler import ShareOffer, ShareOfferStatus
from mwf_core.domain.records import ConversationMemory, Message, OutboxEvent, User
from mwf_core.domain.telemetry import ActivityStatus, ActivityType, BrainActivity

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ENVELOPE = re.compile(r"^enc:v1:([^:]+):([^:]+):([^:]*)$")


def new_key() -> bytes:
    return os.urandom(32)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture(autouse=True)
def no_cipher_after() -> Iterator[None]:
    yield
    use_cipher(None)


# --- the cipher --------------------------------------------------------------------------------


def test_round_trip_of_text_empty_and_unicode() -> None:
    cipher = FieldCipher(new_key())
    for text in ("I felt unheard at dinner", "", "Ça va? 💬 \n\t multi\nline", "x" * 10_000):
        stored = cipher.encrypt(text, "messages.content")
        assert is_encrypted(stored)
        assert text not in stored or text == ""
        assert cipher.decrypt(stored, "messages.content") == text


def test_format_is_iv_tag_ciphertext_in_base64_with_a_fresh_iv_each_time() -> None:
    cipher = FieldCipher(new_key())
    first, second = (cipher.encrypt("same words", "messages.content") for _ in range(2))
    assert first != second
    for stored in (first, second):
        match = ENVELOPE.match(stored)
        assert match is not None
        iv, tag, ciphertext = (base64.b64decode(part) for part in match.groups())
        assert (len(iv), len(tag), len(ciphertext)) == (12, 16, len("same words"))


@pytest.mark.parametrize("part", [0, 1, 2])
def test_tampering_with_iv_tag_or_ciphertext_is_an_error(part: int) -> None:
    cipher = FieldCipher(new_key())
    stored = cipher.encrypt("private words", "messages.content")
    pieces = stored[len("enc:v1:") :].split(":")
    raw = bytearray(base64.b64decode(pieces[part]))
    raw[0] ^= 0x01
    pieces[part] = base64.b64encode(bytes(raw)).decode()
    tampered = "enc:v1:" + ":".join(pieces)
    with pytest.raises(FieldDecryptionError) as error:
        cipher.decrypt(tampered, "messages.content")
    assert error.value.field == "messages.content"


def test_a_value_moved_to_another_column_does_not_decrypt() -> None:
    cipher = FieldCipher(new_key())
    stored = cipher.encrypt("my private draft", "empathy_drafts.content")
    with pytest.raises(FieldDecryptionError):
        cipher.decrypt(stored, "empathy_attempts.content")


def test_legacy_plaintext_passes_through_even_when_it_starts_like_an_envelope() -> None:
    cipher = FieldCipher(new_key())
    for text in ("written before the key", "enc:v1:not really", "enc:v1:a:b:c", ""):
        assert not is_encrypted(text)
        assert cipher.decrypt(text, "messages.content") == text


def test_truncated_envelope_with_valid_shape_is_an_error() -> None:
    cipher = FieldCipher(new_key())
    stored = cipher.encrypt("abcdefgh", "messages.content")
    truncated = stored[: stored.rindex(":") + 1] + base64.b64encode(b"abc").decode()
    assert is_encrypted(truncated)
    with pytest.raises(FieldDecryptionError):
        cipher.decrypt(truncated, "messages.content")


def test_wrong_key_is_an_error_never_an_empty_string() -> None:
    stored = FieldCipher(new_key()).encrypt("secret", "messages.content")
    with pytest.raises(FieldDecryptionError, match="no configured key fits"):
        FieldCipher(new_key()).decrypt(stored, "messages.content")


def test_old_keys_decrypt_and_the_key_that_fitted_is_reported() -> None:
    old, older, current = new_key(), new_key(), new_key()
    from_old = FieldCipher(old).encrypt("said last year", "messages.content")
    from_older = FieldCipher(older).encrypt("said before", "messages.content")
    cipher = FieldCipher(current, [old, older])
    assert cipher.decrypt(from_old, "messages.content") == "said last year"
    assert (
        cipher.decrypt_with_key_id(from_older, "messages.content")[1] == FieldCipher(older).key_id
    )
    assert not cipher.is_current(from_old, "messages.content")
    assert cipher.is_current(cipher.encrypt("new", "messages.content"), "messages.content")
    assert not cipher.is_current("plaintext", "messages.content")
    # New values always use the current key.
    fresh = cipher.encrypt("today", "messages.content")
    with pytest.raises(FieldDecryptionError):
        FieldCipher(old).decrypt(fresh, "messages.content")
    assert FieldCipher(current).decrypt(fresh, "messages.content") == "today"


# --- keys from settings ------------------------------------------------------------------------


def test_keys_parse_from_standard_and_url_safe_base64() -> None:
    key = bytes(range(200, 232))
    assert parse_key(base64.b64encode(key).decode()) == key
    assert parse_key(base64.urlsafe_b64encode(key).decode().rstrip("=")) == key
    assert parse_key("  " + base64.b64encode(key).decode() + "\n") == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not base64 at all!",
        b64(os.urandom(16)),
        b64(os.urandom(31)),
        b64(os.urandom(33)),
        "c2VjcmV0",
    ],
)
def test_anything_but_32_base64_bytes_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(FieldEncryptionConfigError, match="FIELD_ENCRYPTION_KEY") as error:
        parse_key(text)
    if text.strip():
        assert text.strip() not in str(error.value)


def test_cipher_from_settings() -> None:
    key, old = new_key(), new_key()
    assert cipher_from_settings(None, ()) is None
    assert cipher_from_settings("", "") is None
    cipher = cipher_from_settings(b64(key), (b64(old),))
    assert cipher is not None and cipher.old_key_ids == (FieldCipher(old).key_id,)
    from_comma_list = cipher_from_settings(b64(key), f"{b64(old)}, {b64(new_key())}")
    assert from_comma_list is not None and len(from_comma_list.old_key_ids) == 2
    with pytest.raises(FieldEncryptionConfigError, match="without FIELD_ENCRYPTION_KEY"):
        cipher_from_settings(None, (b64(old),))
    with pytest.raises(FieldEncryptionConfigError, match="FIELD_ENCRYPTION_OLD_KEYS entry 2"):
        cipher_from_settings(b64(key), (b64(old), "short"))


def test_settings_from_the_environment_build_the_cipher() -> None:
    key, old = new_key(), new_key()
    settings = Settings.from_env(
        {"FIELD_ENCRYPTION_KEY": b64(key), "FIELD_ENCRYPTION_OLD_KEYS": f"{b64(old)},"}
    )
    cipher = cipher_for(settings)
    assert cipher is not None
    assert cipher.key_id == FieldCipher(key).key_id
    assert cipher.old_key_ids == (FieldCipher(old).key_id,)


def test_required_or_production_without_a_key_refuses_to_start() -> None:
    assert cipher_for(Settings()) is None
    with pytest.raises(FieldEncryptionConfigError, match="REQUIRE_FIELD_ENCRYPTION"):
        cipher_for(Settings.from_env({"REQUIRE_FIELD_ENCRYPTION": "true"}))
    with pytest.raises(FieldEncryptionConfigError, match="production"):
        cipher_for(Settings(environment="production"))
    with pytest.raises(FieldEncryptionConfigError, match="base64"):
        cipher_for(SimpleNamespace(field_encryption_key="nope", field_encryption_old_keys=()))
    assert (
        cipher_for(Settings(environment="production", field_encryption_key=b64(new_key())))
        is not None
    )


# --- the record mapping ------------------------------------------------------------------------


def message(content: str) -> Message:
    return Message("msg_1", "ses_1", "usr_a", None, MessageRole.USER, content, 1, T0)


def test_registry_covers_the_private_fields() -> None:
    registered = {(spec.table, name) for spec in ENCRYPTED_FIELDS.values() for name in spec.fields}
    assert registered == {
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
        ("reconciler_share_offers", "suggested_reason"),
        ("reconciler_share_offers", "suggested_share_focus"),
        ("reconciler_results", "suggested_share_reason"),
        ("reconciler_results", "suggested_share_focus"),
        ("reconciler_results", "correctly_identified"),
        ("reconciler_results", "misattributions"),
        ("reconciler_results", "rationale"),
        ("reconciler_results", "area_hint"),
        ("reconciler_results", "prompt_seed"),
        ("conversation_memories", "key_themes"),
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
    }


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
