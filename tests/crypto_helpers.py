"""Shared by the field-encryption tests (unit, integration, API): fresh keys, their base64 form,
a fixture that leaves no cipher behind, and the encrypted columns written out by hand.

ENCRYPTED_COLUMNS is what the tests check the registry (adapters/db/encrypted_fields.py) against
(tests/unit/test_encrypted_fields.py): a column added there must be added here, and then the
integration tests write and read it back too."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import pytest

from mwf_core.adapters.db.encrypted_fields import use_cipher


def new_key() -> bytes:
    return os.urandom(32)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture(autouse=True)
def no_cipher_after() -> Iterator[None]:
    """The cipher is process-wide: each test starts and ends without one. Autouse in every
    module that imports it."""
    use_cipher(None)
    yield
    use_cipher(None)


ENCRYPTED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("messages", "content"),
    ("empathy_drafts", "content"),
    ("empathy_attempts", "content"),
    ("validation_feedback_drafts", "content"),
    ("empathy_validations", "feedback"),
    ("conversation_memories", "summary"),
    ("conversation_memories", "key_themes"),
    ("conversation_memories", "notable_facts"),
    ("reconciler_share_offers", "suggested_content"),
    ("reconciler_share_offers", "suggested_reason"),
    ("reconciler_share_offers", "suggested_share_focus"),
    ("reconciler_share_offers", "refined_content"),
    ("reconciler_share_offers", "shared_content"),
    ("reconciler_results", "suggested_share_content"),
    ("reconciler_results", "alignment_summary"),
    ("reconciler_results", "gap_summary"),
    ("reconciler_results", "missed_feelings"),
    ("reconciler_results", "most_important_gap"),
    ("reconciler_results", "suggested_share_reason"),
    ("reconciler_results", "suggested_share_focus"),
    ("reconciler_results", "correctly_identified"),
    ("reconciler_results", "misattributions"),
    ("reconciler_results", "rationale"),
    ("reconciler_results", "area_hint"),
    ("reconciler_results", "prompt_seed"),
    ("outbox", "payload"),
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
)

# The columns among them that hold JSON: their envelope is stored as a JSON string.
JSON_COLUMNS: frozenset[str] = frozenset(
    {
        "notable_facts",
        "key_themes",
        "payload",
        "missed_feelings",
        "correctly_identified",
        "misattributions",
        "reply_metadata",
        "evidence",
    }
)
