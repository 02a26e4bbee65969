"""Stage 4: proposals, selections and closure (partner-journey.md §1.5, §3.8).

- Reads and writes are for members only (404 / 403 like every session route); reads need
  the caller in stage 4 (400 below it: the state shows the partner's needs), writes need
  the caller in stage 4 of an ACTIVE session. The partner's needs are included only once
  both have shared their needs (stage4_inventory.session_needs).
- Selections are private: their events carry who and what changed, never the decision or the
  note, and the partner's decisions appear in the state only when both have shared.
- AI suggestions: `stage4_suggest`; closing (a joint decision that resolves the session
  through `resolution.resolve_session`): `stage4_close`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain.enums import ProposalStatus, Stage
from mwf_core.domain.errors import GateNotSatisfied, NotFound, ValidationFailed, field_error
from mwf_core.domain.records import User
from mwf_core.domain.stage4 import (
    NOTE_MAX,
    SELECTION_SUBMITTED,
    SELECTION_SUBMITTED_AT,
    Decision,
    Stage4NeedDeclination,
    Stage4Selection,
    share_gate,
)
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .runtime import in_transaction
from .session_view import SessionContext, load_context, load_locked_context
from .stage4_close import CloseResult, Stage4CloseMixin
from .stage4_common import partner_row, require_open, require_stage4, require_stage4_view
from .stage4_inventory import session_needs
from .stage4_state import Stage4State
from .stage4_suggest import Stage4SuggestMixin, Suggestion, SuggestResult

__all__ = ["Stage4UseCases", "SelectionInput", "SelectionResult", "CloseResult",
           "Suggestion", "SuggestResult"]

SELECTIONS_MAX = 50

CHANGE_SUBMITTED = "stage4_selection_submitted"
CHANGE_UNSHARED = "stage4_selection_unshared"
CHANGE_REVISED = "stage4_selection_revised"


@dataclass(frozen=True, slots=True)
class SelectionInput:
    proposal_id: str
    decision: str
    note: str | None = None


@dataclass(slots=True)
class SelectionResult:
    submitted: bool
    submitted_at: datetime
    partner_submitted: bool
    state: Stage4State


def _decision(value: str, field: str) -> Decision:
    try:
        return Decision(value)
    except ValueError:
        raise field_error(field, "decision must be WILLING or NOT_WILLING") from None


def _check_note(note: str | None, field: str) -> None:
    if note is not None and len(note) > NOTE_MAX:
        raise field_error(field, f"note must be at most {NOTE_MAX} characters")


class Stage4UseCases(Stage4SuggestMixin, Stage4CloseMixin):
    """The one stage-4 class the container builds: reading, selections, sharing and needs
    left for now here; suggestions in `stage4_suggest`, closing in `stage4_close`."""

    # -- reading -------------------------------------------------------------------------------

    async def state(self, actor: User, session_id: str) -> Stage4State:
        async def work(uow: UnitOfWork) -> Stage4State:
            context = await load_context(uow, session_id, actor)
            require_stage4_view(context)
            return await self._state(uow, context)

        return await in_transaction(self._deps.uow, work)

    # -- selections ----------------------------------------------------------------------------

    async def select(self, actor: User, session_id: str, proposal_id: str, decision: str,
                     note: str | None = None) -> SelectionResult:
        return await self.select_many(actor, session_id,
                                      [SelectionInput(proposal_id, decision, note)],
                                      single=True)

    async def select_many(self, actor: User, session_id: str,
                          selections: list[SelectionInput], *, single: bool = False
                          ) -> SelectionResult:
        """Record the caller's private stances. A change after sharing withdraws the share
        (the partner is told that the selection was revised, not what it now is)."""
        if not selections:
            raise field_error("selections", "Array must contain at least 1 element(s)")
        if len(selections) > SELECTIONS_MAX:
            raise field_error("selections",
                              f"Array must contain at most {SELECTIONS_MAX} element(s)")
        parsed: list[tuple[str, Decision, str | None]] = []
        for index, item in enumerate(selections):
            prefix = "" if single else f"selections.{index}."
            _check_note(item.note, f"{prefix}note")
            parsed.append((item.proposal_id, _decision(item.decision, f"{prefix}decision"),
                           item.note or None))
        if len({pid for pid, _, _ in parsed}) != len(parsed):
            raise field_error("selections", "proposal ids must be unique")

        async def work(uow: UnitOfWork) -> SelectionResult:
            context = await load_locked_context(uow, session_id, actor)
            await require_open(uow, session_id)
            require_stage4(context)
            existing = {s.proposal_id: s for s in await uow.stage4.selections(session_id)
                        if s.user_id == actor.id}
            now = self._deps.clock.now()
            changed = False
            for pid, decision, note in parsed:
                proposal = await uow.proposals.get(pid)
                if proposal is None or proposal.session_id != session_id:
                    raise NotFound("Proposal not found")
                if proposal.status is not ProposalStatus.ACTIVE:
                    raise ValidationFailed("This proposal is no longer active")
                before = existing.get(pid)
                if before is not None and (before.decision, before.note) == (decision, note):
                    continue
                changed = True
                await uow.stage4.put_selection(Stage4Selection(
                    id=self._deps.ids.new_id(), session_id=session_id, proposal_id=pid,
                    user_id=actor.id, decision=decision, note=note, created_at=now,
                    updated_at=now))
            if changed:
                await self._withdraw_share(uow, context, CHANGE_REVISED)
            theirs = partner_row(context)
            return SelectionResult(
                True, now,
                bool(theirs and theirs.gates_satisfied.get(SELECTION_SUBMITTED)),
                await self._state(uow, context))

        return await in_transaction(self._deps.uow, work)

    # -- sharing -------------------------------------------------------------------------------

    async def share(self, actor: User, session_id: str) -> Stage4State:
        async def work(uow: UnitOfWork) -> Stage4State:
            context = await load_locked_context(uow, session_id, actor)
            await require_open(uow, session_id)
            require_stage4(context)
            row = context.row(actor.id, Stage.STRATEGIC_REPAIR)
            assert row is not None  # require_stage4
            if row.gates_satisfied.get(SELECTION_SUBMITTED):
                return await self._state(uow, context)
            report = share_gate(
                actor.id, await uow.proposals.for_session(session_id),
                [need.id for need, _ in await session_needs(uow, session_id, actor.id)],
                await uow.stage4.selections(session_id),
                [d.need_id for d in await uow.stage4.declinations(session_id)
                 if d.user_id == actor.id])
            if not report.satisfied:
                details: dict[str, list[str]] = {}
                if report.proposals_without_stance:
                    details["proposalsWithoutStance"] = report.proposals_without_stance
                if report.needs_unresolved:
                    details["unresolvedNeeds"] = report.needs_unresolved
                raise GateNotSatisfied(
                    "Give a stance on every shared proposal, and be willing on a proposal "
                    "for every need or leave it for now, before sharing", details)
            now = self._deps.clock.now()
            row.gates_satisfied = {**row.gates_satisfied, SELECTION_SUBMITTED: True,
                                   SELECTION_SUBMITTED_AT: js_iso(now)}
            await uow.progress.update(row)
            theirs = partner_row(context)
            both = bool(theirs and theirs.gates_satisfied.get(SELECTION_SUBMITTED))
            await self._event(uow, session_id, {"submittedBy": actor.id,
                                                "change": CHANGE_SUBMITTED,
                                                "bothSubmitted": both})
            return await self._state(uow, context)

        return await in_transaction(self._deps.uow, work)

    async def unshare(self, actor: User, session_id: str) -> Stage4State:
        async def work(uow: UnitOfWork) -> Stage4State:
            context = await load_locked_context(uow, session_id, actor)
            await require_open(uow, session_id)
            require_stage4(context)
            await self._withdraw_share(uow, context, CHANGE_UNSHARED)
            return await self._state(uow, context)

        return await in_transaction(self._deps.uow, work)

    async def _withdraw_share(self, uow: UnitOfWork, context: SessionContext,
                              change: str) -> None:
        row = context.row(context.viewer.id, Stage.STRATEGIC_REPAIR)
        if row is None or not row.gates_satisfied.get(SELECTION_SUBMITTED):
            return
        gates = {k: v for k, v in row.gates_satisfied.items() if k != SELECTION_SUBMITTED_AT}
        gates[SELECTION_SUBMITTED] = False
        row.gates_satisfied = gates
        await uow.progress.update(row)
        await self._event(uow, context.session.id, {"submittedBy": context.viewer.id,
                                                    "change": change})

    # -- needs left for now --------------------------------------------------------------------

    async def decline_need(self, actor: User, session_id: str, need_id: str,
                           declined: bool) -> Stage4State:
        async def work(uow: UnitOfWork) -> Stage4State:
            context = await load_locked_context(uow, session_id, actor)
            await require_open(uow, session_id)
            require_stage4(context)
            if need_id not in {n.id for n, _ in await session_needs(uow, session_id, actor.id)}:
                raise NotFound("Need not found")
            if declined:
                changed = await uow.stage4.add_declination(Stage4NeedDeclination(
                    self._deps.ids.new_id(), session_id, actor.id, need_id,
                    self._deps.clock.now()))
            else:
                changed = await uow.stage4.remove_declination(session_id, actor.id, need_id)
            if changed and not declined:
                # Taking a "leave for now" back can break the shared gate: share again.
                await self._withdraw_share(uow, context, CHANGE_REVISED)
            return await self._state(uow, context)

        return await in_transaction(self._deps.uow, work)
