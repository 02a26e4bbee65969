"""Piccolo tables: one per domain record; column names equal the record's field names.

The schema itself is created by the migrations in the top-level `migrations` package (which hold
their own frozen copy of these definitions plus the composite indexes); these classes are what
the repositories query. Tables are bound to an engine with `engine.bind_tables`, never through a
`piccolo_conf` module.
"""

from __future__ import annotations

import hashlib

from piccolo.columns import (
    JSONB,
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

ID_LENGTH = 64


def _id() -> Varchar:
    # Ids come from the core's IdGenerator; the database never invents one.
    return Varchar(length=ID_LENGTH, primary_key=True, default=None)


def _at(null: bool = False) -> Timestamptz:
    # No database default: the core's Clock is the only source of time.
    return Timestamptz(null=null, default=None)


class UserTable(Table, tablename="users"):
    id = _id()
    auth_subject = Varchar(length=255, default=None, unique=True)
    email = Varchar(length=320, null=True, default=None, unique=True)
    name = Text(null=True, default=None)
    first_name = Text(null=True, default=None)
    last_name = Text(null=True, default=None)
    created_at = _at()
    updated_at = _at()
    push_token = Text(null=True, default=None)
    biometric_enabled = Boolean(default=False)
    last_mood_intensity = Integer(null=True, default=None)
    privacy_preferences = JSONB(default={})
    notification_preferences = JSONB(default={})


class RelationshipTable(Table, tablename="relationships"):
    id = _id()
    created_at = _at()


class RelationshipMemberTable(Table, tablename="relationship_members"):
    # The record has no id of its own; the key is derived from the pair (see member_key), so
    # the database still never generates one.
    id = Varchar(length=2 * ID_LENGTH + 1, primary_key=True, default=None)
    relationship_id = ForeignKey(RelationshipTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    joined_at = _at()
    nickname = Text(null=True, default=None)
    role = Varchar(length=32, default="member")


def member_key(relationship_id: str, user_id: str) -> str:
    return f"{relationship_id}:{user_id}"


class SessionTable(Table, tablename="sessions"):
    id = _id()
    relationship_id = ForeignKey(RelationshipTable, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=32, default=None)
    created_at = _at()
    updated_at = _at()
    type = Varchar(length=32, default=None)
    resolved_at = _at(null=True)
    topic_frame = Text(null=True, default=None)
    topic_frame_confirmed_at = _at(null=True)


class InvitationTable(Table, tablename="invitations"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    invited_by_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    name = Text(null=True, default=None)
    status = Varchar(length=32, default=None)
    created_at = _at()
    expires_at = _at()
    # Encrypted at rest: TEXT since m0019 (an envelope is longer than an address).
    invite_email = Text(null=True, default=None)
    message_confirmed = Boolean(default=False)
    message_confirmed_at = _at(null=True)
    accepted_at = _at(null=True)
    declined_at = _at(null=True)
    decline_reason = Text(null=True, default=None)


class StageProgressTable(Table, tablename="stage_progress"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    stage = Integer()
    status = Varchar(length=32, default=None)
    started_at = _at(null=True)
    completed_at = _at(null=True)
    gates_satisfied = JSONB(default={})


class UserVesselTable(Table, tablename="user_vessels"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    created_at = _at()
    creation_context = Text(null=True, default=None)
    last_viewed_at = _at(null=True)
    # A chat item may be a message or another kind of item, so no foreign key.
    last_seen_chat_item_id = Varchar(length=ID_LENGTH, null=True, default=None)
    archived_at = _at(null=True)
    last_viewed_share_tab_at = _at(null=True)


class SharedVesselTable(Table, tablename="shared_vessels"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, unique=True, on_delete=OnDelete.cascade)
    created_at = _at()


class MessageTable(Table, tablename="messages"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    # A deleted account leaves its words in the partner's history, just unattributed.
    sender_id = ForeignKey(UserTable, null=True, default=None, on_delete=OnDelete.set_null)
    for_user_id = ForeignKey(UserTable, null=True, default=None, on_delete=OnDelete.cascade)
    role = Varchar(length=32, default=None)
    content = Text(default=None)
    stage = Integer()
    timestamp = _at()


class ConsentRecordTable(Table, tablename="consent_records"):
    id = _id()
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    # Consent decisions are an audit trail: they outlive the session they were made in.
    session_id = ForeignKey(SessionTable, null=True, default=None, on_delete=OnDelete.set_null)
    target_type = Varchar(length=32, default=None)
    # Points at different kinds of content depending on target_type, so no foreign key.
    target_id = Varchar(length=ID_LENGTH, null=True, default=None)
    created_at = _at()
    requested_by_user_id = ForeignKey(
        UserTable, null=True, default=None, on_delete=OnDelete.set_null
    )
    decision = Varchar(length=32, null=True, default=None)
    decided_at = _at(null=True)
    revoked_at = _at(null=True)
    metadata = JSONB(default={})


class EmotionalReadingTable(Table, tablename="emotional_readings"):
    id = _id()
    vessel_id = ForeignKey(UserVesselTable, null=False, on_delete=OnDelete.cascade)
    intensity = Integer()
    stage = Integer()
    timestamp = _at()
    context = Text(null=True, default=None)


class IdempotencyKeyTable(Table, tablename="idempotency_keys"):
    # A hash of (user_id, request_id): a fixed-length key whatever the client sent.
    id = _id()
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    request_id = Varchar(length=128, default=None)
    operation = Varchar(length=64, default=None)
    fingerprint = Varchar(length=64, default=None)
    resource_id = Varchar(length=ID_LENGTH, default=None)
    created_at = _at()


class TurnTable(Table, tablename="turns"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    request_id = Varchar(length=128, default=None)
    fingerprint = Varchar(length=64, default=None)
    # No foreign key: a turn outlives a lane deleted by DELETE /sessions/:id only by cascade.
    user_message_id = Varchar(length=ID_LENGTH, default=None)
    status = Varchar(length=16, default=None)
    created_at = _at()
    updated_at = _at()
    lease_expires_at = _at(null=True)
    attempts = Integer(default=0)
    reply_message_id = Varchar(length=ID_LENGTH, null=True, default=None)
    error = Text(null=True, default=None)
    reply_metadata = JSONB(default={})


class EmpathyDraftTable(Table, tablename="empathy_drafts"):
    # Unique (session_id, user_id), by index (see migration m0005).
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    content = Text(default=None)
    ready_to_share = Boolean(default=False)
    version = Integer(default=1)
    created_at = _at()
    updated_at = _at()


class IdentifiedNeedTable(Table, tablename="identified_needs"):
    id = _id()
    vessel_id = ForeignKey(UserVesselTable, null=False, on_delete=OnDelete.cascade)
    need = Text(default=None)
    category = Varchar(length=32, default=None)
    evidence = JSONB(default=[])
    confirmed = Boolean(default=False)
    created_at = _at()
    ai_confidence = DoublePrecision(null=True, default=None)
    # Needs leave only with their vessel (a delete is soft), so the link cannot dangle.
    superseded_by_need_id = Varchar(length=ID_LENGTH, null=True, default=None)
    locked_at = _at(null=True)
    deleted_at = _at(null=True)


class StrategyProposalTable(Table, tablename="strategy_proposals"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    # Shared inventory: a deleted account leaves its proposals, unattributed.
    created_by_user_id = ForeignKey(UserTable, null=True, default=None,
                                    on_delete=OnDelete.set_null)
    description = Text(default=None)
    needs_addressed = JSONB(default=[])  # need ids (of either partner)
    source = Varchar(length=32, default=None)
    kind = Varchar(length=32, default=None)
    status = Varchar(length=32, default=None)
    created_at = _at()
    # Same session, and proposals leave only with it: no foreign key needed.
    parent_proposal_id = Varchar(length=ID_LENGTH, null=True, default=None)
    # No foreign key: the proposal outlives the author's lane (deleted when they leave).
    captured_from_message_id = Varchar(length=ID_LENGTH, null=True, default=None)
    removed_at = _at(null=True)
    removed_by_user_id = ForeignKey(UserTable, null=True, default=None,
                                    on_delete=OnDelete.set_null)


def idempotency_key(user_id: str, request_id: str) -> str:
    return hashlib.sha256(f"{user_id}\x00{request_id}".encode()).hexdigest()


ALL_TABLES: tuple[type[Table], ...] = (
    UserTable,
    RelationshipTable,
    RelationshipMemberTable,
    SessionTable,
    InvitationTable,
    StageProgressTable,
    UserVesselTable,
    SharedVesselTable,
    MessageTable,
    ConsentRecordTable,
    EmotionalReadingTable,
    IdempotencyKeyTable,
    TurnTable,
    EmpathyDraftTable,
    IdentifiedNeedTable,
    StrategyProposalTable,
)


class BrainActivityTable(Table, tablename="brain_activity"):
    """One row per model or embedding call (mwf_core.domain.telemetry.BrainActivity)."""

    id = _id()
    created_at = _at()
    activity_type = Varchar(length=16, default=None)
    call_type = Varchar(length=255, default=None)
    model_id = Varchar(length=255, default=None)
    # Plain columns, no foreign keys: telemetry must survive a deleted session (cost history is
    # kept), and accept calls made before their session or turn row exists (or never will).
    session_id = Varchar(length=255, null=True, default=None)
    turn_id = Varchar(length=255, null=True, default=None)
    user_id = Varchar(length=255, null=True, default=None)
    input_tokens = Integer(default=0)
    output_tokens = Integer(default=0)
    cache_read_tokens = Integer(default=0)
    cache_write_tokens = Integer(default=0)
    # The cost as an integer count of 1e-8 USD (the domain's quantum), NULL when the price is
    # unknown. Not Numeric: Piccolo hands Decimals to SQLite as floats, and SQLite's NUMERIC keeps
    # only 15 significant digits; an integer is exact on both engines and still sums in SQL.
    cost_usd_e8 = BigInt(null=True, default=None)
    price_known = Boolean(default=False)
    duration_ms = Integer(default=0)
    time_to_first_token_ms = Integer(null=True, default=None)
    status = Varchar(length=16, default=None)
    error = Text(null=True, default=None)
    prompt = Text(null=True, default=None)
    response = Text(null=True, default=None)


ALL_TABLES = (*ALL_TABLES, BrainActivityTable)


class ConversationMemoryTable(Table, tablename="conversation_memories"):
    # One row per private vessel (the key is the vessel id); it goes when the vessel goes.
    id = _id()
    vessel_id = ForeignKey(UserVesselTable, null=False, unique=True, on_delete=OnDelete.cascade)
    summary = Text(default="")
    key_themes = JSONB(default=[])
    notable_facts = JSONB(default=[])
    summarized_messages = Integer(default=0)
    updated_at = _at()


ALL_TABLES = (*ALL_TABLES, ConversationMemoryTable)


# Tables of stages 2 to 4 and around them live in their own modules (they import the ones above).
from . import (  # noqa: E402
    agreement_tables,
    crypto_tables,
    empathy_tables,
    journey_tables,
    outbox_tables,
    push_tables,
    realtime_tables,
    reconciler_tables,
    stage4_tables,
)

ALL_TABLES = (
    *ALL_TABLES,
    *empathy_tables.TABLES,
    *reconciler_tables.TABLES,
    *stage4_tables.TABLES,
    *agreement_tables.TABLES,
    *journey_tables.TABLES,
    *crypto_tables.TABLES,
    *outbox_tables.TABLES,
    *push_tables.TABLES,
    *realtime_tables.TABLES,
)
