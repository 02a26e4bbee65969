"""The reconciler: one row per analysis of a direction (guesser -> subject) and the share
offers made to subjects. Additive only."""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table

CASCADE = OnDelete.cascade


def _tables(engine: Engine) -> list[type[Table]]:
    def pk() -> Varchar:
        return Varchar(length=64, primary_key=True, default=None)

    def ref(null: bool = False) -> Varchar:
        return Varchar(length=64, null=null, default=None)

    def at(null: bool = False) -> Timestamptz:
        return Timestamptz(null=null, default=None)

    class Sessions(Table, tablename="sessions", db=engine):
        id = pk()

    class ReconcilerResults(Table, tablename="reconciler_results", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        guesser_id = ref()
        subject_id = ref()
        created_at = at()
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
        superseded_at = at(null=True)

    class ReconcilerShareOffers(Table, tablename="reconciler_share_offers", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        result_id = ref()
        user_id = ref()
        guesser_id = ref()
        status = Varchar(length=16, default=None)
        created_at = at()
        updated_at = at()
        suggested_content = Text(default="")
        suggested_reason = Text(default="")
        suggested_share_focus = Text(null=True, default=None)
        recommended_action = Varchar(length=32, default="OFFER_SHARING")
        offer_message_id = ref(null=True)
        refined_content = Text(null=True, default=None)
        shared_content = Text(null=True, default=None)
        shared_at = at(null=True)
        declined_at = at(null=True)
        skipped_at = at(null=True)
        iteration = Integer(default=0)

    return [ReconcilerResults, ReconcilerShareOffers]


INDEXES = (
    'CREATE INDEX "ix_reconciler_results_direction" '
    'ON "reconciler_results" ("session_id", "guesser_id", "created_at")',
    'CREATE UNIQUE INDEX "ux_reconciler_share_offers_result" '
    'ON "reconciler_share_offers" ("result_id")',
    'CREATE INDEX "ix_reconciler_share_offers_subject" '
    'ON "reconciler_share_offers" ("session_id", "user_id", "created_at")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in INDEXES:
        await engine.run_ddl(statement)
