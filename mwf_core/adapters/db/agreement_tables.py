"""Tables of the Stage 4 outcomes: agreements and the legacy flow's strategy rankings."""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, ForeignKey, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from .tables import ID_LENGTH, SessionTable, UserTable, _at, _id


class AgreementTable(Table, tablename="agreements"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    description = Text(default=None)
    type = Varchar(length=32, default=None)
    status = Varchar(length=32, default=None)
    created_at = _at()
    agreed_by_a = Boolean(default=False)
    agreed_by_b = Boolean(default=False)
    agreed_at = _at(null=True)
    follow_up_date = _at(null=True)
    duration = Text(null=True, default=None)
    measure_of_success = Text(null=True, default=None)
    # Same session as the proposal, which leaves only with it: no foreign key needed.
    proposal_id = Varchar(length=ID_LENGTH, null=True, default=None)
    # A shared outcome: a deleted account leaves it, unattributed.
    created_by_user_id = ForeignKey(UserTable, null=True, default=None,
                                    on_delete=OnDelete.set_null)


class StrategyRankingTable(Table, tablename="strategy_rankings"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    ranked_ids = JSONB(default=[])
    submitted_at = _at()


TABLES: tuple[type[Table], ...] = (AgreementTable, StrategyRankingTable)
