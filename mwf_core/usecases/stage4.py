"""Stage 4: proposals, selections and closure (partner-journey.md §1.5, §3.8).

- Reads and writes are for members only (404 / 403 like every session route); reads need
  the caller in stage 4 (400 below it: the state shows the partner's needs), writes need
  the caller in stage 4 of an ACTIVE session. The partner's needs are included only once
  both have shared their needs (stage4_inventory.session_needs).
- Selections are private: their events carry who and what changed, never the decision or the
  note, and the partner's decisions appear in the state only when both have shared.
- Closing is a joint decision: it runs after `load_locked_context`, so of two partners closing
  at once exactly one writes the closure and publishes `session.resolved`; the other gets 409.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mwf_core.domain import events
from mwf_core.domain.agreements import (
    MAX_AGREEMENTS,
    Agreement,
    AgreementStatus,
    AgreementType,
)
from mwf_core.domain.enums import (
    ProposalKind,
    ProposalSource,
    ProposalStatus,
    SessionStatus,
    Stage,
    StageStatus,
)
from mwf_core.domain.errors import (
    Conflict,
    GateNotSatisfied,
    NotFound,
    SessionNotActive,
    ValidationFailed,
    field_error,
)
from mwf_core.domain.records import StrategyProposal, User
from mwf_core.domain.stage4 import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    NOTE_MAX,
    SELECTION_SUBMITTED,
    SELECTION_SUBMITTED_AT,
    SUGGEST_MAX,
    SUMMARY_MAX,
    ClosureKind,
    ClosureReason,
    ClosureRefused,
    Decision,
    Stage4Closure,
    Stage4NeedDeclination,
    Stage4ProposalDetails,
    Stage4Selection,
    check_in_date,
    coverage_of,
    fallback_suggestions,
    mutually_willing,
    plan_closure,
    share_gate,
)
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.llm import ChatTurn, LanguageModel, LlmError, LlmRequest, ModelRole
from mwf_core.ports.repositories import UnitOfWork
from mwf_core.usecases.runtime import Dependencies, in_transaction, new_event
from mwf_core.usecases.session_view import SessionContext, load_context, load_locked_context
from mwf_core.usecases.stage4_inventory import refresh_coverage, session_needs
from mwf_core.usecases.stage4_state import Stage4Rows, Stage4State, build_state

log = logging.getLogger("mwf.stage4")

SUGGEST_CALL = "stage4-suggest-proposals"
FOCUS_MAX, FOCUS_ITEM_MAX = 10, 200
SELECTIONS_MAX = 50
STAGE = int(Stage.STRATEGIC_REPAIR)

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


@dataclass(slots=True)
class Suggestion:
    proposal: StrategyProposal
    duration: str | None
    measure_of_success: str | None


@dataclass(slots=True)
class SuggestResult:
    suggestions: list[Suggestion]
    source: str
    state: Stage4State


@dataclass(slots=True)
class CloseResult:
    closed: bool
    closed_at: datetime
    state: Stage4State


def _decision(value: str, field: str) -> Decision:
    try:
        return Decision(value)
    except ValueError:
        raise field_error(field, "decision must be WILLING or NOT_WILLING") from None


def _check_note(note: str | None, field: str) -> None:
    if note is not None and len(note) > NOTE_MAX:
        raise field_error(field, f"note must be at most {NOTE_MAX} characters")


def _require_stage4(context: SessionContext) -> None:
    if context.session.status is not SessionStatus.ACTIVE:
        raise SessionNotActive("Session is not active")
    current = context.current(context.viewer.id)
    stage = current.stage if current else 0
    if stage != STAGE:
        raise ValidationFailed(
            f"Cannot update stage 4: you are in stage {stage}, but stage 4 is required")


def _require_stage4_view(context: SessionContext) -> None:
    """Reading stage 4 needs the reader in stage 4 (also after the session was resolved
    there): the state carries the partner's needs, which are private below stage 4."""
    current = context.current(context.viewer.id)
    stage = current.stage if current else 0
    if stage != STAGE:
        raise ValidationFailed(
            f"Cannot view stage 4: you are in stage {stage}, but stage 4 is required")


class Stage4UseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm

    # -- reading -------------------------------------------------------------------------------

    async def state(self, actor: User, session_id: str) -> Stage4State:
        async def work(uow: UnitOfWork) -> Stage4State:
            context = await load_context(uow, session_id, actor)
            _require_stage4_view(context)
            return await self._state(uow, context)

        return await in_transaction(self._deps.uow, work)

    async def _state(self, uow: UnitOfWork, context: SessionContext) -> Stage4State:
        return build_state(await self._rows(uow, context))

    async def _rows(self, uow: UnitOfWork, context: SessionContext) -> Stage4Rows:
        sid = context.session.id
        partner_id = context.partner.id if context.partner else None
        mine = context.row(context.viewer.id, Stage.STRATEGIC_REPAIR)
        theirs = context.row(partner_id, Stage.STRATEGIC_REPAIR) if partner_id else None
        coverage = await uow.stage4.coverage(sid)
        return Stage4Rows(
            viewer_id=context.viewer.id, partner_id=partner_id,
            proposals=await uow.proposals.for_session(sid),
            needs=await session_needs(uow, sid, context.viewer.id),
            selections=await uow.stage4.selections(sid),
            declinations=await uow.stage4.declinations(sid),
            details=await uow.stage4.details(sid),
            closure=await uow.stage4.closure(sid),
            agreements=await uow.agreements.for_session(sid),
            my_gates=dict(mine.gates_satisfied) if mine else {},
            partner_gates=dict(theirs.gates_satisfied) if theirs else {},
            coverage_updated_at=max((c.updated_at for c in coverage), default=None),
            now=self._deps.clock.now(),
        )

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
            await self._require_open(uow, session_id)
            _require_stage4(context)
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
            partner_row = self._partner_row(context)
            return SelectionResult(
                True, now,
                bool(partner_row and partner_row.gates_satisfied.get(SELECTION_SUBMITTED)),
                await self._state(uow, context))

        return await in_transaction(self._deps.uow, work)

    # -- sharing -------------------------------------------------------------------------------

    async def share(self, actor: User, session_id: str) -> Stage4State:
        async def work(uow: UnitOfWork) -> Stage4State:
            context = await load_locked_context(uow, session_id, actor)
            await self._require_open(uow, session_id)
            _require_stage4(context)
            row = context.row(actor.id, Stage.STRATEGIC_REPAIR)
            assert row is not None  # _require_stage4
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
            partner_row = self._partner_row(context)
            both = bool(partner_row and partner_row.gates_satisfied.get(SELECTION_SUBMITTED))
            await self._event(uow, session_id, {"submittedBy": actor.id,
                                                "change": CHANGE_SUBMITTED,
                                                "bothSubmitted": both})
            return await self._state(uow, context)

        return await in_transaction(self._deps.uow, work)

    async def unshare(self, actor: User, session_id: str) -> Stage4State:
        async def work(uow: UnitOfWork) -> Stage4State:
            context = await load_locked_context(uow, session_id, actor)
            await self._require_open(uow, session_id)
            _require_stage4(context)
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
            await self._require_open(uow, session_id)
            _require_stage4(context)
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

    # -- AI suggestions ------------------------------------------------------------------------

    async def suggest(self, actor: User, session_id: str, count: int = SUGGEST_MAX,
                      focus_needs: list[str] | None = None, need_id: str | None = None
                      ) -> SuggestResult:
        """Ask the mechanic model for up to `count` proposals; a deterministic answer stands
        in when it fails. They join the inventory as AI_SUGGESTED shared proposals."""
        if not 1 <= count <= SUGGEST_MAX:
            raise field_error("count", f"count must be between 1 and {SUGGEST_MAX}")
        focus = list(focus_needs or [])
        if len(focus) > FOCUS_MAX:
            raise field_error("focusNeeds", f"at most {FOCUS_MAX} focus needs")
        if any(len(f) > FOCUS_ITEM_MAX for f in focus):
            raise field_error("focusNeeds", f"each focus need is at most {FOCUS_ITEM_MAX} "
                                            "characters")

        async def read(uow: UnitOfWork) -> dict[str, str]:
            context = await load_context(uow, session_id, actor)
            await self._require_open(uow, session_id)
            _require_stage4(context)
            needs = {n.id: n.need for n, _ in await session_needs(uow, session_id, actor.id)}
            if need_id and need_id not in needs:
                raise NotFound("Need not found")
            return needs

        needs = await in_transaction(self._deps.uow, read)
        targets = {need_id: needs[need_id]} if need_id else needs
        raw = await self._ask_model(actor, session_id, targets, focus, count)
        if not raw:
            raw = fallback_suggestions(targets, count)

        async def write(uow: UnitOfWork) -> SuggestResult:
            context = await load_locked_context(uow, session_id, actor)
            await self._require_open(uow, session_id)
            _require_stage4(context)
            live = {n.id for n, _ in await session_needs(uow, session_id, actor.id)}
            active = await uow.proposals.for_session(
                session_id, frozenset({ProposalStatus.ACTIVE}))
            seen = {" ".join(p.description.split()).casefold() for p in active}
            made: list[Suggestion] = []
            now = self._deps.clock.now()
            for item in raw[:count]:
                text = " ".join(str(item.get("description", "")).split())[:DESCRIPTION_MAX]
                if len(text) < DESCRIPTION_MIN or text.casefold() in seen:
                    continue
                seen.add(text.casefold())
                addressed = [str(n) for n in item.get("needsAddressed", []) or []
                             if str(n) in live]
                proposal = StrategyProposal(
                    id=self._deps.ids.new_id(), session_id=session_id, created_by_user_id=None,
                    description=text, needs_addressed=list(dict.fromkeys(addressed)),
                    source=ProposalSource.AI_SUGGESTED, kind=ProposalKind.SHARED_PROPOSAL,
                    status=ProposalStatus.ACTIVE, created_at=now)
                await uow.proposals.add(proposal)
                duration = _short(item.get("duration"), 100)
                measure = _short(item.get("measureOfSuccess"), 500)
                await uow.stage4.put_details(Stage4ProposalDetails(
                    proposal.id, session_id, duration, measure))
                made.append(Suggestion(proposal, duration, measure))
            if made:
                await refresh_coverage(uow, self._deps, session_id)
                await self._event(uow, session_id, {
                    "updatedBy": actor.id, "appliedOperationCount": len(made),
                    "skippedOperationCount": min(len(raw), count) - len(made),
                    "selectionCaptured": False})
            return SuggestResult(made, "AI_GENERATED", await self._state(uow, context))

        return await in_transaction(self._deps.uow, write)

    async def _ask_model(self, actor: User, session_id: str, needs: dict[str, str],
                         focus: list[str], count: int) -> list[dict[str, Any]]:
        listing = "\n".join(f"- {nid}: {label}" for nid, label in needs.items()) or "- (none)"
        prompt = (f"Needs (id: need):\n{listing}\n"
                  + (f"Focus on: {', '.join(focus)}\n" if focus else "")
                  + f"Suggest {count} proposals.")
        request = LlmRequest(
            role=ModelRole.MECHANIC, call_type=SUGGEST_CALL,
            system_static=(
                "You suggest small, concrete, time-limited, reversible and observable "
                "experiments two people could try together, each addressing one or more of "
                "the listed needs. Answer with JSON only: {\"suggestions\": [{\"description\": "
                "str (10-1000 chars), \"needsAddressed\": [need ids], \"duration\": str, "
                "\"measureOfSuccess\": str}]}"),
            messages=(ChatTurn("user", prompt),), max_tokens=1024, session_id=session_id,
            user_id=actor.id, hints={"needs": needs, "count": count})
        try:
            result = await self._llm.complete(request)
        except LlmError as error:
            log.warning("stage-4 suggestions: model failed (%s); deterministic fallback",
                        error.code)
            return []
        return _parse_suggestions(result.text)

    # -- closing -------------------------------------------------------------------------------

    async def close(self, actor: User, session_id: str, kind: str | None = None,
                    reason: str | None = None, summary: str | None = None,
                    check_in: datetime | None = None) -> CloseResult:
        closure_kind = _enum(ClosureKind, kind, "kind")
        closure_reason = _enum(ClosureReason, reason, "reason")
        if summary is not None and len(summary) > SUMMARY_MAX:
            raise field_error("summary", f"summary must be at most {SUMMARY_MAX} characters")

        async def work(uow: UnitOfWork) -> CloseResult:
            context = await load_locked_context(uow, session_id, actor)
            if await uow.stage4.closure(session_id) is not None:
                raise Conflict("Stage 4 is already closed")
            _require_stage4(context)
            partner_id = context.partner.id if context.partner else None
            mine = context.row(actor.id, Stage.STRATEGIC_REPAIR)
            theirs = self._partner_row(context)
            both_shared = bool(mine and mine.gates_satisfied.get(SELECTION_SUBMITTED)
                               and theirs and theirs.gates_satisfied.get(SELECTION_SUBMITTED))
            proposals = await uow.proposals.for_session(session_id)
            selections = await uow.stage4.selections(session_id)
            mutual = (mutually_willing(proposals, selections, (actor.id, partner_id))
                      if partner_id else [])
            try:
                plan = plan_closure(closure_kind, closure_reason, both_shared=both_shared,
                                    mutual=mutual)
            except ClosureRefused as refused:
                if refused.field:
                    raise field_error(refused.field, refused.message) from None
                raise GateNotSatisfied(refused.message) from None
            now = self._deps.clock.now()
            follow_up = check_in_date(check_in, now)
            agreements = await self._agree(uow, session_id, actor.id, plan.agreement_proposals,
                                           follow_up, now)
            # The outcome is seen by both: a person's WILLING choices count only once that
            # person shared their selections (unshared ones stay private).
            shared_by = {uid for uid, row in ((actor.id, mine), (partner_id, theirs))
                         if uid and row and row.gates_satisfied.get(SELECTION_SUBMITTED)}
            willing_by = {(s.proposal_id, s.user_id) for s in selections
                          if s.decision is Decision.WILLING and s.user_id in shared_by}
            individual = [p.id for p in proposals
                          if p.status is ProposalStatus.ACTIVE
                          and p.kind is ProposalKind.INDIVIDUAL_COMMITMENT
                          and any((p.id, uid) in willing_by for uid in (actor.id, partner_id))]
            needs = await session_needs(uow, session_id, actor.id)
            open_needs = [n.id for n, _ in needs
                          if coverage_of(n.id, proposals)[0].value == "OPEN"]
            await uow.stage4.add_closure(Stage4Closure(
                id=self._deps.ids.new_id(), session_id=session_id, kind=plan.kind,
                reason=plan.reason, closed_at=now, summary=summary or None,
                shared_agreement_ids=[a.id for a in agreements],
                individual_proposal_ids=individual, open_need_ids=open_needs,
                check_in_at=follow_up if agreements else check_in,
                closed_by_user_id=actor.id))
            await self._resolve(uow, context, now)
            ids = [a.id for a in agreements]
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id), events.SESSION_RESOLVED,
                session_id, {"closedBy": actor.id, "kind": plan.kind.value,
                             "closureKind": plan.kind.value, "agreementIds": ids,
                             "resolvedAt": js_iso(now)}))
            await refresh_coverage(uow, self._deps, session_id, needs)
            return CloseResult(True, now, await self._state(uow, context))

        return await in_transaction(self._deps.uow, work)

    async def _agree(self, uow: UnitOfWork, session_id: str, actor_id: str,
                     chosen: list[StrategyProposal], follow_up: datetime, now: datetime
                     ) -> list[Agreement]:
        existing = [a for a in await uow.agreements.for_session(session_id)
                    if a.status is not AgreementStatus.ABANDONED]
        room = max(0, MAX_AGREEMENTS - len(existing))
        details = {d.proposal_id: d for d in await uow.stage4.details(session_id)}
        made = []
        for proposal in chosen[:room]:
            extra = details.get(proposal.id)
            agreement = Agreement(
                id=self._deps.ids.new_id(), session_id=session_id,
                description=proposal.description, type=AgreementType.MICRO_EXPERIMENT,
                status=AgreementStatus.AGREED, created_at=now, agreed_by_a=True,
                agreed_by_b=True, agreed_at=now, follow_up_date=follow_up,
                duration=extra.duration if extra else None,
                measure_of_success=extra.measure_of_success if extra else None,
                proposal_id=proposal.id, created_by_user_id=actor_id)
            await uow.agreements.add(agreement)
            await uow.proposals.retire(proposal.id, ProposalStatus.CONVERTED_TO_AGREEMENT)
            made.append(agreement)
        return made

    async def _resolve(self, uow: UnitOfWork, context: SessionContext, now: datetime) -> None:
        session = context.session
        session.status = SessionStatus.RESOLVED
        session.resolved_at = now
        session.updated_at = now
        await uow.sessions.update(session)
        for row in context.progress:
            if row.status is not StageStatus.COMPLETED:
                row.status = StageStatus.COMPLETED
                row.completed_at = row.completed_at or now
                await uow.progress.update(row)

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _partner_row(context: SessionContext) -> Any:
        partner_id = context.partner.id if context.partner else None
        return context.row(partner_id, Stage.STRATEGIC_REPAIR) if partner_id else None

    @staticmethod
    async def _require_open(uow: UnitOfWork, session_id: str) -> None:
        if await uow.stage4.closure(session_id) is not None:
            raise Conflict("Stage 4 is already closed")

    async def _event(self, uow: UnitOfWork, session_id: str, payload: dict[str, Any]) -> None:
        await uow.outbox.add(new_event(
            self._deps, events.session_channel(session_id), events.STRATEGIES_UPDATED,
            session_id, {"stage": STAGE, **payload}))


def _enum(kind: Any, value: str | None, field: str) -> Any:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise field_error(field, f"{field} must be one of {allowed}") from None


def _short(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:limit]


def _parse_suggestions(text: str) -> list[dict[str, Any]]:
    """The model's JSON (possibly wrapped in prose or a code fence); [] when unusable."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return []
    try:
        data = json.loads(text[start:end + 1])
    except (json.JSONDecodeError, RecursionError):
        return []
    items = data.get("suggestions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]
