"""Initial schema: every table of the partner journey, its foreign keys and indexes.

The Table classes below are a frozen copy of mwf_core/adapters/db/tables.py as of this
migration, built per call and bound to the engine being migrated, so Piccolo writes the DDL in
that engine's dialect and later edits of tables.py cannot change what this migration does.
"""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table, sort_table_classes

CASCADE = OnDelete.cascade
SET_NULL = OnDelete.set_null


def _tables(engine: Engine) -> list[type[Table]]:
    def pk(length: int = 64) -> Varchar:
        return Varchar(length=length, primary_key=True, default=None)

    def at(null: bool = False) -> Timestamptz:
        return Timestamptz(null=null, default=None)

    def text(null: bool = True) -> Text:
        return Text(null=null, default=None)

    def varchar(length: int, null: bool = False, **kwargs: object) -> Varchar:
        return Varchar(length=length, null=null, default=None, **kwargs)  # type: ignore[arg-type]

    class Users(Table, tablename="users", db=engine):
        id = pk()
        auth_subject = varchar(255, unique=True)
        email = varchar(320, null=True, unique=True)
        name = text()
        first_name = text()
        last_name = text()
        created_at = at()
        updated_at = at()
        push_token = text()
        biometric_enabled = Boolean(default=False)
        last_mood_intensity = Integer(null=True, default=None)
        privacy_preferences = JSONB(default={})

    class Relationships(Table, tablename="relationships", db=engine):
        id = pk()
        created_at = at()

    class RelationshipMembers(Table, tablename="relationship_members", db=engine):
        id = pk(2 * 64 + 1)
        relationship_id = ForeignKey(Relationships, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        joined_at = at()
        nickname = text()
        role = Varchar(length=32, default="member")

    class Sessions(Table, tablename="sessions", db=engine):
        id = pk()
        relationship_id = ForeignKey(Relationships, null=False, on_delete=CASCADE)
        status = varchar(32)
        created_at = at()
        updated_at = at()
        type = varchar(32)
        resolved_at = at(null=True)
        topic_frame = text()
        topic_frame_confirmed_at = at(null=True)

    class Invitations(Table, tablename="invitations", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        invited_by_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        name = text()
        status = varchar(32)
        created_at = at()
        expires_at = at()
        invite_email = varchar(320, null=True)
        message_confirmed = Boolean(default=False)
        message_confirmed_at = at(null=True)
        accepted_at = at(null=True)
        declined_at = at(null=True)
        decline_reason = text()

    class StageProgress(Table, tablename="stage_progress", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        stage = Integer()
        status = varchar(32)
        started_at = at(null=True)
        completed_at = at(null=True)
        gates_satisfied = JSONB(default={})

    class UserVessels(Table, tablename="user_vessels", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        created_at = at()
        creation_context = text()
        last_viewed_at = at(null=True)
        last_seen_chat_item_id = varchar(64, null=True)
        archived_at = at(null=True)

    class SharedVessels(Table, tablename="shared_vessels", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, unique=True, on_delete=CASCADE)
        created_at = at()

    class Messages(Table, tablename="messages", db=engine):
        id = pk()
        session_id = ForeignKey(Sessions, null=False, on_delete=CASCADE)
        sender_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)
        for_user_id = ForeignKey(Users, null=True, default=None, on_delete=CASCADE)
        role = varchar(32)
        content = text(null=False)
        stage = Integer()
        timestamp = at()

    class ConsentRecords(Table, tablename="consent_records", db=engine):
        id = pk()
        user_id = ForeignKey(Users, null=False, on_delete=CASCADE)
        session_id = ForeignKey(Sessions, null=True, default=None, on_delete=SET_NULL)
        target_type = varchar(32)
        target_id = varchar(64, null=True)
        created_at = at()
        requested_by_user_id = ForeignKey(Users, null=True, default=None, on_delete=SET_NULL)
        decision = varchar(32, null=True)
        decided_at = at(null=True)
        revoked_at = at(null=True)
        metadata = JSONB(default={})

    class EmotionalReadings(Table, tablename="emotional_readings", db=engine):
        id = pk()
        vessel_id = ForeignKey(UserVessels, null=False, on_delete=CASCADE)
        intensity = Integer()
        stage = Integer()
        timestamp = at()
        context = text()

    class Outbox(Table, tablename="outbox", db=engine):
        id = pk()
        session_id = varchar(64, null=True)
        channel = varchar(255)
        name = varchar(255)
        payload = JSONB(default={})
        created_at = at()
        status = varchar(32)
        attempts = Integer(default=0)
        last_error = text()
        delivered_at = at(null=True)

    return [
        Users,
        Relationships,
        RelationshipMembers,
        Sessions,
        Invitations,
        StageProgress,
        UserVessels,
        SharedVessels,
        Messages,
        ConsentRecords,
        EmotionalReadings,
        Outbox,
    ]


# Composite uniques are indexes, not constraints: Piccolo adds table constraints with
# ALTER TABLE ... ADD CONSTRAINT, which SQLite lacks; CREATE UNIQUE INDEX works on both, and
# ON CONFLICT accepts a unique index as its arbiter.
INDEXES = (
    'CREATE UNIQUE INDEX "ux_relationship_members_pair" '
    'ON "relationship_members" ("relationship_id", "user_id")',
    'CREATE INDEX "ix_relationship_members_user" ON "relationship_members" ("user_id")',
    'CREATE INDEX "ix_sessions_relationship" ON "sessions" ("relationship_id", "created_at")',
    'CREATE INDEX "ix_invitations_session" ON "invitations" ("session_id", "created_at")',
    'CREATE UNIQUE INDEX "ux_stage_progress_session_user_stage" '
    'ON "stage_progress" ("session_id", "user_id", "stage")',
    'CREATE UNIQUE INDEX "ux_user_vessels_session_user" '
    'ON "user_vessels" ("session_id", "user_id")',
    'CREATE INDEX "ix_user_vessels_user" ON "user_vessels" ("user_id")',
    # A lane is (sender = me AND for_user IS NULL) OR for_user = me: one index per branch.
    'CREATE INDEX "ix_messages_lane_for_user" '
    'ON "messages" ("session_id", "for_user_id", "timestamp")',
    'CREATE INDEX "ix_messages_lane_sender" ON "messages" ("session_id", "sender_id", "timestamp")',
    'CREATE INDEX "ix_consent_records_user" ON "consent_records" ("user_id", "created_at")',
    'CREATE INDEX "ix_emotional_readings_vessel" '
    'ON "emotional_readings" ("vessel_id", "timestamp")',
    'CREATE INDEX "ix_outbox_status_created" ON "outbox" ("status", "created_at")',
    'CREATE INDEX "ix_outbox_session" ON "outbox" ("session_id", "created_at")',
)


async def forwards(engine: Engine) -> None:
    for table in sort_table_classes(_tables(engine)):
        await table.create_table().run()
    for statement in INDEXES:
        await engine.run_ddl(statement)
