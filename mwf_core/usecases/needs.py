"""Stage 3: needs (partner-journey.md §1.4, §3.7).

Business rules:
- Needs live in the caller's private vessel; only the owner reads or edits them. The partner
  sees them only after *both* have consented to share (privacy rule 5).
- Edits (capture, add, delete, confirm) need the caller in stage 3 of an ACTIVE session, and
  are refused (403) once the caller has shared.
- Consent must name exactly the caller's live needs, each confirmed; it writes one GRANTED
  ConsentRecord per need. The second sharer's transaction moves both partners to stage 4
  (decided under the relationship lock, so it happens once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.enums import (
    ConsentContentType,
    ConsentDecision,
    MessageRole,
    SessionStatus,
    Stage,
    StageStatus,
)
from mwf_core.domain.errors import (
    GateNotSatisfied,
    NotFound,
    ValidationFailed,
    field_error,
)
from mwf_core.domain.needs import (
    CAPTURE_MAX,
    CORRECTION_MAX,
    WAITING_FOR_PARTNER_LINE,
    share_set_problem,
)
from mwf_core.domain.records import ConsentRecord, IdentifiedNeed, StageProgress, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.llm import LanguageModel
from mwf_core.ports.repositories import UnitOfWork

from .conversation_store import need_view
from .guards import require_active, require_stage, stage_refusal
from .lane import emit_to_session, emit_to_user, message_dto, write_line
from .needs_common import (
    NeedInput,
    add_need,
    check_ids,
    check_input,
    own_event,
    raise_problems,
    run_edit,
)
from .needs_edits import NeedEdits
from .needs_exit import move_both_to_stage4
from .progression import merge_gates
from .runtime import Dependencies, in_transaction
from .session_view import SessionContext, load_context, load_locked_context


@dataclass(frozen=True, slots=True)
class Adjustment:
    need_id: str
    confirmed: bool
    correction: str = ""


@dataclass(frozen=True, slots=True)
class NeedsList:
    needs: list[IdentifiedNeed]
    synthesized_at: datetime | None


@dataclass(frozen=True, slots=True)
class Captured:
    needs: list[IdentifiedNeed]
    captured_at: datetime


@dataclass(frozen=True, slots=True)
class Deleted:
    need_id: str
    deleted_at: datetime


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    confirmed: bool
    confirmed_at: datetime | None
    partner_confirmed: bool
    can_advance: bool


@dataclass(frozen=True, slots=True)
class ConsentResult:
    consented: bool
    shared_at: datetime | None
    waiting_for_partner: bool
    needs_reveal_ready: bool
    advanced_to_stage4: bool


@dataclass(frozen=True, slots=True)
class Comparison:
    my_needs: list[IdentifiedNeed]
    partner_needs: list[IdentifiedNeed]
    my_validated: bool
    partner_validated: bool
    can_advance: bool
    analysis_complete: bool
    no_overlap: bool = False


@dataclass(frozen=True, slots=True)
class ValidateResult:
    validated: bool
    validated_at: datetime | None
    partner_validated: bool
    can_advance: bool


def _gate(row: StageProgress | None, key: str) -> bool:
    return bool(row is not None and row.gates_satisfied.get(key))


def _stamp(row: StageProgress | None, key: str) -> datetime | None:
    value = row.gates_satisfied.get(key) if row is not None else None
    return datetime.fromisoformat(value) if isinstance(value, str) else None


class NeedsUseCases(NeedEdits):
    def __init__(self, deps: Dependencies, llm: LanguageModel) -> None:
        self._deps, self._llm = deps, llm

    # -- reads ------------------------------------------------------------------------------

    async def list(self, actor: User, session_id: str) -> NeedsList:
        """The caller's live needs, oldest first; empty below stage 3 or when the session is
        not ACTIVE."""
        async def work(uow: UnitOfWork) -> NeedsList:
            context = await load_context(uow, session_id, actor)
            if (context.session.status is not SessionStatus.ACTIVE
                    or context.stage_of(actor.id) < Stage.NEED_MAPPING
                    or context.my_vessel is None):
                return NeedsList([], None)
            needs = await uow.needs.for_vessel(context.my_vessel.id)
            return NeedsList(needs, max((n.created_at for n in needs), default=None))

        return await in_transaction(self._deps.uow, work)

    async def comparison(self, actor: User, session_id: str) -> Comparison:
        """Both lists side by side; the partner's list stays empty until both have shared."""
        async def work(uow: UnitOfWork) -> Comparison:
            context = await load_context(uow, session_id, actor)
            partner_id = context.partner_id
            mine = context.row(actor.id, Stage.NEED_MAPPING)
            theirs = context.row(partner_id, Stage.NEED_MAPPING) if partner_id else None
            my_needs = (await uow.needs.for_vessel(context.my_vessel.id)
                        if mine is not None and context.my_vessel is not None else [])
            both_shared = _gate(mine, "needsShared") and _gate(theirs, "needsShared")
            partner_needs = (await uow.needs.for_vessel(context.partner_vessel.id)
                             if both_shared and context.partner_vessel is not None else [])
            my_ok, their_ok = _gate(mine, "needsValidated"), _gate(theirs, "needsValidated")
            return Comparison(my_needs, partner_needs, my_ok, their_ok and both_shared,
                              both_shared and my_ok and their_ok, both_shared)

        return await in_transaction(self._deps.uow, work)

    # -- edits of the caller's own list ----------------------------------------------------

    async def capture(self, actor: User, session_id: str, items: list[NeedInput]) -> Captured:
        """Adds 1-50 needs at once (as drafts) and tells the owner (`session.needs_extracted`)."""
        if not items:
            raise field_error("needs", "needs must contain at least 1 need")
        if len(items) > CAPTURE_MAX:
            raise field_error("needs", f"needs must contain at most {CAPTURE_MAX} needs")
        raise_problems([p for i, item in enumerate(items)
                         for p in check_input(item, f"needs.{i}.")])

        async def work(uow: UnitOfWork, context: SessionContext, row: StageProgress
                       ) -> Captured:
            now = self._deps.clock.now()
            added = [await add_need(uow, self._deps, context, item, now) for item in items]
            await own_event(uow, self._deps, context, events.NEEDS_EXTRACTED,
                            {"needsCount": len(added), "capturedAt": js_iso(now)})
            return Captured(added, now)

        return await run_edit(self._deps, actor, session_id, "capture needs", work)

    async def add_custom(self, actor: User, session_id: str, item: NeedInput) -> IdentifiedNeed:
        """One need the person wrote themselves."""
        raise_problems(check_input(item, ""))

        async def work(uow: UnitOfWork, context: SessionContext, row: StageProgress
                       ) -> IdentifiedNeed:
            now = self._deps.clock.now()
            need = await add_need(uow, self._deps, context, item, now)
            await own_event(uow, self._deps, context, events.NEED_CAPTURED,
                            {"need": need_view(need), "capturedAt": js_iso(now)})
            return need

        return await run_edit(self._deps, actor, session_id, "add a need", work)

    async def delete(self, actor: User, session_id: str, need_id: str) -> Deleted:
        """Soft-deletes one of the caller's live, unlocked needs (404 for anyone else's)."""
        async def work(uow: UnitOfWork, context: SessionContext, row: StageProgress
                       ) -> Deleted:
            need = await uow.needs.get(need_id)
            vessel = context.my_vessel
            if need is None or vessel is None or need.vessel_id != vessel.id or not need.live:
                raise NotFound("Need not found")
            if need.locked_at is not None:
                raise ValidationFailed("A confirmed need cannot be removed")
            now = self._deps.clock.now()
            if not await uow.needs.soft_delete(need.id, now):
                raise NotFound("Need not found")
            need.deleted_at = now
            await own_event(uow, self._deps, context, events.NEED_DELETED,
                            {"affectedNeed": need_view(need)})
            return Deleted(need.id, now)

        return await run_edit(self._deps, actor, session_id, "remove a need", work)

    async def confirm(self, actor: User, session_id: str, need_ids: list[str],
                      adjustments: list[Adjustment]) -> ConfirmResult:
        """Confirms and locks the named needs. An adjustment may leave a need unconfirmed
        (`confirmed` false) or replace its wording (`correction`, a new locked row that
        supersedes the old one)."""
        check_ids("needIds", need_ids)
        for i, adj in enumerate(adjustments):
            if len(adj.correction) > CORRECTION_MAX:
                raise field_error(f"adjustments.{i}.correction",
                                  f"correction must be at most {CORRECTION_MAX} characters")
            if adj.need_id not in need_ids:
                raise field_error(f"adjustments.{i}.needId",
                                  "adjustments may only name needs listed in needIds")

        async def work(uow: UnitOfWork, context: SessionContext, row: StageProgress
                       ) -> ConfirmResult:
            assert context.my_vessel is not None
            mine = {n.id: n for n in await uow.needs.for_vessel(context.my_vessel.id)}
            unknown = [i for i in need_ids if i not in mine]
            if unknown:
                raise field_error("needIds", f"Not one of your current needs: {unknown[0]}")
            by_id = {a.need_id: a for a in adjustments}
            now = self._deps.clock.now()
            locked = 0
            for need_id in dict.fromkeys(need_ids):
                locked += await self._confirm_one(uow, context, mine[need_id],
                                                  by_id.get(need_id), now)
            partner_id = context.partner_id
            partner_row = context.row(partner_id, Stage.NEED_MAPPING) if partner_id else None
            partner_confirmed = _gate(partner_row, "needsConfirmed")
            if not locked:
                return ConfirmResult(False, _stamp(row, "confirmedAt"), partner_confirmed, False)
            stamp = js_iso(now)
            await merge_gates(uow, row, {"needsConfirmed": True, "confirmedAt": stamp,
                                         "needsIdentifiedAt": row.gates_satisfied.get(
                                             "needsIdentifiedAt", stamp)})
            await emit_to_session(uow, self._deps, session_id, events.PARTNER_NEEDS_CONFIRMED,
                                  {"stage": int(Stage.NEED_MAPPING), "confirmedBy": actor.id,
                                   "excludeUserId": actor.id})
            return ConfirmResult(True, now, partner_confirmed, False)

        return await run_edit(self._deps, actor, session_id, "confirm needs", work)

    async def _confirm_one(self, uow: UnitOfWork, context: SessionContext,
                           need: IdentifiedNeed, adj: Adjustment | None, now: datetime) -> int:
        if adj is not None and not adj.confirmed:
            return 0
        if need.locked_at is not None:
            return 1
        correction = adj.correction.strip() if adj is not None else ""
        if correction and correction != need.need:
            new = IdentifiedNeed(id=self._deps.ids.new_id(), vessel_id=need.vessel_id,
                                 need=correction, category=need.category,
                                 evidence=list(need.evidence), confirmed=True, created_at=now,
                                 ai_confidence=need.ai_confidence, locked_at=now)
            if not await uow.needs.supersede(need.id, new.id):
                return 0
            await uow.needs.add(new)
            await own_event(uow, self._deps, context, events.NEED_REFINED,
                            {"oldId": need.id, "oldNeed": need.need, "newId": new.id})
            need = new
        elif not await uow.needs.lock(need.id, now):
            return 0
        else:
            need.confirmed, need.locked_at = True, now
        await own_event(uow, self._deps, context, events.NEED_LOCKED,
                        {"affectedNeed": need_view(need)})
        return 1

    # -- sharing and the joint exit ----------------------------------------------------------

    async def consent(self, actor: User, session_id: str, need_ids: list[str]) -> ConsentResult:
        """Shares the caller's needs. The second sharer moves both partners to stage 4.
        Sharing again answers as the first time did."""
        check_ids("needIds", need_ids)

        async def work(uow: UnitOfWork) -> ConsentResult:
            context = await load_locked_context(uow, session_id, actor)
            row = context.row(actor.id, Stage.NEED_MAPPING)
            partner_id = context.partner_id
            partner_row = context.row(partner_id, Stage.NEED_MAPPING) if partner_id else None
            if _gate(row, "needsShared"):
                both = _gate(partner_row, "needsShared")
                return ConsentResult(True, _stamp(row, "sharedAt"), not both, both,
                                     context.stage_of(actor.id) >= Stage.STRATEGIC_REPAIR)
            require_active(context)
            require_stage(context, actor.id, Stage.NEED_MAPPING, "share needs")
            assert row is not None and context.my_vessel is not None
            live = await uow.needs.for_vessel(context.my_vessel.id)
            problem = share_set_problem(need_ids, live)
            if problem:
                raise field_error("needIds", problem)
            return await self._share(uow, context, row, partner_row, live)

        return await in_transaction(self._deps.uow, work)

    async def _share(self, uow: UnitOfWork, context: SessionContext, row: StageProgress,
                     partner_row: StageProgress | None, live: list[IdentifiedNeed]
                     ) -> ConsentResult:
        actor_id, session_id = context.viewer.id, context.session.id
        now = self._deps.clock.now()
        for need in live:
            await uow.consents.add(ConsentRecord(
                id=self._deps.ids.new_id(), user_id=actor_id, session_id=session_id,
                target_type=ConsentContentType.IDENTIFIED_NEED, target_id=need.id,
                created_at=now, requested_by_user_id=actor_id,
                decision=ConsentDecision.GRANTED, decided_at=now))
        await merge_gates(uow, row, {"needsShared": True, "sharedAt": js_iso(now)},
                          status=StageStatus.GATE_PENDING)
        partner_shared = _gate(partner_row, "needsShared")
        await emit_to_session(uow, self._deps, session_id, events.PARTNER_NEEDS_SHARED,
                              {"stage": int(Stage.NEED_MAPPING), "sharedBy": actor_id,
                               "needsRevealReady": partner_shared, "excludeUserId": actor_id})
        if partner_shared:
            advanced = await move_both_to_stage4(uow, self._deps, context, actor_id)
            return ConsentResult(True, now, False, True, advanced)
        line = await write_line(uow, self._deps, session_id, actor_id, MessageRole.AI,
                                WAITING_FOR_PARTNER_LINE, Stage.NEED_MAPPING, now)
        await emit_to_user(uow, self._deps, session_id, actor_id, events.MESSAGE_AI_RESPONSE,
                           {"message": message_dto(line)})
        return ConsentResult(True, now, True, False, False)

    async def validate(self, actor: User, session_id: str, validated: bool) -> ValidateResult:
        """Legacy "I have reviewed both lists". Needs the caller's needs shared; when both have
        shared and validated, both move to stage 4 (the same joint code as consent)."""
        async def work(uow: UnitOfWork) -> ValidateResult:
            context = await load_locked_context(uow, session_id, actor)
            row = context.row(actor.id, Stage.NEED_MAPPING)
            partner_id = context.partner_id
            partner_row = context.row(partner_id, Stage.NEED_MAPPING) if partner_id else None
            if row is None:
                raise stage_refusal(context, actor.id, Stage.NEED_MAPPING, "validate needs")
            if _gate(row, "needsValidated"):
                both = _gate(partner_row, "needsValidated")
                return ValidateResult(True, _stamp(row, "needsValidatedAt"), both, both)
            require_active(context)
            if not _gate(row, "needsShared"):
                raise GateNotSatisfied("Share your needs before validating them")
            partner_validated = _gate(partner_row, "needsValidated")
            if not validated:
                return ValidateResult(False, None, partner_validated, False)
            now = self._deps.clock.now()
            await merge_gates(uow, row, {"needsValidated": True,
                                         "needsValidatedAt": js_iso(now)})
            both = partner_validated and _gate(partner_row, "needsShared")
            await emit_to_session(uow, self._deps, session_id, events.PARTNER_NEEDS_VALIDATED,
                                  {"stage": int(Stage.NEED_MAPPING), "validatedBy": actor.id,
                                   "validated": True, "allValidatedByBoth": both,
                                   "excludeUserId": actor.id})
            if both:
                await move_both_to_stage4(uow, self._deps, context, actor.id)
            return ValidateResult(True, now, partner_validated, both)

        return await in_transaction(self._deps.uow, work)
