"""Field encryption: the AES-256-GCM cipher and the key settings (the record mapping is in
test_encrypted_fields.py)."""

from __future__ import annotations

import base64
import os
import re
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
from mwf_core.config import Settings

from ..crypto_helpers import (
    b64,
    new_key,
    no_cipher_after,  # noqa: F401  (autouse: no cipher leaks between tests)
)

ENVELOPE = re.compile(r"^enc:v1:([^:]+):([^:]+):([^:]*)$")


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
