"""Rolling summaries and notable facts of each person's lane (written after a reply, never on
its path), so long conversations keep their thread within the prompt's budget."""

from __future__ import annotations

from piccolo.columns import JSONB, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table


def _tables(engine: Engine) -> list[type[Table]]:
    class UserVessels(Table, tablename="user_vessels", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)

    class ConversationMemories(Table, tablename="conversation_memories", db=engine):
        id = Varchar(length=64, primary_key=True, default=None)
        vessel_id = ForeignKey(UserVessels, null=False, unique=True, on_delete=OnDelete.cascade)
        summary = Text(default="")
        key_themes = JSONB(default=[])
        notable_facts = JSONB(default=[])
        summarized_messages = Integer(default=0)
        updated_at = Timestamptz(default=None)

    return [ConversationMemories]


async def forwards(engine: Engine) -> None:
    for table in _tables(engine):
        await table.create_table().run()
