"""Field encryption at rest (AES-256-GCM): the cipher, startup configuration and re-encryption.

See mwf_core/adapters/db/encrypted_fields.py for which fields are encrypted."""

from .field_cipher import (
    FieldCipher,
    FieldDecryptionError,
    FieldEncryptionConfigError,
    cipher_from_settings,
    is_encrypted,
    parse_key,
)

__all__ = [
    "FieldCipher",
    "FieldDecryptionError",
    "FieldEncryptionConfigError",
    "cipher_from_settings",
    "is_encrypted",
    "parse_key",
]
