"""Around the stages: consented content in the shared vessel, logged calming exercises, and
when each person last opened the share tab."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table

CASCADE = OnDelete.cascade
SET_NULL = OnDelete.set_null


def _tables(engine: Engine) -> list[type[Table]]:
    def pk() -> Varchar:
        return Varchar(length=64, primary_key=True, default=None)

    def ref(null: bool = True) -> Varchar:
        return Varchar(length=64, null=null, default=None)

    def at(null: bool = False) -> Timestamptz:
        return Timestamptz(null=null, default=None)

    class Users(Table, tablename="users", db=engine):
        id = pk()

    class Sessions(Table, tablename="sessions", db=engine):
        id = pk()

    class SharedVessels(Table, tablename="shared_vessels", db=engine):
        id = pk()

    class UserVessels(Table, tablename="user_vessels", db=engine):
        id = pk()

    class ConsentedContent(Table, tablename="consented_content", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        shared_vessel_id = ForeignKey(SharedVessels, null=True, default=None, on_delete=CASCADE)
        consent_record_id = ref(null=False)
        source_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)
        target_id = ref()
        transformed_content = Text(default=None)
        consented_at = at()
        consent_active = Boolean(default=True)
        revoked_at = at(null=True)

    class ExerciseCompletions(Table, tablename="exercise_completions", db=engine):
        id = pk()
        vessel_id = ForeignKey(UserVessels, null=False, on_delete=CASCADE)
        type = Varchar(length=32, default=None)
        completed_at = at()
        intensity_before = Integer(null=True, default=None)
        intensity_after = Integer(null=True, default=None)

    return [ConsentedContent, ExerciseCompletions]


STATEMENTS = (
    'ALTER TABLE "user_vessels" ADD COLUMN "last_viewed_share_tab_at" TIMESTAMPTZ NULL',
    'CREATE UNIQUE INDEX "ux_consented_content_record" '
    'ON "consented_content" ("consent_record_id")',
    'CREATE INDEX "ix_consented_content_session" ON "consented_content" ("session_id")',
    # ON DELETE SET NULL / CASCADE from users and shared vessels would otherwise scan.
    'CREATE INDEX "ix_consented_content_source" ON "consented_content" ("source_user_id")',
    'CREATE INDEX "ix_consented_content_vessel" ON "consented_content" ("shared_vessel_id")',
    'CREATE INDEX "ix_exercise_completions_vessel" '
    'ON "exercise_completions" ("vessel_id", "completed_at")',
    'CREATE INDEX "ix_consent_records_session_user" '
    'ON "consent_records" ("session_id", "user_id", "created_at")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in STATEMENTS:
        await engine.run_ddl(statement)
