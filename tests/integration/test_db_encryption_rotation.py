"""Field encryption on both engines: key rotation with old keys, `mwf reencrypt` in-process
and as a command (what the database holds is in test_db_encryption.py)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.crypto import FieldCipher
from mwf_core.adapters.crypto import reencrypt as reencrypt_module
from mwf_core.adapters.crypto.factory import (
    CANARY_LABEL,
    WRONG_KEY,
    configure_field_encryption,
    read_canary,
)
from mwf_core.adapters.crypto.reencrypt import reencrypt
from mwf_core.adapters.db import (
    apply_migrations,
    bind_tables,
    engine_from_url,
    start_engine,
    stop_engine,
)
from mwf_core.adapters.db.encrypted_fields import use_cipher
from mwf_core.config import Settings

from ..conftest import run_async
from .test_db_encryption import (
    COLUMNS,
    SECRETS,
    Written,
    b64,
    new_key,
    no_cipher_after,  # noqa: F401  (autouse: no cipher leaks between tests)
    raw,
    read_back,
    stored_values,
    unwrap,
    write_everything,
)

# --- rotation: old keys and `mwf reencrypt` ----------------------------------------------------

async def test_rotation_old_key_reads_then_reencrypt_moves_everything_to_the_new_key(
    db_engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    old, new = new_key(), new_key()
    await configure_field_encryption(Settings(field_encryption_key=b64(old)), db_engine)
    w = await write_everything(db_engine)
    caplog.set_level(logging.INFO, logger="mwf.crypto")
    rotated = await configure_field_encryption(
        Settings(field_encryption_key=b64(new), field_encryption_old_keys=(b64(old),)),
        db_engine)
    assert rotated is not None
    assert "run `mwf reencrypt`" in caplog.text
    await read_back(db_engine, w)  # old-key rows still read
    report = await reencrypt(db_engine, rotated, batch_size=2)
    assert report.failed == [] and report.canary_rewritten
    assert report.total_rewritten == sum(len(v) for v in (await stored_values(db_engine)).values())
    for (table, column), values in (await stored_values(db_engine)).items():
        for value in values:
            assert FieldCipher(new).is_current(unwrap(value, column), f"{table}.{column}")
    # The old key can go now: the new key alone starts and reads everything.
    only_new = await configure_field_encryption(Settings(field_encryption_key=b64(new)),
                                                db_engine)
    assert only_new is not None
    await read_back(db_engine, w)
    again = await reencrypt(db_engine, only_new)
    assert again.total_rewritten == 0 and again.current == report.total_rewritten


async def test_reencrypt_encrypts_legacy_plaintext_and_is_restartable(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = await write_everything(db_engine)  # plaintext, written before any key
    cipher = await configure_field_encryption(Settings(field_encryption_key=b64(new_key())),
                                              db_engine)
    assert cipher is not None
    real_row = reencrypt_module._row
    calls = 0

    async def crash_after_a_few(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > 4:
            raise RuntimeError("killed mid-way")
        await real_row(*args)

    monkeypatch.setattr(reencrypt_module, "_row", crash_after_a_few)
    with pytest.raises(RuntimeError, match="killed mid-way"):
        await reencrypt(db_engine, cipher, batch_size=1)
    half = json.dumps(list((await stored_values(db_engine)).values()))
    assert "enc:v1:" in half and SECRETS["payload"] in half  # some done, some not
    monkeypatch.setattr(reencrypt_module, "_row", real_row)
    report = await reencrypt(db_engine, cipher, batch_size=1)
    assert report.failed == [] and report.current > 0
    stored = json.dumps(list((await stored_values(db_engine)).values()))
    for secret in SECRETS.values():
        assert secret not in stored
    await read_back(db_engine, w)


async def test_reencrypt_reports_values_no_key_opens_and_keeps_the_canary(
    db_engine: Engine,
) -> None:
    lost, current = new_key(), new_key()
    use_cipher(FieldCipher(lost))
    await write_everything(db_engine)
    cipher = await configure_field_encryption(Settings(field_encryption_key=b64(current)),
                                              db_engine)  # fresh canary under `current`
    assert cipher is not None
    await raw(db_engine, 'UPDATE "field_key_canary" SET "value" = {}',
              FieldCipher(lost).encrypt("mwf field encryption canary v1", CANARY_LABEL))
    canary = await read_canary(db_engine)
    report = await reencrypt(db_engine, cipher)
    assert len(report.failed) == len(COLUMNS)
    assert all("no configured key fits" in failure for failure in report.failed)
    assert not report.canary_rewritten and await read_canary(db_engine) == canary


# --- the `mwf reencrypt` command, as a process -------------------------------------------------

def mwf(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("FIELD_ENCRYPTION", "REQUIRE_FIELD", "MWF_ENV", "NODE_ENV"))}
    return subprocess.run(
        [sys.executable, "-m", "mwf.cli", *args], capture_output=True, text=True, timeout=300,
        env={**clean, "DATABASE_URL": database_url, **env}, cwd=Path(__file__).parents[2])


async def _seed_with(database_url: str, key: bytes) -> Written:
    engine = engine_from_url(database_url)
    bind_tables(engine)
    await start_engine(engine)
    try:
        await apply_migrations(engine)
        await configure_field_encryption(Settings(field_encryption_key=b64(key)), engine)
        return await write_everything(engine)
    finally:
        use_cipher(None)
        await stop_engine(engine)


async def _check_with(database_url: str, key: bytes, w: Written) -> dict[str, list[str]]:
    engine = engine_from_url(database_url)
    bind_tables(engine)
    await start_engine(engine)
    try:
        await configure_field_encryption(Settings(field_encryption_key=b64(key)), engine)
        await read_back(engine, w)
        return {f"{t}.{c}": v for (t, c), v in (await stored_values(engine)).items()}
    finally:
        use_cipher(None)
        await stop_engine(engine)


def test_the_reencrypt_command_rotates_keys_and_refuses_a_wrong_one(db_url: str) -> None:
    old, new = new_key(), new_key()
    w = run_async(lambda: _seed_with(db_url, old))
    wrong = mwf(db_url, "reencrypt", FIELD_ENCRYPTION_KEY=b64(new))
    assert wrong.returncode == 2 and WRONG_KEY in wrong.stderr
    no_key = mwf(db_url, "reencrypt")
    assert no_key.returncode == 2 and "holds encrypted fields" in no_key.stderr
    done = mwf(db_url, "reencrypt", "--batch-size", "3", FIELD_ENCRYPTION_KEY=b64(new),
               FIELD_ENCRYPTION_OLD_KEYS=b64(old))
    assert done.returncode == 0, done.stderr
    assert "messages.content: 1 value(s) rewritten" in done.stdout
    assert "outbox.payload: 1 value(s) rewritten" in done.stdout
    again = mwf(db_url, "reencrypt", FIELD_ENCRYPTION_KEY=b64(new),
                FIELD_ENCRYPTION_OLD_KEYS=b64(old))
    assert again.returncode == 0 and "\n0 rewritten" in "\n" + again.stdout
    # The new key alone opens everything now, canary included.
    stored = run_async(lambda: _check_with(db_url, new, w))
    for label, values in stored.items():
        for value in values:
            column = label.split(".")[1]
            assert FieldCipher(new).is_current(unwrap(value, column), label)
