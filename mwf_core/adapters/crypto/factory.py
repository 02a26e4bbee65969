"""Startup of field encryption: settings → cipher, checked against the key canary.

`configure_field_encryption(settings, engine)` runs once at startup after the migrations (the
canary table comes from m0018) and before anything is served:

* FIELD_ENCRYPTION_KEY set: the key (and FIELD_ENCRYPTION_OLD_KEYS) must parse; the canary row
  is created with the current key on the first start, and on every later start it must decrypt
  with one of the configured keys - otherwise the service refuses to start instead of failing
  on every read;
* no key: REQUIRE_FIELD_ENCRYPTION=true or MWF_ENV=production refuse to start; a database that
  already holds encrypted data (the canary exists) refuses too; otherwise fields stay plaintext
  and the log says so.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any

import asyncpg
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.db.encrypted_fields import use_cipher

from .field_cipher import (
    FieldCipher,
    FieldDecryptionError,
    FieldEncryptionConfigError,
    cipher_from_settings,
    is_encrypted,
)

log = logging.getLogger("mwf.crypto")

CANARY_TABLE = "field_key_canary"
CANARY_ID = "canary"
CANARY_TEXT = "mwf field encryption canary v1"
CANARY_LABEL = f"{CANARY_TABLE}.value"

WRONG_KEY = (
    "FIELD_ENCRYPTION_KEY does not decrypt data written with another key; set "
    "FIELD_ENCRYPTION_OLD_KEYS or restore the key (README: key rotation)"
)


class FieldKeyMismatch(FieldEncryptionConfigError):
    """The configured keys do not open the canary: the data was written with another key."""


def _setting(settings: Any, name: str, default: Any = None) -> Any:
    return getattr(settings, name, default)


def cipher_for(settings: Any) -> FieldCipher | None:
    """The cipher the settings ask for (None without a key); refuses a missing key when
    encryption is required (REQUIRE_FIELD_ENCRYPTION, or production)."""
    cipher = cipher_from_settings(
        _setting(settings, "field_encryption_key"), _setting(settings, "field_encryption_old_keys")
    )
    if cipher is None:
        if _setting(settings, "require_field_encryption", False):
            raise FieldEncryptionConfigError(
                "REQUIRE_FIELD_ENCRYPTION is set but FIELD_ENCRYPTION_KEY is not: set it to the "
                "base64 of 32 random bytes (`openssl rand -base64 32`)"
            )
        if _setting(settings, "production", False):
            raise FieldEncryptionConfigError(
                "MWF_ENV=production needs FIELD_ENCRYPTION_KEY (the base64 of 32 random bytes, "
                "`openssl rand -base64 32`): private words are never stored as plaintext in "
                "production"
            )
    return cipher


async def read_canary(engine: Engine) -> str | None:
    """The stored canary value; None when there is none yet. A missing table (migrations not
    applied) is a startup error only when a key needs it: see `configure_field_encryption`."""
    rows = await engine.run_querystring(
        QueryString(f'SELECT "value" FROM "{CANARY_TABLE}" WHERE "id" = {{}}', CANARY_ID)
    )
    return str(rows[0]["value"]) if rows else None


async def write_canary(engine: Engine, cipher: FieldCipher, *, replace: bool) -> None:
    """Store the canary under the current key: only if absent, or replacing (`mwf reencrypt`)."""
    value = cipher.encrypt(CANARY_TEXT, CANARY_LABEL)
    if replace:
        await engine.run_querystring(
            QueryString(
                f'UPDATE "{CANARY_TABLE}" SET "value" = {{}} WHERE "id" = {{}}', value, CANARY_ID
            )
        )
    await engine.run_querystring(
        QueryString(
            f'INSERT INTO "{CANARY_TABLE}" ("id", "value", "created_at") VALUES ({{}}, {{}}, {{}}) '
            'ON CONFLICT ("id") DO NOTHING',
            CANARY_ID,
            value,
            datetime.now(UTC),
        )
    )


def check_canary(cipher: FieldCipher, stored: str) -> str:
    """The id of the configured key that opens the canary; FieldKeyMismatch if none does."""
    try:
        plain, kid = cipher.decrypt_with_key_id(stored, CANARY_LABEL)
    except FieldDecryptionError:
        raise FieldKeyMismatch(WRONG_KEY) from None
    if plain != CANARY_TEXT:
        raise FieldKeyMismatch(WRONG_KEY)
    return kid


async def _stored_canary(engine: Engine, *, needed: bool) -> str | None:
    try:
        return await read_canary(engine)
    except (sqlite3.OperationalError, asyncpg.exceptions.UndefinedTableError):
        if needed:
            raise FieldEncryptionConfigError(
                f"FIELD_ENCRYPTION_KEY is set but the {CANARY_TABLE} table is missing: apply "
                "the migrations first (`mwf migrate`)"
            ) from None
        return None


async def configure_field_encryption(settings: Any, engine: Engine) -> FieldCipher | None:
    """Set the process's field cipher from `settings` after checking it against `engine`'s
    canary; returns it (None when encryption is off). Raises FieldEncryptionConfigError (a
    RuntimeError with a message for the operator) when the service must not start."""
    use_cipher(None)
    cipher = cipher_for(settings)
    if cipher is None:
        stored = await _stored_canary(engine, needed=False)
        if stored is not None and is_encrypted(stored):
            raise FieldEncryptionConfigError(
                "this database holds encrypted fields but FIELD_ENCRYPTION_KEY is unset: set "
                "the key they were written with (README: key rotation)"
            )
        log.warning(
            "field encryption OFF: private fields are stored as plaintext "
            "(set FIELD_ENCRYPTION_KEY to encrypt them at rest)"
        )
        return None
    stored = await _stored_canary(engine, needed=True)
    if stored is None:
        await write_canary(engine, cipher, replace=False)
        stored = await read_canary(engine)  # another process may have written it first
        assert stored is not None
    kid = check_canary(cipher, stored)
    use_cipher(cipher)
    log.info(
        "field encryption ON: AES-256-GCM, key %s, %d old key(s)",
        cipher.key_id,
        len(cipher.old_key_ids),
    )
    if kid != cipher.key_id:
        log.warning(
            "field encryption: the data was written with old key %s; run "
            "`mwf reencrypt`, then remove it from FIELD_ENCRYPTION_OLD_KEYS",
            kid,
        )
    return cipher
