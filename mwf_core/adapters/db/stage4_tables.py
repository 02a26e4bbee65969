"""Tables of stage 4 (redesigned flow): private selections, need coverage, declinations, the
revision audit, proposal details and the closure."""

from __future__ import annotations

from piccolo.columns import JSONB, ForeignKey, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from .tables import ID_LENGTH, SessionTable, UserTable, _at, _id


def _ref() -> Varchar:
    # Same session as the row, which leaves only with it: no foreign key needed.
    return Varchar(length=ID_LENGTH, null=True, default=None)


class Stage4SelectionTable(Table, tablename="stage4_selections"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    proposal_id = Varchar(length=ID_LENGTH, default=None)
    # Private to its author: it leaves with them.
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    decision = Varchar(length=32, default=None)
    created_at = _at()
    updated_at = _at()
    note = Text(null=True, default=None)


class Stage4NeedCoverageTable(Table, tablename="stage4_need_coverage"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    need_id = Varchar(length=ID_LENGTH, default=None)
    need_label = Text(default=None)
    source_user_id = ForeignKey(UserTable, null=True, default=None,
                                on_delete=OnDelete.set_null)
    coverage_status = Varchar(length=32, default=None)
    covering_proposal_ids = JSONB(default=[])
    updated_at = _at()


class Stage4NeedDeclinationTable(Table, tablename="stage4_need_declinations"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(UserTable, null=False, on_delete=OnDelete.cascade)
    need_id = Varchar(length=ID_LENGTH, default=None)
    created_at = _at()


class Stage4ProposalRevisionTable(Table, tablename="stage4_proposal_revisions"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    proposal_id = Varchar(length=ID_LENGTH, default=None)
    action = Varchar(length=32, default=None)
    previous_description = Text(default=None)
    created_at = _at()
    new_proposal_id = _ref()
    new_description = Text(null=True, default=None)
    user_id = ForeignKey(UserTable, null=True, default=None, on_delete=OnDelete.set_null)


class Stage4ProposalDetailsTable(Table, tablename="stage4_proposal_details"):
    proposal_id = Varchar(length=ID_LENGTH, primary_key=True, default=None)
    session_id = ForeignKey(SessionTable, null=False, on_delete=OnDelete.cascade)
    duration = Text(null=True, default=None)
    measure_of_success = Text(null=True, default=None)


class Stage4ClosureTable(Table, tablename="stage4_closures"):
    id = _id()
    session_id = ForeignKey(SessionTable, null=False, unique=True,
                            on_delete=OnDelete.cascade)
    kind = Varchar(length=32, default=None)
    reason = Varchar(length=32, default=None)
    closed_at = _at()
    summary = Text(null=True, default=None)
    shared_agreement_ids = JSONB(default=[])
    individual_proposal_ids = JSONB(default=[])
    open_need_ids = JSONB(default=[])
    check_in_at = _at(null=True)
    closed_by_user_id = ForeignKey(UserTable, null=True, default=None,
                                   on_delete=OnDelete.set_null)


TABLES: tuple[type[Table], ...] = (
    Stage4SelectionTable, Stage4NeedCoverageTable, Stage4NeedDeclinationTable,
    Stage4ProposalRevisionTable, Stage4ProposalDetailsTable, Stage4ClosureTable,
)
