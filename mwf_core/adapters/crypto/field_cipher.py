"""AES-256-GCM for single text fields: `enc:v1:<iv>:<tag>:<ciphertext>` (each part base64).

A fresh random 12-byte IV per value and the 16-byte GCM tag make every stored value unique and
tamper-evident. The field's name (`table.column`) is bound to the value as associated data, so a
ciphertext copied into another column does not decrypt there. Values are always written with the
current key; reading tries the current key, then each old key (FIELD_ENCRYPTION_OLD_KEYS): the
tag tells which key fits. A value without the prefix is legacy plaintext and passes through.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mwf_core.config import ConfigurationError

PREFIX = "enc:v1:"
KEY_BYTES = 32
IV_BYTES = 12
TAG_BYTES = 16


class FieldEncryptionConfigError(ConfigurationError):
    """The encryption settings are unusable: the service refuses to start."""


class FieldDecryptionError(RuntimeError):
    """A stored value could not be decrypted (wrong key, tampered or truncated value).

    Never turned into an empty string: a read that cannot be trusted fails (INTERNAL)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"cannot decrypt {field}: {reason}")
        self.field = field
        self.reason = reason


def parse_key(text: str, setting: str = "FIELD_ENCRYPTION_KEY") -> bytes:
    """The 32 key bytes of base64 `text` (standard or URL-safe alphabet); anything else is a
    FieldEncryptionConfigError naming the setting (never echoing the value)."""
    cleaned = "".join(text.split())
    help_text = (
        f"{setting} must be the base64 encoding of exactly {KEY_BYTES} random bytes "
        "(generate one with `openssl rand -base64 32`)"
    )
    if not cleaned:
        raise FieldEncryptionConfigError(f"{setting} is empty: {help_text}")
    try:
        standard = cleaned.replace("-", "+").replace("_", "/")
        key = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise FieldEncryptionConfigError(f"{setting} is not valid base64: {help_text}") from None
    if len(key) != KEY_BYTES:
        raise FieldEncryptionConfigError(
            f"{setting} decodes to {len(key)} bytes, not {KEY_BYTES}: {help_text}"
        )
    return key


def key_id(key: bytes) -> str:
    """A short, non-secret fingerprint of a key for logs."""
    return hashlib.sha256(b"mwf-field-key:" + key).hexdigest()[:12]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# The exact shape this module writes: a 12-byte IV (16 base64 characters), a 16-byte tag
# (24 with padding) and the ciphertext (empty for an empty string).
_ENVELOPE = re.compile(
    r"enc:v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:(?:[A-Za-z0-9+/]{4})*"
    r"(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)


def is_encrypted(value: str) -> bool:
    """Whether `value` has the exact shape of an encrypted value. Anything else, even text that
    merely starts with `enc:v1:` (a person may type that), is plaintext."""
    return _ENVELOPE.fullmatch(value) is not None


class FieldCipher:
    """Encrypts with the current key, decrypts with the current key or an old one."""

    def __init__(self, key: bytes, old_keys: Iterable[bytes] = ()) -> None:
        if len(key) != KEY_BYTES:
            raise FieldEncryptionConfigError(f"an AES-256 key has {KEY_BYTES} bytes")
        self._current = AESGCM(key)
        self.key_id = key_id(key)
        self._old: list[tuple[str, AESGCM]] = []
        for old in old_keys:
            if len(old) != KEY_BYTES:
                raise FieldEncryptionConfigError(f"an AES-256 key has {KEY_BYTES} bytes")
            if old != key and key_id(old) not in {k for k, _ in self._old}:
                self._old.append((key_id(old), AESGCM(old)))

    @property
    def old_key_ids(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self._old)

    def encrypt(self, plaintext: str, field: str) -> str:
        iv = os.urandom(IV_BYTES)
        sealed = self._current.encrypt(iv, plaintext.encode("utf-8"), field.encode("utf-8"))
        ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
        return f"{PREFIX}{_b64(iv)}:{_b64(tag)}:{_b64(ciphertext)}"

    def decrypt(self, value: str, field: str) -> str:
        """The plaintext of `value`; legacy plaintext (not an envelope) is returned as it is."""
        if not is_encrypted(value):
            return value
        return self.decrypt_with_key_id(value, field)[0]

    def decrypt_with_key_id(self, value: str, field: str) -> tuple[str, str]:
        """(plaintext, id of the key that fitted) of an encrypted value; raises
        FieldDecryptionError for anything else, plaintext included."""
        iv, sealed = _split(value, field)
        aad = field.encode("utf-8")
        for kid, aes in ((self.key_id, self._current), *self._old):
            try:
                plain = aes.decrypt(iv, sealed, aad)
            except InvalidTag:
                continue
            try:
                return plain.decode("utf-8"), kid
            except UnicodeDecodeError:
                raise FieldDecryptionError(field, "plaintext is not UTF-8") from None
        raise FieldDecryptionError(
            field,
            "no configured key fits (wrong FIELD_ENCRYPTION_KEY, a missing "
            "FIELD_ENCRYPTION_OLD_KEYS entry, or a tampered value)",
        )

    def is_current(self, value: str, field: str) -> bool:
        """Whether `value` is encrypted with the current key (nothing to re-encrypt)."""
        if not is_encrypted(value):
            return False
        return self.decrypt_with_key_id(value, field)[1] == self.key_id


def _split(value: str, field: str) -> tuple[bytes, bytes]:
    if not is_encrypted(value):
        raise FieldDecryptionError(field, "malformed value (expected enc:v1:<iv>:<tag>:<ct>)")
    parts = value[len(PREFIX) :].split(":")
    if len(parts) != 3:
        raise FieldDecryptionError(field, "malformed value (expected enc:v1:<iv>:<tag>:<ct>)")
    try:
        iv, tag, ciphertext = (_unb64(part) for part in parts)
    except (binascii.Error, ValueError):
        raise FieldDecryptionError(field, "malformed value (bad base64)") from None
    if len(iv) != IV_BYTES or len(tag) != TAG_BYTES:
        raise FieldDecryptionError(field, "malformed value (wrong IV or tag length)")
    return iv, ciphertext + tag


def cipher_from_settings(
    key_text: str | None, old_keys: str | Sequence[str] | None
) -> FieldCipher | None:
    """A cipher for FIELD_ENCRYPTION_KEY / FIELD_ENCRYPTION_OLD_KEYS, or None without a key.

    Old keys without a current key are refused: they could only decrypt, and writes would go
    out as plaintext next to encrypted rows."""
    if isinstance(old_keys, str):
        old_texts = [part for part in old_keys.split(",") if part.strip()]
    else:
        old_texts = [part for part in (old_keys or ()) if part and part.strip()]
    if not key_text or not key_text.strip():
        if old_texts:
            raise FieldEncryptionConfigError(
                "FIELD_ENCRYPTION_OLD_KEYS is set without FIELD_ENCRYPTION_KEY: set the current "
                "key too (old keys only decrypt)"
            )
        return None
    key = parse_key(key_text)
    old = [
        parse_key(text, f"FIELD_ENCRYPTION_OLD_KEYS entry {n}")
        for n, text in enumerate(old_texts, start=1)
    ]
    return FieldCipher(key, old)
