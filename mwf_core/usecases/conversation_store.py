"""The writes of a turn: begin (message + turn), complete (reply + captured state), fail."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mwf_core.domain import events
from mwf_core.domain.conversation import (
    INFORMED_EMPATHY,
    INVITATION_PHASE,
    stored_stage,
)
from mwf_core.domain.enums import (
    MessageRole,
    NeedCategory,
    ProposalKind,
    ProposalSource,
    ProposalStatus,
    SessionStatus,
    Stage,
    TurnStatus,
)
from mwf_core.domain.errors import ConcurrencyConflict, DuplicateKey, field_error
from mwf_core.domain.needs import need_status
from mwf_core.domain.records import (
    DEFAULT_PRIVACY_PREFERENCES,
    EmpathyDraft,
    IdentifiedNeed,
    Message,
    Session,
    StrategyProposal,
    Turn,
    User,
)
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .lane import emit_to_user
from .messages import require_chat
from .reconciler_stage import effective_stage_key
from .runtime import Dependencies, in_transaction, new_event
from .session_view import load_context
from .stage4_inventory import (
    add_proposal,
    already_listed,
    record_revision,
    refresh_coverage,
    session_needs,
)

if TYPE_CHECKING:
    from mwf_core.mediator.state_tool import CapturedState, NeedAction, ProposalOp

    from .conversation_context import PreparedTurn

log = logging.getLogger("mwf.conversation")

EMPATHY_KEYS = frozenset({str(int(Stage.PERSPECTIVE_STRETCH)), str(INFORMED_EMPATHY)})
NEEDS_KEY = str(int(Stage.NEED_MAPPING))
REPAIR_KEY = str(int(Stage.STRATEGIC_REPAIR))


class TurnStore:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def begin(
        self, uow: UnitOfWork, actor: User, session_id: str, content: str, request_id: str,
        body_hash: str, lease: timedelta, refining_need_id: str = "",
    ) -> tuple[Turn, Message]:
        """Store the user's message and its RUNNING turn, leased to this send.

        `refining_need_id`, when given, must be one of the writer's own live needs, in
        stage 3.
        """
        context = await load_context(uow, session_id, actor)
        require_chat(context)
        if refining_need_id:
            need = await uow.needs.get(refining_need_id)
            mine = context.current(actor.id)
            if (need is None or context.my_vessel is None or not need.live
                    or need.vessel_id != context.my_vessel.id
                    or mine is None or mine.stage != Stage.NEED_MAPPING):
                raise field_error("refining_need_id", "Invalid refiningNeedId")
        # "21" while the writer refines their empathy attempt: the message carries the stage
        # its reply is written in, so stage-21 turns are counted as such.
        key = await effective_stage_key(uow, context)
        now = self._deps.clock.now()
        message = Message(
            id=self._deps.ids.new_id(), session_id=session_id, sender_id=actor.id,
            for_user_id=None, role=MessageRole.USER, content=content,
            stage=stored_stage(key), timestamp=now,
        )
        await uow.messages.add(message)
        turn = Turn(
            id=self._deps.ids.new_id(), session_id=session_id, user_id=actor.id,
            request_id=request_id, fingerprint=body_hash, user_message_id=message.id,
            status=TurnStatus.RUNNING, created_at=now, updated_at=now,
            lease_expires_at=now + lease, attempts=1,
        )
        await uow.turns.add(turn)
        prefs = {**DEFAULT_PRIVACY_PREFERENCES, **actor.privacy_preferences}
        if prefs["showActivityStatus"]:  # someone who hides their activity is not announced
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id), events.PARTNER_ACTIVITY,
                session_id, {"activeAt": js_iso(now), "excludeUserId": actor.id},
            ))
        return turn, message

    async def complete(
        self, prepared: PreparedTurn, reply_text: str, captured: CapturedState,
        metadata: dict[str, Any],
    ) -> str:
        """Store the reply and what the mediator captured, in one transaction.

        A send whose lease was taken over (it ran past its lease and a retry claimed the
        turn) stores nothing and answers with the winner's reply, so a turn has one reply.
        """
        turn = prepared.turn

        async def work(uow: UnitOfWork) -> str:
            # The relationship lock first, as every joint decision takes it (same lock order,
            # no deadlock): a consent (needs shared), a stage move or a closure committing
            # meanwhile is seen by every read below, so nothing is captured against it.
            session = await uow.sessions.get(turn.session_id)
            if session is not None:
                await uow.relationships.lock(session.relationship_id)
            current = await uow.turns.get(turn.id)
            if current is None:
                raise LookupError("turn vanished")
            if current.status is not TurnStatus.RUNNING or current.attempts != turn.attempts:
                return current.reply_message_id or ""
            now = self._deps.clock.now()
            reply = Message(
                id=self._deps.ids.new_id(), session_id=turn.session_id, sender_id=None,
                for_user_id=turn.user_id, role=MessageRole.AI, content=reply_text,
                stage=stored_stage(prepared.stage_key), timestamp=now,
            )
            await uow.messages.add(reply)
            await self._apply(uow, prepared, captured, reply.id)
            current.status = TurnStatus.COMPLETED
            current.reply_message_id = reply.id
            current.reply_metadata = metadata
            current.updated_at = now
            current.error = None
            await uow.turns.update(current)
            if prepared.safety is not None:
                await uow.outbox.add(new_event(
                    self._deps, events.user_channel(turn.user_id), events.SAFETY_CONCERN,
                    turn.session_id, {"turnId": turn.id, **prepared.safety},
                ))
            return reply.id

        return await in_transaction(self._deps.uow, work)

    async def _apply(
        self, uow: UnitOfWork, prepared: PreparedTurn, captured: CapturedState, reply_id: str
    ) -> None:
        """The mediator proposes; only these records change, and never a stage.

        Stage data (empathy draft, needs, proposals) is private to the writer except the
        proposals, which are the session's shared inventory. Nothing is captured once the
        session is RESOLVED (the chat is then a private tending conversation). Runs under
        the relationship lock (`complete`), so the session and progress read here are the
        committed ones: needs are captured only while the writer is in stage 3 and has not
        shared them, proposals only while the writer is in stage 4 of an open session.
        """
        session = await uow.sessions.get(prepared.turn.session_id)
        if session is None:
            return
        if (prepared.stage_key == INVITATION_PHASE and captured.topic_frame
                and session.status is SessionStatus.CREATED
                and session.topic_frame_confirmed_at is None):
            session.topic_frame = captured.topic_frame
            session.updated_at = self._deps.clock.now()
            await uow.sessions.update(session)
            # An unconfirmed frame is the creator's draft: their channel only.
            await uow.outbox.add(new_event(
                self._deps, events.user_channel(prepared.turn.user_id),
                events.TOPIC_FRAME_UPDATED, session.id,
                {"topicFrame": captured.topic_frame, "confirmed": False},
            ))
        if prepared.stage_key == str(int(Stage.WITNESS)) and captured.offer_feel_heard_check:
            rows = await uow.progress.for_session(session.id)
            witness = next((r for r in rows if r.user_id == prepared.turn.user_id
                            and r.stage == Stage.WITNESS), None)
            if witness is not None and not witness.gates_satisfied.get("feelHeardCheckOffered"):
                witness.gates_satisfied = {**witness.gates_satisfied,
                                           "feelHeardCheckOffered": True}
                await uow.progress.update(witness)
        if session.status is SessionStatus.RESOLVED:
            return
        user_id = prepared.turn.user_id
        rows = [r for r in await uow.progress.for_session(session.id) if r.user_id == user_id]
        stage_now = max((r.stage for r in rows), default=0)
        if prepared.stage_key in EMPATHY_KEYS:
            await self._save_draft(uow, session.id, user_id, captured)
        elif prepared.stage_key == NEEDS_KEY:
            if stage_now != Stage.NEED_MAPPING:
                log.info("%s left stage 3 during the turn: captured needs ignored", user_id)
                return
            await self._apply_needs(uow, session, user_id, captured)
        elif prepared.stage_key == REPAIR_KEY and captured.stage4_proposals:
            if (session.status is not SessionStatus.ACTIVE or stage_now != Stage.STRATEGIC_REPAIR
                    or await uow.stage4.closure(session.id) is not None):
                log.info("stage 4 of %s is not open to %s: proposals ignored", session.id,
                         user_id)
                return
            await self._apply_proposals(uow, session, user_id, captured.stage4_proposals,
                                        reply_id)

    # -- stage 2 / 21: the empathy draft (private) ---------------------------------------------

    async def _save_draft(
        self, uow: UnitOfWork, session_id: str, user_id: str, captured: CapturedState
    ) -> None:
        """Upsert the caller's draft, as the original: a new draft is not yet ready to share
        (the person confirms it through the app), an update keeps `ready_to_share` as it was.
        A concurrent writer of the same draft makes the whole turn's transaction retry."""
        statement = captured.proposed_empathy_statement
        if not (captured.offer_ready_to_share and statement):
            return
        now = self._deps.clock.now()
        draft = await uow.empathy_drafts.get(session_id, user_id)
        if draft is None:
            try:
                await uow.empathy_drafts.add(EmpathyDraft(
                    id=self._deps.ids.new_id(), session_id=session_id, user_id=user_id,
                    content=statement, ready_to_share=False, version=1, created_at=now,
                    updated_at=now,
                ))
            except DuplicateKey as error:
                raise ConcurrencyConflict("empathy draft created concurrently") from error
            return
        previous = draft.version
        draft.content, draft.version, draft.updated_at = statement, previous + 1, now
        if not await uow.empathy_drafts.update(draft, previous):
            raise ConcurrencyConflict("empathy draft updated concurrently")

    # -- stage 3: needs in the caller's own vessel (private) ----------------------------------

    async def _apply_needs(
        self, uow: UnitOfWork, session: Session, user_id: str, captured: CapturedState
    ) -> None:
        vessel = await uow.vessels.user_vessel(session.id, user_id)
        if vessel is None or (captured.proposed_need is None and captured.need_action is None):
            return
        rows = await uow.progress.for_session(session.id)
        if any(r.user_id == user_id and r.stage == Stage.NEED_MAPPING
               and r.gates_satisfied.get("needsShared") for r in rows):
            log.info("needs of %s in %s are shared: captured changes ignored", user_id, session.id)
            return
        mine = {need.id: need for need in await uow.needs.for_vessel(vessel.id)}
        added = False
        if captured.proposed_need is not None:
            p = captured.proposed_need
            added = await self._add_need(uow, session.id, user_id, vessel.id, mine, p.need,
                                         p.category, [p.evidence] if p.evidence else [])
        action = captured.need_action
        if action is None:
            return
        if action.action == "add":
            if added:
                log.info("needAction add ignored: one new need per turn")
            else:
                await self._add_need(uow, session.id, user_id, vessel.id, mine, action.need,
                                     action.category, [])
            return
        old = mine.get(action.need_id)
        if old is None or old.locked_at is not None:
            log.info("needAction %s ignored: %r is not an open need of this person",
                     action.action, action.need_id)
            return
        if action.action == "refine":
            await self._refine_need(uow, session.id, user_id, old, action)
        elif action.action == "delete" and await uow.needs.soft_delete(old.id, self._now()):
            old.deleted_at = self._now()
            await emit_to_user(uow, self._deps, session.id, user_id, events.NEED_DELETED,
                               {"userId": user_id, "affectedNeed": need_view(old)})
        elif action.action == "lock" and await uow.needs.lock(old.id, self._now()):
            old.locked_at, old.confirmed = self._now(), True
            await emit_to_user(uow, self._deps, session.id, user_id, events.NEED_LOCKED,
                               {"userId": user_id, "affectedNeed": need_view(old)})

    async def _add_need(
        self, uow: UnitOfWork, session_id: str, user_id: str, vessel_id: str,
        mine: dict[str, IdentifiedNeed], text: str, category: str, evidence: list[str],
    ) -> bool:
        if any(_same(n.need, text) for n in mine.values()):
            log.info("need %r ignored: already captured", text)
            return False
        now = self._now()
        need = IdentifiedNeed(
            id=self._deps.ids.new_id(), vessel_id=vessel_id, need=text,
            category=NeedCategory(category), evidence=evidence, confirmed=False, created_at=now,
        )
        await uow.needs.add(need)
        mine[need.id] = need
        # Needs are private: their events go on the owner's own channel only.
        await emit_to_user(uow, self._deps, session_id, user_id, events.NEED_CAPTURED,
                           {"userId": user_id, "need": need_view(need),
                            "capturedAt": js_iso(now)})
        return True

    async def _refine_need(
        self, uow: UnitOfWork, session_id: str, user_id: str, old: IdentifiedNeed,
        action: NeedAction,
    ) -> None:
        category = NeedCategory(action.category) if action.category else old.category
        if _same(old.need, action.need) and category is old.category:
            return
        new = IdentifiedNeed(
            id=self._deps.ids.new_id(), vessel_id=old.vessel_id, need=action.need,
            category=category, evidence=list(old.evidence), confirmed=False,
            created_at=self._now(),
        )
        if not await uow.needs.supersede(old.id, new.id):
            log.info("need %s changed meanwhile: refine ignored", old.id)
            return
        await uow.needs.add(new)
        await emit_to_user(uow, self._deps, session_id, user_id, events.NEED_REFINED,
                           {"userId": user_id, "oldId": old.id, "oldNeed": old.need,
                            "newId": new.id})

    # -- stage 4: the session's shared proposal inventory -------------------------------------

    async def _apply_proposals(
        self, uow: UnitOfWork, session: Session, user_id: str, ops: tuple[ProposalOp, ...],
        reply_id: str,
    ) -> None:
        need_ids = {n.id for n, _ in await session_needs(uow, session.id, user_id)}
        inventory = {p.id: p for p in await uow.proposals.for_session(session.id)}
        applied = 0
        for op in ops:
            if await self._proposal_op(uow, session.id, user_id, op, inventory, need_ids,
                                       reply_id):
                applied += 1
            else:
                log.info("stage-4 %s ignored (proposal %r)", op.op, op.proposal_id)
        if applied:
            await refresh_coverage(uow, self._deps, session.id)
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session.id), events.STRATEGIES_UPDATED,
                session.id, {"stage": int(Stage.STRATEGIC_REPAIR), "updatedBy": user_id,
                             "appliedOperationCount": applied,
                             "skippedOperationCount": len(ops) - applied,
                             "selectionCaptured": False},
            ))

    async def _proposal_op(
        self, uow: UnitOfWork, session_id: str, user_id: str, op: ProposalOp,
        inventory: dict[str, StrategyProposal], need_ids: set[str], reply_id: str,
    ) -> bool:
        """One captured add / revise / remove. Adds and revisions follow the inventory's one
        duplicate rule (`stage4_inventory.add_proposal`): the same text already active in
        the session is skipped."""
        now = self._now()
        needs = [n for n in op.needs_addressed if n in need_ids]
        parent = None
        if op.op != "add":
            parent = inventory.get(op.proposal_id)
            if parent is None or parent.status is not ProposalStatus.ACTIVE:
                return False
            removed = op.op == "remove"
            if not removed and await already_listed(uow, session_id, op.description,
                                                    ignore_id=parent.id):
                return False
            status = ProposalStatus.REMOVED if removed else ProposalStatus.REVISED
            if not await uow.proposals.retire(parent.id, status,
                                              removed_at=now if removed else None,
                                              removed_by_user_id=user_id if removed else None):
                return False
            parent.status = status
            if removed:
                await record_revision(uow, self._deps, parent, user_id=user_id)
                return True
        proposal = await add_proposal(
            uow, self._deps, session_id, description=op.description,
            needs_addressed=needs or (list(parent.needs_addressed) if parent else []),
            source=ProposalSource.USER_SUBMITTED,
            kind=parent.kind if parent else ProposalKind.SHARED_PROPOSAL,
            created_by=user_id, parent=parent, captured_from_message_id=reply_id)
        if proposal is None:
            return False
        inventory[proposal.id] = proposal
        return True

    def _now(self) -> datetime:
        return self._deps.clock.now()

    async def fail(
        self, turn: Turn, user_message: Message, code: str, *, notify: bool,
        retryable: bool = True, safety: dict[str, Any] | None = None,
    ) -> None:
        """Free the turn for a retry; the user's message stays. A safety signal of the
        message is reported even though no reply was stored."""

        async def work(uow: UnitOfWork) -> None:
            current = await uow.turns.get(turn.id)
            if current is None or current.status is not TurnStatus.RUNNING:
                return
            if current.attempts != turn.attempts:
                return  # a retry holds the turn now
            current.status = TurnStatus.FAILED
            current.error = code
            current.updated_at = self._deps.clock.now()
            await uow.turns.update(current)
            if notify:
                await uow.outbox.add(new_event(
                    self._deps, events.user_channel(turn.user_id), events.MESSAGE_ERROR,
                    turn.session_id,
                    {"forUserId": turn.user_id, "userMessageId": user_message.id,
                     "error": code, "canRetry": retryable},
                ))
            if safety is not None:
                await uow.outbox.add(new_event(
                    self._deps, events.user_channel(turn.user_id), events.SAFETY_CONCERN,
                    turn.session_id, {"turnId": turn.id, **safety},
                ))

        try:
            await in_transaction(self._deps.uow, work)
        except Exception:
            # The lease still frees the turn later; never hide the original failure.
            log.exception("could not mark turn %s as failed", turn.id)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def need_view(need: IdentifiedNeed) -> dict[str, Any]:
    """A need as the app shows it (`description` equals `need`, as in the original)."""
    status = need_status(need)
    return {"id": need.id, "need": need.need, "description": need.need,
            "category": need.category.value, "evidence": list(need.evidence),
            "confirmed": need.confirmed, "status": status}
