"""Field encryption on both engines: what the database holds (raw SQL) versus what the
repositories return, and legacy plaintext (the startup canary and `mwf reencrypt` are in
test_db_encryption_rotation.py; what is written and read is in encryption_helpers.py)."""

from __future__ import annotations

import base64
import json

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.crypto import FieldCipher, FieldDecryptionError, is_encrypted
from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.encrypted_fields import use_cipher

from ..crypto_helpers import (
    new_key,
    no_cipher_after,  # noqa: F401  (autouse: no cipher leaks between tests)
)
from .encryption_helpers import SECRETS, raw, read_back, stored_values, unwrap, write_everything

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
