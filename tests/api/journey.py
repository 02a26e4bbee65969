"""Putting two partners at a later stage for tests of that stage.

Stages 0-2 are reached through the API itself. A test of stage 3 or 4 that is not about how
people got there jumps ahead with `jump_to_stage`, which uses the production stage-move code
(`usecases.progression.move_user_to`) in one transaction; it writes progress rows only (no
empathy attempts, needs or messages), like the original's E2E `seed-session`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.adapters.system import SystemClock, UuidIds
from mwf_core.usecases.progression import move_user_to
from mwf_core.usecases.runtime import Dependencies

from .harness import Stack, both_at_stage1


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


async def _user_id(stack: Stack, user: str) -> str:
    me = await stack.ok("GET", "/api/auth/me", user)
    return str(me["user"]["id"])


async def both_at_stage2(stack: Stack, inviter: str = "alice", invitee: str = "bob") -> Pair:
    """Both joined, signed and pressed "I feel heard" (through the API)."""
    ids = await both_at_stage1(stack, inviter, invitee)
    for user in (inviter, invitee):
        await stack.ok("POST", f"/api/sessions/{ids['session_id']}/feel-heard", user,
                       {"confirmed": True})
    return Pair(ids["session_id"], ids["invitation_id"], inviter, invitee,
                await _user_id(stack, inviter), await _user_id(stack, invitee))


async def jump_to_stage(stack: Stack, pair: Pair, stage: int,
                        gates: dict[str, Any] | None = None,
                        users: tuple[str, ...] | None = None) -> None:
    """Move the given users (default both) straight to `stage`, merging `gates` into the row
    they leave."""
    deps = Dependencies(uow=PiccoloUnitOfWorkFactory(stack.container.engine),
                        clock=SystemClock(), ids=UuidIds())
    wanted = users or (pair.inviter_id, pair.invitee_id)
    async with deps.uow() as uow:
        rows = await uow.progress.for_session(pair.session_id)
        for uid in wanted:
            await move_user_to(uow, deps, pair.session_id, rows, uid, stage, gates=gates)
        await uow.commit()


async def both_at_stage(stack: Stack, stage: int, inviter: str = "alice",
                        invitee: str = "bob") -> Pair:
    """Two partners at `stage` (2, 3 or 4): through the API up to 2, then jumping."""
    pair = await both_at_stage2(stack, inviter, invitee)
    if stage > 2:
        await jump_to_stage(stack, pair, stage)
    return pair
