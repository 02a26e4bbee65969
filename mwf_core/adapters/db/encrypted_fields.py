"""Which record fields are encrypted at rest, and the process-wide cipher that does it.

`mapping.to_row` encrypts and `mapping.from_row` decrypts these fields by record type, so every
repository stays as it is. Text fields hold `enc:v1:…`; JSON fields hold that string as a JSON
string value (`"enc:v1:…"`), the encrypted text being the JSON of the original value.

Without a cipher (FIELD_ENCRYPTION_KEY unset) values are written and read as they are, and an
envelope read without a key raises FieldDecryptionError (the startup canary check in
mwf_core.adapters.crypto.factory already refuses to run without a key on a database that holds
encrypted values). A value that is not an `enc:v1` envelope is legacy plaintext, read as it is
(`mwf reencrypt` encrypts it). Any code reading these columns must go through `from_row` (or
`decrypt_row`): a raw select sees ciphertext.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from piccolo.utils.encoding import dump_json

from mwf_core.adapters.crypto.field_cipher import (
    FieldCipher,
    FieldDecryptionError,
    is_encrypted,
)
from mwf_core.domain.agreements import Agreement
from mwf_core.domain.consent import ConsentedContent
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyValidation, ValidationFeedbackDraft
from mwf_core.domain.reconciler import ReconcilerResult, ShareOffer
from mwf_core.domain.records import (
    ConversationMemory,
    EmotionalReading,
    EmpathyDraft,
    IdentifiedNeed,
    Invitation,
    Message,
    OutboxEvent,
    Session,
    StrategyProposal,
    Turn,
    UserVessel,
)
from mwf_core.domain.stage4 import (
    Stage4Closure,
    Stage4NeedCoverage,
    Stage4ProposalDetails,
    Stage4ProposalRevision,
    Stage4Selection,
)
from mwf_core.domain.telemetry import BrainActivity

__all__ = [
    "ENCRYPTED_FIELDS",
    "FieldDecryptionError",
    "Kind",
    "RecordFields",
    "active_cipher",
    "decrypt_row",
    "decrypt_value",
    "encrypt_row",
    "encrypt_value",
    "use_cipher",
]


class Kind(StrEnum):
    TEXT = "text"  # a Text column: the string itself
    JSON = "json"  # a JSON/JSONB column: any JSON value (dict, list, …)


@dataclass(frozen=True, slots=True)
class RecordFields:
    table: str  # the table's name, for labels (`table.column` is the associated data)
    fields: Mapping[str, Kind]
    key: str = "id"  # the primary key column (`mwf reencrypt` walks the table by it)

    def label(self, name: str) -> str:
        return f"{self.table}.{name}"


# Only columns never compared in SQL (WHERE =, LIKE, ORDER BY, unique indexes) may be listed:
# the ciphertext of one text differs on every write. Left plaintext on purpose: users.email and
# auth_subject (looked up by value, unique), names and nicknames (not a person's words), and the
# ids, statuses and times every query filters on.
ENCRYPTED_FIELDS: dict[type, RecordFields] = {
    Message: RecordFields("messages", {"content": Kind.TEXT}),
    EmpathyDraft: RecordFields("empathy_drafts", {"content": Kind.TEXT}),
    EmpathyAttempt: RecordFields("empathy_attempts", {"content": Kind.TEXT}),
    ValidationFeedbackDraft: RecordFields("validation_feedback_drafts", {"content": Kind.TEXT}),
    # The feedback as sent (the draft's final words).
    EmpathyValidation: RecordFields("empathy_validations", {"feedback": Kind.TEXT}),
    ConversationMemory: RecordFields(
        "conversation_memories",
        {"summary": Kind.TEXT, "key_themes": Kind.JSON, "notable_facts": Kind.JSON},
    ),
    ShareOffer: RecordFields(
        "reconciler_share_offers",
        {
            "suggested_content": Kind.TEXT,
            "suggested_reason": Kind.TEXT,
            "suggested_share_focus": Kind.TEXT,
            "refined_content": Kind.TEXT,
            "shared_content": Kind.TEXT,
        },
    ),
    # The analysis is drawn from the subject's private stage-1 words.
    ReconcilerResult: RecordFields(
        "reconciler_results",
        {
            "suggested_share_content": Kind.TEXT,
            "suggested_share_reason": Kind.TEXT,
            "suggested_share_focus": Kind.TEXT,
            "alignment_summary": Kind.TEXT,
            "correctly_identified": Kind.JSON,
            "gap_summary": Kind.TEXT,
            "missed_feelings": Kind.JSON,
            "misattributions": Kind.JSON,
            "most_important_gap": Kind.TEXT,
            "rationale": Kind.TEXT,
            "area_hint": Kind.TEXT,
            "prompt_seed": Kind.TEXT,
        },
    ),
    # Message DTOs, invitation email addresses and other private words travel in payloads.
    OutboxEvent: RecordFields("outbox", {"payload": Kind.JSON}),
    Session: RecordFields("sessions", {"topic_frame": Kind.TEXT}),
    # The address is only ever sent to, never looked up: invitations are found by id/session.
    Invitation: RecordFields(
        "invitations", {"invite_email": Kind.TEXT, "decline_reason": Kind.TEXT}
    ),
    UserVessel: RecordFields("user_vessels", {"creation_context": Kind.TEXT}),
    EmotionalReading: RecordFields("emotional_readings", {"context": Kind.TEXT}),
    # The reply's metadata holds what the mediator drew from the words (captured texts).
    Turn: RecordFields("turns", {"reply_metadata": Kind.JSON}),
    IdentifiedNeed: RecordFields("identified_needs", {"need": Kind.TEXT, "evidence": Kind.JSON}),
    StrategyProposal: RecordFields("strategy_proposals", {"description": Kind.TEXT}),
    ConsentedContent: RecordFields("consented_content", {"transformed_content": Kind.TEXT}),
    Agreement: RecordFields(
        "agreements",
        {"description": Kind.TEXT, "duration": Kind.TEXT, "measure_of_success": Kind.TEXT},
    ),
    Stage4Selection: RecordFields("stage4_selections", {"note": Kind.TEXT}),
    Stage4NeedCoverage: RecordFields("stage4_need_coverage", {"need_label": Kind.TEXT}),
    Stage4ProposalRevision: RecordFields(
        "stage4_proposal_revisions",
        {"previous_description": Kind.TEXT, "new_description": Kind.TEXT},
    ),
    Stage4ProposalDetails: RecordFields(
        "stage4_proposal_details",
        {"duration": Kind.TEXT, "measure_of_success": Kind.TEXT},
        key="proposal_id",
    ),
    Stage4Closure: RecordFields("stage4_closures", {"summary": Kind.TEXT}),
    # Only stored with MWF_LOG_PROMPTS; telemetry_repository maps the row itself but calls
    # encrypt_row/decrypt_row like mapping.py does.
    BrainActivity: RecordFields("brain_activity", {"prompt": Kind.TEXT, "response": Kind.TEXT}),
}


class _Holder:
    cipher: FieldCipher | None = None


def use_cipher(cipher: FieldCipher | None) -> None:
    """Set (or clear, with None) the cipher of this process. Tables are bound process-wide
    to one engine, and so is the cipher: `configure_field_encryption` calls this at startup."""
    _Holder.cipher = cipher


def active_cipher() -> FieldCipher | None:
    return _Holder.cipher


def encrypt_value(kind: Kind, label: str, value: Any, cipher: FieldCipher) -> Any:
    """The stored form of `value` (None stays None)."""
    if value is None:
        return None
    if kind is Kind.TEXT:
        return cipher.encrypt(value, label)
    # Piccolo takes a str for a JSON column as already-serialized JSON: a JSON string value.
    return json.dumps(cipher.encrypt(dump_json(value), label))


def decrypt_value(kind: Kind, label: str, value: Any, cipher: FieldCipher | None) -> Any:
    """The record value of stored `value`. Plaintext passes through; an envelope without a
    cipher, or one no configured key opens, raises FieldDecryptionError."""
    if value is None:
        return None
    if kind is Kind.JSON and isinstance(value, str) and not is_encrypted(value):
        # Raw JSON text (a reader that did not ask Piccolo to load JSON).
        try:
            value = json.loads(value)
        except ValueError:
            raise FieldDecryptionError(label, "stored value is not JSON") from None
    if not isinstance(value, str) or not is_encrypted(value):
        return value
    if cipher is None:
        raise FieldDecryptionError(
            label, "the value is encrypted and FIELD_ENCRYPTION_KEY is unset"
        )
    plain = cipher.decrypt(value, label)
    if kind is Kind.TEXT:
        return plain
    try:
        return json.loads(plain)
    except ValueError:
        raise FieldDecryptionError(label, "decrypted value is not JSON") from None


def _apply(
    spec: RecordFields, row: dict[str, Any], change: Callable[[Kind, str, Any], Any]
) -> None:
    for name, kind in spec.fields.items():
        if name in row:
            row[name] = change(kind, spec.label(name), row[name])


def encrypt_row(record_type: type, row: dict[str, Any]) -> None:
    """Encrypt `row`'s registered fields in place (nothing without a cipher)."""
    spec = ENCRYPTED_FIELDS.get(record_type)
    cipher = _Holder.cipher
    if spec is None or cipher is None:
        return
    _apply(spec, row, lambda kind, label, value: encrypt_value(kind, label, value, cipher))


def decrypt_row(record_type: type, row: dict[str, Any]) -> dict[str, Any]:
    """A copy of `row` with its registered fields decrypted (`row` itself when none are)."""
    spec = ENCRYPTED_FIELDS.get(record_type)
    if spec is None:
        return row
    cipher = _Holder.cipher
    copy = dict(row)
    _apply(spec, copy, lambda kind, label, value: decrypt_value(kind, label, value, cipher))
    return copy
