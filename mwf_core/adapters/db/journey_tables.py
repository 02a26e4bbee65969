"""Piccolo tables around the stages: consented content in the shared vessel, and logged
calming exercises. Unique consent_record_id and the lookup indexes are created by m0013."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from .tables import ID_LENGTH, SessionTable, SharedVesselTable, UserTable, UserVesselTable


def _at(null: bool = False) -> Timestamptz:
    return Timestamptz(null=null, default=None)


class ConsentedContentTable(Table, tablename="consented_content"):
    id = Varchar(length=ID_LENGTH, primary_key=True, default=None)
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    shared_vessel_id = ForeignKey(SharedVesselTable, null=True, default=None,
                                  on_delete=OnDelete.cascade)
    # No foreign key: consent records are an audit trail of their own.
    consent_record_id = Varchar(length=ID_LENGTH, default=None)
    # Shared content stays with the partner when its giver's account goes, unattributed.
    source_user_id = ForeignKey(UserTable, null=True, default=None, on_delete=OnDelete.set_null)
    target_id = Varchar(length=ID_LENGTH, null=True, default=None)
    transformed_content = Text(default=None)
    consented_at = _at()
    consent_active = Boolean(default=True)
    revoked_at = _at(null=True)


class ExerciseCompletionTable(Table, tablename="exercise_completions"):
    id = Varchar(length=ID_LENGTH, primary_key=True, default=None)
    # Private like emotional readings: it goes with its owner's vessel.
    vessel_id = ForeignKey(UserVesselTable, null=False, on_delete=OnDelete.cascade)
    type = Varchar(length=32, default=None)
    completed_at = _at()
    intensity_before = Integer(null=True, default=None)
    intensity_after = Integer(null=True, default=None)


TABLES: tuple[type[Table], ...] = (ConsentedContentTable, ExerciseCompletionTable)
