"""The generic stage gate table (partner-journey.md §1.6) and who may move on with it.

`POST /sessions/:id/stages/advance` and the `canAdvance` flag of progress read this table.
The original's table is kept; three gaps it left are closed here, each because the generic
route would otherwise skip a rule the stage-specific routes enforce:

- Stage 0: the inviter leaves it by confirming the invitation (`invitationSent`), not by the
  signature alone; the invitee needs the inviter's signature first (PARTNER_NOT_READY).
- Stage 2 is joint like stage 3: moving to stage 3 needs the partner's stage-2 gates (or the
  partner already past stage 2), as moving to stage 4 needs the partner's stage-3 gates.
- Stage 4 is the last stage: the session ends through closure, never through this route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

LAST_STAGE = 4

GATE_TABLE: dict[int, tuple[str, ...]] = {
    0: ("compactSigned",),
    1: ("feelHeardConfirmed",),
    2: ("empathyValidated",),
    3: ("needsConfirmed", "needsShared", "needsValidated"),
    # The original listed ("rankingSubmitted", "agreementCreated") here: nothing sets the
    # second and there is no stage 5, so the route answered GATES_NOT_SATISFIED forever.
    # Stage 4 has no exit gates: it ends through closure or resolution (INVALID_STAGE here).
    4: (),
}

# Stages whose exit is joint: leaving them needs the partner's gates of the same stage too.
JOINT_EXITS = frozenset({2, 3})


class BlockedReason(StrEnum):
    GATES_NOT_SATISFIED = "GATES_NOT_SATISFIED"
    PARTNER_NOT_READY = "PARTNER_NOT_READY"


@dataclass(frozen=True, slots=True)
class AdvanceCheck:
    """Whether one person may leave `stage`; when not, why and which gate keys are missing."""

    stage: int
    blocked_reason: BlockedReason | None = None
    unsatisfied: tuple[str, ...] = ()
    last_stage: bool = False

    @property
    def allowed(self) -> bool:
        return self.blocked_reason is None and not self.last_stage


def missing_gates(
    stage: int, gates: Mapping[str, Any], *, inviter: bool = False
) -> tuple[str, ...]:
    """Gate keys of `stage` that are not truthy in `gates`."""
    wanted = GATE_TABLE.get(stage, ())
    if stage == 0 and inviter:
        wanted = (*wanted, "invitationSent")
    return tuple(key for key in wanted if not gates.get(key))


def check_advance(
    stage: int,
    my_gates: Mapping[str, Any],
    *,
    inviter: bool,
    partner_stage: int | None,
    partner_gates_at_stage: Mapping[str, Any] | None,
    partner_signed_compact: bool,
) -> AdvanceCheck:
    """May I leave `stage`? `partner_stage` is the partner's current stage (None before they
    joined); `partner_gates_at_stage` their gates of the row at my `stage` (None without one)."""
    if stage >= LAST_STAGE:
        return AdvanceCheck(stage, last_stage=True)
    mine = missing_gates(stage, my_gates, inviter=inviter)
    if mine:
        return AdvanceCheck(stage, BlockedReason.GATES_NOT_SATISFIED, mine)
    if stage == 0 and not inviter and not partner_signed_compact:
        return AdvanceCheck(stage, BlockedReason.PARTNER_NOT_READY, ("compactSigned",))
    if stage in JOINT_EXITS and (partner_stage is None or partner_stage <= stage):
        theirs = (GATE_TABLE[stage] if partner_stage is None or partner_stage < stage
                  else missing_gates(stage, partner_gates_at_stage or {}))
        if theirs:
            return AdvanceCheck(stage, BlockedReason.PARTNER_NOT_READY, theirs)
    return AdvanceCheck(stage)
