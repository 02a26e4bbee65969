"""Stage 4 outcomes: agreements (both flows) and the legacy flow's private strategy rankings."""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table

CASCADE = OnDelete.cascade
SET_NULL = OnDelete.set_null


def _tables(engine: Engine) -> list[type[Table]]:
    def pk() -> Varchar:
        return Varchar(length=64, primary_key=True, default=None)

    def at(null: bool = False) -> Timestamptz:
        return Timestamptz(null=null, default=None)

    class Users(Table, tablename="users", db=engine):
        id = pk()

    class Sessions(Table, tablename="sessions", db=engine):
        id = pk()

    class Agreements(Table, tablename="agreements", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        description = Text(default=None)
        type = Varchar(length=32, default=None)
        status = Varchar(length=32, default=None)
        created_at = at()
        agreed_by_a = Boolean(default=False)
        agreed_by_b = Boolean(default=False)
        agreed_at = at(null=True)
        follow_up_date = at(null=True)
        duration = Text(null=True, default=None)
        measure_of_success = Text(null=True, default=None)
        proposal_id = Varchar(length=64, null=True, default=None)
        created_by_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)

    class StrategyRankings(Table, tablename="strategy_rankings", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        ranked_ids = JSONB(default=[])
        submitted_at = at()

    return [Agreements, StrategyRankings]


INDEXES = (
    'CREATE INDEX "ix_agreements_session" ON "agreements" ("session_id", "created_at")',
    # ON DELETE SET NULL from users would otherwise scan the table.
    'CREATE INDEX "ix_agreements_created_by" ON "agreements" ("created_by_user_id")',
    'CREATE UNIQUE INDEX "ux_strategy_rankings_session_user" '
    'ON "strategy_rankings" ("session_id", "user_id")',
    'CREATE INDEX "ix_strategy_rankings_user" ON "strategy_rankings" ("user_id")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in INDEXES:
        await engine.run_ddl(statement)
