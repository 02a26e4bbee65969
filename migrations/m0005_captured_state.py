"""What the mediator captures in stages 2 to 4: each person's empathy draft, the needs in their
private vessel, and the session's shared proposal inventory."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table

CASCADE = OnDelete.cascade
SET_NULL = OnDelete.set_null


def _tables(engine: Engine) -> list[type[Table]]:
    def pk() -> Varchar:
        return Varchar(length=64, primary_key=True, default=None)

    def ref() -> Varchar:
        return Varchar(length=64, null=True, default=None)

    def at(null: bool = False) -> Timestamptz:
        return Timestamptz(null=null, default=None)

    class Users(Table, tablename="users", db=engine):
        id = pk()

    class Sessions(Table, tablename="sessions", db=engine):
        id = pk()

    class UserVessels(Table, tablename="user_vessels", db=engine):
        id = pk()

    class EmpathyDrafts(Table, tablename="empathy_drafts", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        content = Text(default=None)
        ready_to_share = Boolean(default=False)
        version = Integer(default=1)
        created_at = at()
        updated_at = at()

    class IdentifiedNeeds(Table, tablename="identified_needs", db=engine):
        id = pk()
        vessel_id = ForeignKey(UserVessels, null=False, on_delete=CASCADE)
        need = Text(default=None)
        category = Varchar(length=32, default=None)
        evidence = JSONB(default=[])
        confirmed = Boolean(default=False)
        created_at = at()
        ai_confidence = DoublePrecision(null=True, default=None)
        superseded_by_need_id = ref()
        locked_at = at(null=True)
        deleted_at = at(null=True)

    class StrategyProposals(Table, tablename="strategy_proposals", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        created_by_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)
        description = Text(default=None)
        needs_addressed = JSONB(default=[])
        source = Varchar(length=32, default=None)
        kind = Varchar(length=32, default=None)
        status = Varchar(length=32, default=None)
        created_at = at()
        parent_proposal_id = ref()
        captured_from_message_id = ref()
        removed_at = at(null=True)
        removed_by_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)

    return [EmpathyDrafts, IdentifiedNeeds, StrategyProposals]


INDEXES = (
    'CREATE UNIQUE INDEX "ux_empathy_drafts_session_user" '
    'ON "empathy_drafts" ("session_id", "user_id")',
    'CREATE INDEX "ix_empathy_drafts_user" ON "empathy_drafts" ("user_id")',
    'CREATE INDEX "ix_identified_needs_vessel" ON "identified_needs" ("vessel_id", "created_at")',
    'CREATE INDEX "ix_strategy_proposals_session" '
    'ON "strategy_proposals" ("session_id", "created_at")',
    # ON DELETE SET NULL from users would otherwise scan the table.
    'CREATE INDEX "ix_strategy_proposals_created_by" '
    'ON "strategy_proposals" ("created_by_user_id")',
    'CREATE INDEX "ix_strategy_proposals_removed_by" '
    'ON "strategy_proposals" ("removed_by_user_id")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in INDEXES:
        await engine.run_ddl(statement)
