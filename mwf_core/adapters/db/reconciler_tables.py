"""Piccolo tables of the reconciler: analysis results and share offers (migration m0009)."""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from .tables import ID_LENGTH, SessionTable


def _id() -> Varchar:
    return Varchar(length=ID_LENGTH, primary_key=True, default=None)


def _ref() -> Varchar:
    return Varchar(length=ID_LENGTH, null=True, default=None)


def _at(null: bool = False) -> Timestamptz:
    return Timestamptz(null=null, default=None)


class ReconcilerResultTable(Table, tablename="reconciler_results"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    guesser_id = Varchar(length=ID_LENGTH, default=None)
    subject_id = Varchar(length=ID_LENGTH, default=None)
    created_at = _at()
    alignment_score = Integer(default=0)
    alignment_summary = Text(default="")
    correctly_identified = JSONB(default=[])
    gap_severity = Varchar(length=16, default="none")
    gap_summary = Text(default="")
    missed_feelings = JSONB(default=[])
    misattributions = JSONB(default=[])
    most_important_gap = Text(null=True, default=None)
    recommended_action = Varchar(length=32, default="PROCEED")
    rationale = Text(default="")
    sharing_would_help = Boolean(default=False)
    suggested_share_focus = Text(null=True, default=None)
    area_hint = Text(null=True, default=None)
    guidance_type = Varchar(length=64, null=True, default=None)
    prompt_seed = Text(null=True, default=None)
    suggested_share_content = Text(null=True, default=None)
    suggested_share_reason = Text(null=True, default=None)
    iteration = Integer(default=0)
    was_circuit_breaker_trip = Boolean(default=False)
    superseded_at = _at(null=True)


class ReconcilerShareOfferTable(Table, tablename="reconciler_share_offers"):
    # Unique result_id (one offer per result), by index (see migration m0009).
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    result_id = Varchar(length=ID_LENGTH, default=None)
    user_id = Varchar(length=ID_LENGTH, default=None)
    guesser_id = Varchar(length=ID_LENGTH, default=None)
    status = Varchar(length=16, default=None)
    created_at = _at()
    updated_at = _at()
    suggested_content = Text(default="")
    suggested_reason = Text(default="")
    suggested_share_focus = Text(null=True, default=None)
    recommended_action = Varchar(length=32, default="OFFER_SHARING")
    offer_message_id = _ref()
    refined_content = Text(null=True, default=None)
    shared_content = Text(null=True, default=None)
    shared_at = _at(null=True)
    declined_at = _at(null=True)
    skipped_at = _at(null=True)
    iteration = Integer(default=0)


TABLES: tuple[type[Table], ...] = (ReconcilerResultTable, ReconcilerShareOfferTable)
