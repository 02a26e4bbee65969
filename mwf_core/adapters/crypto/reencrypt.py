"""`mwf reencrypt`: bring every encrypted field under the current key.

Walks each table of encrypted_fields.ENCRYPTED_FIELDS by primary key in batches (one short
transaction each) and rewrites a value when it is plaintext (written before the key was set) or
encrypted with an old key. Values already under the current key are left alone, so a run that
stops half-way (crash, Ctrl-C) is simply started again. Each row is rewritten with a conditional
UPDATE (`WHERE id = ? AND column = <the value read>`): a row the running service changed in
between already holds a value under the current key and is not overwritten.

The canary is re-written last, and only when every value opened: until then a start without the
old key still fails loudly instead of reading undecryptable rows.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString

from mwf_core.adapters.db.encrypted_fields import ENCRYPTED_FIELDS, Kind, RecordFields
from mwf_core.adapters.db.engine import is_postgres

from .factory import write_canary
from .field_cipher import FieldCipher, FieldDecryptionError, is_encrypted

log = logging.getLogger("mwf.crypto")

BATCH_SIZE = 500


@dataclass(slots=True)
class ReencryptReport:
    rewritten: dict[str, int] = field(default_factory=dict)  # `table.column` → values rewritten
    current: int = 0  # values already under the current key
    failed: list[str] = field(default_factory=list)  # `table.column id=…: reason`
    canary_rewritten: bool = False

    @property
    def total_rewritten(self) -> int:
        return sum(self.rewritten.values())


def _new_text(cipher: FieldCipher, label: str, value: str) -> str | None:
    """The value to store instead of `value`, or None when it is already current."""
    if is_encrypted(value):
        plain, kid = cipher.decrypt_with_key_id(value, label)
        return None if kid == cipher.key_id else cipher.encrypt(plain, label)
    return cipher.encrypt(value, label)


def _new_json(cipher: FieldCipher, label: str, raw: Any) -> str | None:
    # Raw JSON text as the drivers return it; an encrypted value is a JSON string.
    text = raw if isinstance(raw, str) else json.dumps(raw)
    parsed = json.loads(text)
    if isinstance(parsed, str) and is_encrypted(parsed):
        replaced = _new_text(cipher, label, parsed)
        return None if replaced is None else json.dumps(replaced)
    # Plaintext JSON: what is decrypted later is this JSON text.
    return json.dumps(cipher.encrypt(text, label))


def _transaction(engine: Engine) -> Any:
    if is_postgres(engine):
        return engine.transaction(allow_nested=False)
    return engine.transaction(transaction_type=TransactionType.immediate, allow_nested=False)


async def _table(
    engine: Engine,
    cipher: FieldCipher,
    spec: RecordFields,
    batch_size: int,
    report: ReencryptReport,
) -> None:
    columns = list(spec.fields)
    listed = ", ".join(f'"{c}"' for c in columns)
    key = spec.key
    after = ""
    while True:
        rows = await engine.run_querystring(
            QueryString(
                f'SELECT "{key}" AS "id", {listed} FROM "{spec.table}" WHERE "{key}" > {{}} '
                f'ORDER BY "{key}" LIMIT {int(batch_size)}',
                after,
            )
        )
        if not rows:
            return
        async with _transaction(engine):
            for row in rows:
                await _row(engine, cipher, spec, row, report)
        after = str(rows[-1]["id"])
        log.info("reencrypt: %s up to id %s", spec.table, after)


async def _row(
    engine: Engine,
    cipher: FieldCipher,
    spec: RecordFields,
    row: dict[str, Any],
    report: ReencryptReport,
) -> None:
    changes: list[tuple[str, Any, str]] = []  # column, value read, new value
    for column, kind in spec.fields.items():
        value = row[column]
        if value is None:
            continue
        label = spec.label(column)
        try:
            new = (
                _new_text(cipher, label, value)
                if kind is Kind.TEXT
                else _new_json(cipher, label, value)
            )
        except (FieldDecryptionError, ValueError) as error:
            report.failed.append(f"{label} id={row['id']}: {error}")
            continue
        if new is None:
            report.current += 1
        else:
            changes.append((column, value, new))
    if not changes:
        return
    sets = ", ".join(f'"{column}" = {{}}' for column, _, _ in changes)
    same = " AND ".join(f'"{column}" = {{}}' for column, _, _ in changes)
    values = [new for _, _, new in changes] + [row["id"]] + [old for _, old, _ in changes]
    updated = await engine.run_querystring(
        QueryString(
            f'UPDATE "{spec.table}" SET {sets} WHERE "{spec.key}" = {{}} AND {same} '
            f'RETURNING "{spec.key}"',
            *values,
        )
    )
    if updated:
        for column, _, _ in changes:
            label = spec.label(column)
            report.rewritten[label] = report.rewritten.get(label, 0) + 1


async def reencrypt(
    engine: Engine, cipher: FieldCipher, batch_size: int = BATCH_SIZE
) -> ReencryptReport:
    """Rewrite every encrypted field under `cipher`'s current key (see the module docstring)."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    report = ReencryptReport()
    seen: set[str] = set()
    for spec in ENCRYPTED_FIELDS.values():
        if spec.table in seen:
            continue
        seen.add(spec.table)
        await _table(engine, cipher, spec, batch_size, report)
    if not report.failed:
        await write_canary(engine, cipher, replace=True)
        report.canary_rewritten = True
    return report


async def reencrypt_command(settings: Any, batch_size: int = BATCH_SIZE) -> int:
    """`mwf reencrypt`: open the database, check the keys, rewrite; the exit status. Refused
    keys raise FieldEncryptionConfigError, which `mwf` prints as one line."""
    from mwf_core.adapters.db.engine import stop_engine
    from mwf_core.adapters.db.open import open_encrypted_database

    engine, cipher = await open_encrypted_database(settings, migrate=settings.database_url is None)
    try:
        if cipher is None:
            print(
                "mwf reencrypt: FIELD_ENCRYPTION_KEY is unset: nothing to encrypt with",
                file=sys.stderr,
            )
            return 2
        report = await reencrypt(engine, cipher, batch_size)
    finally:
        await stop_engine(engine)
    for label, count in sorted(report.rewritten.items()):
        print(f"{label}: {count} value(s) rewritten")
    print(f"{report.total_rewritten} rewritten, {report.current} already under key {cipher.key_id}")
    if report.failed:
        for failure in report.failed:
            print(f"FAILED {failure}", file=sys.stderr)
        print(
            f"{len(report.failed)} value(s) could not be decrypted with the configured keys: "
            "add the key they were written with to FIELD_ENCRYPTION_OLD_KEYS and run again "
            "(the canary keeps the old key until every value is rewritten)"
        )
        return 1
    print(
        "done: every encrypted field is under the current key; the old keys may be removed "
        "from FIELD_ENCRYPTION_OLD_KEYS"
    )
    return 0
