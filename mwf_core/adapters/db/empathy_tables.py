"""Piccolo tables of stage 2's empathy exchange: shared attempts and the subjects' answers.

Unique (session_id, source_user_id) on attempts, (attempt_id, user_id) on validations and
(session_id, user_id) on feedback drafts are indexes created by migration m0008.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from .tables import ID_LENGTH, SessionTable, UserTable


def _at(null: bool = False) -> Timestamptz:
    return Timestamptz(null=null, default=None)


class EmpathyAttemptTable(Table, tablename="empathy_attempts"):
    id = Varchar(length=ID_LENGTH, primary_key=True, default=None)
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    # A shared statement stays with the partner when its author's account goes, unattributed.
    source_user_id = ForeignKey(UserTable, null=True, default=None, on_delete=OnDelete.set_null)
    content = Text(default=None)
    shared_at = _at()
    status = Varchar(length=32, default=None)
    created_at = _at()
    updated_at = _at()
    # No foreign keys: the draft goes with its author's lane; consent records are an audit
    # trail that outlives sessions.
    draft_id = Varchar(length=ID_LENGTH, null=True, default=None)
    consent_record_id = Varchar(length=ID_LENGTH, null=True, default=None)
    status_version = Integer(default=0)
    revealed_at = _at(null=True)
    revision_count = Integer(default=0)
    delivery_status = Varchar(length=16, default="PENDING")
    delivered_at = _at(null=True)
    seen_at = _at(null=True)


class EmpathyValidationTable(Table, tablename="empathy_validations"):
    id = Varchar(length=ID_LENGTH, primary_key=True, default=None)
    attempt_id = ForeignKey(EmpathyAttemptTable, null=False, on_delete=OnDelete.cascade)
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    validated = Boolean(default=False)
    validated_at = _at()
    feedback = Text(null=True, default=None)
    feedback_shared = Boolean(default=False)


class ValidationFeedbackDraftTable(Table, tablename="validation_feedback_drafts"):
    # Unique (session_id, user_id), by index.
    id = Varchar(length=ID_LENGTH, primary_key=True, default=None)
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    content = Text(default=None)
    ready_to_share = Boolean(default=False)
    created_at = _at()
    updated_at = _at()


TABLES: tuple[type[Table], ...] = (
    EmpathyAttemptTable, EmpathyValidationTable, ValidationFeedbackDraftTable,
)
