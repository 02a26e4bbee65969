"""What a turn captured, kept with the turn so a retried send replays its metadata too."""

from __future__ import annotations

from piccolo.engine.base import Engine


async def forwards(engine: Engine) -> None:
    # Additive only, so it runs on SQLite as well; a literal '{}' is valid JSON on both.
    await engine.run_ddl(
        """ALTER TABLE "turns" ADD COLUMN "reply_metadata" JSONB NOT NULL DEFAULT '{}'"""
    )
