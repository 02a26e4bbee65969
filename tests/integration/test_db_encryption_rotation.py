"""Field encryption on both engines: the startup canary, key rotation with old keys, and
`mwf reencrypt` in-process and as a command (what the database holds is in
test_db_encryption.py)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.crypto import FieldCipher, is_encrypted
from mwf_core.adapters.crypto import reencrypt as reencrypt_module
from mwf_core.adapters.crypto.factory import (
    CANARY_LABEL,
    WRONG_KEY,
    FieldKeyMismatch,
    configure_field_encryption,
    read_canary,
)
from mwf_core.adapters.crypto.field_cipher import FieldEncryptionConfigError
from mwf_core.adapters.crypto.reencrypt import reencrypt
from mwf_core.adapters.db import (
    apply_migrations,
    bind_tables,
    engine_from_url,
    start_engine,
    stop_engine,
)
from mwf_core.adapters.db.encrypted_fields import active_cipher, use_cipher
from mwf_core.config import Settings

from ..conftest import run_async
from ..crypto_helpers import (
    ENCRYPTED_COLUMNS,
    b64,
    new_key,
    no_cipher_after,  # noqa: F401  (autouse: no cipher leaks between tests)
)
from .encryption_helpers import (
    SECRETS,
    Written,
    raw,
    read_back,
    stored_values,
    unwrap,
    write_everything,
)

# --- startup: the canary -----------------------------------------------------------------------


async def test_first_start_writes_the_canary_and_later_starts_check_it(
    db_engine: Engine,
    caplog: pytest.LogCaptureFixture,
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
        await configure_field_encryption(Settings(field_encryption_key=b64(new_key())), db_engine)
    assert str(error.value) == WRONG_KEY
    assert "FIELD_ENCRYPTION_OLD_KEYS" in str(error.value) and "key rotation" in str(error.value)
    assert active_cipher() is None  # nothing half-configured


async def test_no_key_on_an_encrypted_database_refuses_to_start(
    db_engine: Engine,
    caplog: pytest.LogCaptureFixture,
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
            await configure_field_encryption(Settings(field_encryption_key=b64(new_key())), engine)
        assert await configure_field_encryption(Settings(), engine) is None
    finally:
        await stop_engine(engine)


# --- rotation: old keys and `mwf reencrypt` ----------------------------------------------------


async def test_rotation_old_key_reads_then_reencrypt_moves_everything_to_the_new_key(
    db_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old, new = new_key(), new_key()
    await configure_field_encryption(Settings(field_encryption_key=b64(old)), db_engine)
    w = await write_everything(db_engine)
    caplog.set_level(logging.INFO, logger="mwf.crypto")
    rotated = await configure_field_encryption(
        Settings(field_encryption_key=b64(new), field_encryption_old_keys=(b64(old),)), db_engine
    )
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
    only_new = await configure_field_encryption(Settings(field_encryption_key=b64(new)), db_engine)
    assert only_new is not None
    await read_back(db_engine, w)
    again = await reencrypt(db_engine, only_new)
    assert again.total_rewritten == 0 and again.current == report.total_rewritten


async def test_reencrypt_encrypts_legacy_plaintext_and_is_restartable(
    db_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = await write_everything(db_engine)  # plaintext, written before any key
    cipher = await configure_field_encryption(
        Settings(field_encryption_key=b64(new_key())), db_engine
    )
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
    cipher = await configure_field_encryption(
        Settings(field_encryption_key=b64(current)), db_engine
    )  # fresh canary under `current`
    assert cipher is not None
    await raw(
        db_engine,
        'UPDATE "field_key_canary" SET "value" = {}',
        FieldCipher(lost).encrypt("mwf field encryption canary v1", CANARY_LABEL),
    )
    canary = await read_canary(db_engine)
    report = await reencrypt(db_engine, cipher)
    assert len(report.failed) == len(ENCRYPTED_COLUMNS)
    assert all("no configured key fits" in failure for failure in report.failed)
    assert not report.canary_rewritten and await read_canary(db_engine) == canary


# --- the `mwf reencrypt` command, as a process -------------------------------------------------


def mwf(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FIELD_ENCRYPTION", "REQUIRE_FIELD", "MWF_ENV", "NODE_ENV"))
    }
    return subprocess.run(
        [sys.executable, "-m", "mwf.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "DATABASE_URL": database_url, **env},
        cwd=Path(__file__).parents[2],
    )


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
    done = mwf(
        db_url,
        "reencrypt",
        "--batch-size",
        "3",
        FIELD_ENCRYPTION_KEY=b64(new),
        FIELD_ENCRYPTION_OLD_KEYS=b64(old),
    )
    assert done.returncode == 0, done.stderr
    assert "messages.content: 1 value(s) rewritten" in done.stdout
    assert "outbox.payload: 1 value(s) rewritten" in done.stdout
    again = mwf(
        db_url, "reencrypt", FIELD_ENCRYPTION_KEY=b64(new), FIELD_ENCRYPTION_OLD_KEYS=b64(old)
    )
    assert again.returncode == 0 and "\n0 rewritten" in "\n" + again.stdout
    # The new key alone opens everything now, canary included.
    stored = run_async(lambda: _check_with(db_url, new, w))
    for label, values in stored.items():
        for value in values:
            column = label.split(".")[1]
            assert FieldCipher(new).is_current(unwrap(value, column), label)


# --- a bad key as the operator meets it: one line, no traceback --------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    ports = {"PORT": str(_free_port()), "GRPC_PORT": str(_free_port())}
    return mwf(database_url, "serve", **ports, **env)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], line: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == line


def test_serve_and_reencrypt_refuse_a_malformed_key_in_one_line(db_url: str) -> None:
    malformed = "c2VjcmV0LWJ1dC1zaG9ydA=="  # valid base64 of 16 bytes
    for command in ("serve", "reencrypt"):
        result = (
            serve(db_url, FIELD_ENCRYPTION_KEY=malformed)
            if command == "serve"
            else mwf(db_url, command, FIELD_ENCRYPTION_KEY=malformed)
        )
        assert_one_clear_line(
            result,
            f"mwf {command}: FIELD_ENCRYPTION_KEY decodes to 16 bytes, not 32: "
            "FIELD_ENCRYPTION_KEY must be the base64 encoding of exactly 32 random bytes "
            "(generate one with `openssl rand -base64 32`)",
        )
        assert malformed not in result.stderr + result.stdout
    not_base64 = serve(db_url, FIELD_ENCRYPTION_KEY="not base64 at all!")
    assert not_base64.returncode == 2 and "Traceback" not in not_base64.stderr
    last = not_base64.stderr.strip().splitlines()[-1]
    assert last.startswith("mwf serve: FIELD_ENCRYPTION_KEY is not valid base64: ")
    assert "not base64 at all" not in not_base64.stderr


def test_serve_refuses_a_wrong_key_in_one_line(db_url: str) -> None:
    written_with, wrong = new_key(), new_key()
    run_async(lambda: _seed_with(db_url, written_with))
    result = serve(db_url, FIELD_ENCRYPTION_KEY=b64(wrong))
    assert_one_clear_line(result, f"mwf serve: {WRONG_KEY}")
    assert b64(wrong) not in result.stderr and b64(written_with) not in result.stderr
