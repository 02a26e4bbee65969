"""Stage 4 (redesigned flow): private willingness selections, need coverage, "leave for now"
declinations, the proposal revision audit, proposal details and the one closure per session."""

from __future__ import annotations

from piccolo.columns import JSONB, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table

CASCADE = OnDelete.cascade
SET_NULL = OnDelete.set_null


def _tables(engine: Engine) -> list[type[Table]]:
    def pk() -> Varchar:
        return Varchar(length=64, primary_key=True, default=None)

    def ref(null: bool = False) -> Varchar:
        return Varchar(length=64, null=null, default=None)

    def at(null: bool = False) -> Timestamptz:
        return Timestamptz(null=null, default=None)

    class Users(Table, tablename="users", db=engine):
        id = pk()

    class Sessions(Table, tablename="sessions", db=engine):
        id = pk()

    class Stage4Selections(Table, tablename="stage4_selections", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        proposal_id = ref()
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        decision = Varchar(length=32, default=None)
        created_at = at()
        updated_at = at()
        note = Text(null=True, default=None)

    class Stage4NeedCoverage(Table, tablename="stage4_need_coverage", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        need_id = ref()
        need_label = Text(default=None)
        source_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)
        coverage_status = Varchar(length=32, default=None)
        covering_proposal_ids = JSONB(default=[])
        updated_at = at()

    class Stage4NeedDeclinations(Table, tablename="stage4_need_declinations", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        need_id = ref()
        created_at = at()

    class Stage4ProposalRevisions(Table, tablename="stage4_proposal_revisions", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        proposal_id = ref()
        action = Varchar(length=32, default=None)
        previous_description = Text(default=None)
        created_at = at()
        new_proposal_id = ref(null=True)
        new_description = Text(null=True, default=None)
        user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)

    class Stage4ProposalDetails(Table, tablename="stage4_proposal_details", db=engine):
        proposal_id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        duration = Text(null=True, default=None)
        measure_of_success = Text(null=True, default=None)

    class Stage4Closures(Table, tablename="stage4_closures", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, unique=True, on_delete=CASCADE)
        kind = Varchar(length=32, default=None)
        reason = Varchar(length=32, default=None)
        closed_at = at()
        summary = Text(null=True, default=None)
        shared_agreement_ids = JSONB(default=[])
        individual_proposal_ids = JSONB(default=[])
        open_need_ids = JSONB(default=[])
        check_in_at = at(null=True)
        closed_by_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)

    return [Stage4Selections, Stage4NeedCoverage, Stage4NeedDeclinations,
            Stage4ProposalRevisions, Stage4ProposalDetails, Stage4Closures]


INDEXES = (
    'CREATE UNIQUE INDEX "ux_stage4_selections_proposal_user" '
    'ON "stage4_selections" ("proposal_id", "user_id")',
    'CREATE INDEX "ix_stage4_selections_session" ON "stage4_selections" ("session_id")',
    'CREATE INDEX "ix_stage4_selections_user" ON "stage4_selections" ("user_id")',
    'CREATE INDEX "ix_stage4_need_coverage_session" ON "stage4_need_coverage" ("session_id")',
    'CREATE INDEX "ix_stage4_need_coverage_source" ON "stage4_need_coverage" ("source_user_id")',
    'CREATE UNIQUE INDEX "ux_stage4_need_declinations" '
    'ON "stage4_need_declinations" ("session_id", "user_id", "need_id")',
    'CREATE INDEX "ix_stage4_need_declinations_user" ON "stage4_need_declinations" ("user_id")',
    'CREATE INDEX "ix_stage4_proposal_revisions_session" '
    'ON "stage4_proposal_revisions" ("session_id", "created_at")',
    'CREATE INDEX "ix_stage4_proposal_revisions_user" ON "stage4_proposal_revisions" ("user_id")',
    'CREATE INDEX "ix_stage4_proposal_details_session" '
    'ON "stage4_proposal_details" ("session_id")',
    'CREATE INDEX "ix_stage4_closures_closed_by" ON "stage4_closures" ("closed_by_user_id")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in INDEXES:
        await engine.run_ddl(statement)
