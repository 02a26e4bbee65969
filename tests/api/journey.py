"""Putting two partners at a later stage for tests of that stage.

Stages 0-2 are reached through the API itself. A test of stage 3 or 4 that is not about how
people got there jumps ahead with `jump_to_stage`, which uses the production stage-move code
(`usecases.progression.move_user_to`) in one transaction; it writes progress rows only (no
empathy attempts, needs or messages), like the original's E2E `seed-session`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mwf_core.adapters.db.mapping import from_row
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.adapters.system import SystemClock, UuidIds
from mwf_core.domain.records import OutboxEvent
from mwf_core.usecases.runtime import Dependencies
from tests.unit.journey_seed import move_to

from .harness import Stack, both_at_stage1
from .rest_helpers import user_id


@dataclass(frozen=True)
class Pair:
    """A session of two partners: `inviter` and `invitee` are the stack's user names."""

    session_id: str
    invitation_id: str
    inviter: str
    invitee: str
    inviter_id: str
    invitee_id: str

    def path(self, rest: str = "") -> str:
        return f"/api/sessions/{self.session_id}{rest}"


def deps_of(stack: Stack) -> Dependencies:
    """Production dependencies over the stack's own database (for seeding and reading)."""
    return Dependencies(uow=PiccoloUnitOfWorkFactory(stack.container.engine),
                        clock=SystemClock(), ids=UuidIds())


async def outbox(session_id: str | None = None) -> list[OutboxEvent]:
    """Every event written so far (of one session when `session_id` is given), oldest first.
    Reads the table the `stack` fixture bound to its engine, whatever the delivery status.
    Push rows the dispatcher derives from these events (`parent_id` set) are not events."""
    query = (
        OutboxTable.select()
        .where(OutboxTable.parent_id.is_null())
        .order_by(OutboxTable.created_at, OutboxTable.id)
    )
    if session_id is not None:
        query = query.where(OutboxTable.session_id == session_id)
    return [from_row(OutboxEvent, row) for row in await query.output(load_json=True).run()]


async def both_at_stage2(stack: Stack, inviter: str = "alice", invitee: str = "bob") -> Pair:
    """Both joined, signed and pressed "I feel heard" (through the API)."""
    ids = await both_at_stage1(stack, inviter, invitee)
    for user in (inviter, invitee):
        await stack.ok("POST", f"/api/sessions/{ids['session_id']}/feel-heard", user,
                       {"confirmed": True})
    return Pair(ids["session_id"], ids["invitation_id"], inviter, invitee,
                await user_id(stack, inviter), await user_id(stack, invitee))


async def jump_to_stage(stack: Stack, pair: Pair, stage: int,
                        gates: dict[str, Any] | None = None,
                        users: tuple[str, ...] | None = None) -> None:
    """Move the given users (default both) straight to `stage`, merging `gates` into the row
    they leave."""
    await move_to(deps_of(stack), pair.session_id, users or (pair.inviter_id, pair.invitee_id),
                  stage, gates)


async def both_at_stage(stack: Stack, stage: int, inviter: str = "alice",
                        invitee: str = "bob") -> Pair:
    """Two partners at `stage` (2, 3 or 4): through the API up to 2, then jumping."""
    pair = await both_at_stage2(stack, inviter, invitee)
    if stage > 2:
        await jump_to_stage(stack, pair, stage)
    return pair
