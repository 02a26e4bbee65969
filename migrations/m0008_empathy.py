"""Stage 2's empathy exchange: the attempts people consented to share, the subjects'
validations of them (with "not quite" feedback), and private drafts of that feedback."""

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

    def ref() -> Varchar:
        return Varchar(length=64, null=True, default=None)

    def at(null: bool = False) -> Timestamptz:
        return Timestamptz(null=null, default=None)

    class Users(Table, tablename="users", db=engine):
        id = pk()

    class Sessions(Table, tablename="sessions", db=engine):
        id = pk()

    class EmpathyAttempts(Table, tablename="empathy_attempts", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        source_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)
        content = Text(default=None)
        shared_at = at()
        status = Varchar(length=32, default=None)
        created_at = at()
        updated_at = at()
        draft_id = ref()
        consent_record_id = ref()
        status_version = Integer(default=0)
        revealed_at = at(null=True)
        revision_count = Integer(default=0)
        delivery_status = Varchar(length=16, default="PENDING")
        delivered_at = at(null=True)
        seen_at = at(null=True)

    class EmpathyValidations(Table, tablename="empathy_validations", db=engine):
        id = pk()
        attempt_id = ForeignKey(EmpathyAttempts, null=False, on_delete=CASCADE)
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        validated = Boolean(default=False)
        validated_at = at()
        feedback = Text(null=True, default=None)
        feedback_shared = Boolean(default=False)

    class ValidationFeedbackDrafts(Table, tablename="validation_feedback_drafts", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        content = Text(default=None)
        ready_to_share = Boolean(default=False)
        created_at = at()
        updated_at = at()

    return [EmpathyAttempts, EmpathyValidations, ValidationFeedbackDrafts]


INDEXES = (
    'CREATE UNIQUE INDEX "ux_empathy_attempts_session_source" '
    'ON "empathy_attempts" ("session_id", "source_user_id")',
    # ON DELETE SET NULL from users would otherwise scan the table.
    'CREATE INDEX "ix_empathy_attempts_source" ON "empathy_attempts" ("source_user_id")',
    'CREATE UNIQUE INDEX "ux_empathy_validations_attempt_user" '
    'ON "empathy_validations" ("attempt_id", "user_id")',
    'CREATE INDEX "ix_empathy_validations_session" ON "empathy_validations" ("session_id")',
    'CREATE INDEX "ix_empathy_validations_user" ON "empathy_validations" ("user_id")',
    'CREATE UNIQUE INDEX "ux_validation_feedback_drafts_session_user" '
    'ON "validation_feedback_drafts" ("session_id", "user_id")',
    'CREATE INDEX "ix_validation_feedback_drafts_user" ON "validation_feedback_drafts" ("user_id")',
)


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
    for statement in INDEXES:
        await engine.run_ddl(statement)
