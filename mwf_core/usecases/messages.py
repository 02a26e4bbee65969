"""Reading the caller's lane, the mediator's greeting, and the "I feel heard" button."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from mwf_core.domain import events
from mwf_core.domain.conversation import (
    FEEL_HEARD_FEEDBACK_MAX,
    FEEL_HEARD_TRANSITION,
    LIST_DEFAULT,
    LIST_MAX,
    chat_refusal,
    stage_key,
    stored_stage,
)
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import MessageRole, Stage, StageStatus
from mwf_core.domain.errors import SessionNotActive, ValidationFailed, field_error
from mwf_core.domain.records import Message, StageProgress, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.mediator.reply_filter import filter_reply
from mwf_core.ports.llm import ChatTurn, LanguageModel, LlmError, LlmRequest, ModelRole
from mwf_core.ports.repositories import UnitOfWork

from .guards import stage_refusal
from .lane import write_line
from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, load_context, load_locked_context

log = logging.getLogger("mwf.conversation")

GREETING_FALLBACK = (
    "Welcome. This is your private space: nothing you write here is shown to the other "
    "person. What's been on your mind about this?"
)


@dataclass(frozen=True, slots=True)
class FeelHeardResult:
    confirmed: bool
    confirmed_at: datetime | None
    can_advance: bool
    partner_completed: bool
    transition: Message | None
    # True when this confirmation started the reconciler on the partner's held attempt.
    reconciler_triggered: bool = False


def require_chat(context: SessionContext) -> None:
    has_progress = context.current(context.viewer.id) is not None
    refusal = chat_refusal(context.session.status, context.is_inviter, has_progress)
    if refusal:
        raise SessionNotActive(refusal)


class MessageUseCases:
    def __init__(self, deps: Dependencies, llm: LanguageModel,
                 schedule_reconciler: Callable[[str, str], None] | None = None) -> None:
        self._deps = deps
        self._llm = llm
        # (session id, guesser id) -> analyse that direction in the background.
        self._schedule_reconciler = schedule_reconciler

    async def list(
        self,
        actor: User,
        session_id: str,
        limit: int = 0,
        before: datetime | None = None,
        after: datetime | None = None,
        oldest_first: bool = False,
    ) -> tuple[list[Message], bool]:
        """The caller's lane only, chronological; `oldest_first` picks which end the page is
        taken from. 1-500 messages a page (default 25)."""
        if limit < 0 or limit > LIST_MAX:
            raise field_error("page_size", f"limit must be between 1 and {LIST_MAX}")
        size = limit or LIST_DEFAULT

        async def work(uow: UnitOfWork) -> tuple[list[Message], bool]:
            await load_context(uow, session_id, actor)
            rows = await uow.messages.lane(session_id, actor.id, size + 1, before, after,
                                           oldest_first)
            if len(rows) <= size:
                return rows, False
            return (rows[:size], True) if oldest_first else (rows[1:], True)

        return await in_transaction(self._deps.uow, work)

    async def initial(self, actor: User, session_id: str, fixture_id: str = "") -> Message:
        """The mediator's greeting in an empty lane.

        - Idempotent: a lane that already starts with the greeting returns it; two calls at
          once store one greeting (the second transaction sees the first's under the lock).
        - A lane where the person already wrote is refused (400), as in the original.
        - The model writes the greeting; when it fails a fixed one is used instead.
        """

        async def check(uow: UnitOfWork) -> tuple[Message | None, SessionContext]:
            context = await load_context(uow, session_id, actor)
            require_chat(context)
            return _greeting_or_refusal(await uow.messages.lane(session_id, actor.id, 1,
                                                                oldest_first=True)), context

        existing, context = await in_transaction(self._deps.uow, check)
        if existing is not None:
            return existing
        text = await self._greeting_text(context, fixture_id)

        async def store(uow: UnitOfWork) -> Message:
            await uow.relationships.lock(context.session.relationship_id)
            first = await uow.messages.lane(session_id, actor.id, 1, oldest_first=True)
            found = _greeting_or_refusal(first)
            if found is not None:
                return found
            key = stage_key(context.session.status, context.stage_of(actor.id),
                            context.is_inviter)
            return await write_line(uow, self._deps, session_id, actor.id, MessageRole.AI,
                                    text, stored_stage(key))

        return await in_transaction(self._deps.uow, store)

    async def _greeting_text(self, context: SessionContext, fixture_id: str) -> str:
        key = stage_key(context.session.status, context.stage_of(context.viewer.id),
                        context.is_inviter)
        request = LlmRequest(
            role=ModelRole.MEDIATOR,
            call_type="initial_message",
            system_static=(
                "You are a calm, warm mediator opening a private conversation. Greet the "
                "person in two or three short sentences, say that what they write here stays "
                "private to them, and ask one open question about what brings them here."
            ),
            system_turn=f"Stage: {key}.",
            messages=(ChatTurn("user", "(The person has just opened the conversation.)"),),
            max_tokens=512,
            session_id=context.session.id,
            user_id=context.viewer.id,
            hints={"stage_key": key, "fixture_id": fixture_id, "turn_in_stage": 0,
                   "user_name": context.viewer.first_name or context.viewer.name,
                   "is_inviter": context.is_inviter},
        )
        try:
            # The greeting goes through the same hidden-tag filter as every reply.
            text = filter_reply((await self._llm.complete(request)).text).text.strip()
        except LlmError as error:
            log.warning("greeting fell back to the fixed text: %s", error)
            text = ""
        return text or GREETING_FALLBACK

    async def confirm_feel_heard(
        self, actor: User, session_id: str, confirmed: bool, feedback: str = ""
    ) -> FeelHeardResult:
        """The "I feel heard" button: the only way out of stage 1 (the mediator only offers).

        - The caller must be in stage 1; feedback at most 500 characters, private to them
          (never copied to the partner's view of the gates).
        - `confirmed` false keeps the caller in stage 1.
        - `confirmed` true completes stage 1, opens stage 2 with a fixed transition message in
          the caller's lane, and tells the partner (`partner.stage_completed`; plus
          `partner.advanced` when both have now finished stage 1). Confirming again answers as
          the first time did.
        - Once committed, when the partner's empathy attempt is HELD (they shared it while the
          caller was still in stage 1), the reconciler analyses it in the background
          (`reconciler_triggered`).
        """
        if len(feedback) > FEEL_HEARD_FEEDBACK_MAX:
            raise field_error("feedback",
                              f"feedback must be at most {FEEL_HEARD_FEEDBACK_MAX} characters")

        async def work(uow: UnitOfWork) -> FeelHeardResult:
            context = await load_locked_context(uow, session_id, actor)
            require_chat(context)
            witness = context.row(actor.id, Stage.WITNESS)
            if witness is None:
                raise stage_refusal(context, actor.id, Stage.WITNESS, "confirm feeling heard")
            partner_id = context.partner_id
            partner_row = context.row(partner_id, Stage.WITNESS) if partner_id else None
            partner_done = partner_row is not None and partner_row.status is StageStatus.COMPLETED
            if witness.status is StageStatus.COMPLETED:
                return await self._already_heard(uow, actor, session_id, witness, partner_done)
            if not confirmed:
                return FeelHeardResult(False, None, False, partner_done, None)
            moved = await self._move_to_stage_two(uow, actor, context, witness, feedback,
                                                  partner_done)
            held = partner_id is not None and await _attempt_held(uow, session_id, partner_id)
            return replace(moved, reconciler_triggered=held)

        result = await in_transaction(self._deps.uow, work)
        if result.reconciler_triggered and self._schedule_reconciler is not None:
            partner = await in_transaction(self._deps.uow,
                                           lambda uow: _partner_id(uow, session_id, actor.id))
            if partner is not None:
                self._schedule_reconciler(session_id, partner)
        return result

    async def _move_to_stage_two(
        self, uow: UnitOfWork, actor: User, context: SessionContext, witness: StageProgress,
        feedback: str, partner_done: bool,
    ) -> FeelHeardResult:
        ids, now = self._deps.ids, self._deps.clock.now()
        gates = {"feelHeardConfirmed": True, "feelHeardConfirmedAt": js_iso(now),
                 "finalEmotionalReading": None}
        if feedback.strip():
            gates["feedback"] = feedback.strip()
        witness.status = StageStatus.COMPLETED
        witness.completed_at = now
        witness.gates_satisfied = {**witness.gates_satisfied, **gates}
        await uow.progress.update(witness)
        await uow.progress.add(StageProgress(ids.new_id(), context.session.id, actor.id,
                                             Stage.PERSPECTIVE_STRETCH, StageStatus.IN_PROGRESS,
                                             started_at=now))
        transition = await write_line(uow, self._deps, context.session.id, actor.id,
                                      MessageRole.AI, FEEL_HEARD_TRANSITION,
                                      Stage.PERSPECTIVE_STRETCH, now)
        context.session.updated_at = now
        await uow.sessions.update(context.session)
        channel = events.session_channel(context.session.id)
        await uow.outbox.add(new_event(self._deps, channel, events.PARTNER_STAGE_COMPLETED,
                                       context.session.id,
                                       {"stage": 1, "completedBy": actor.id,
                                        "excludeUserId": actor.id}))
        if partner_done:
            await uow.outbox.add(new_event(self._deps, channel, events.PARTNER_ADVANCED,
                                           context.session.id,
                                           {"fromStage": 1, "toStage": 2}))
        return FeelHeardResult(True, now, True, partner_done, transition)

    async def _already_heard(
        self, uow: UnitOfWork, actor: User, session_id: str, witness: StageProgress,
        partner_done: bool,
    ) -> FeelHeardResult:
        confirmed_at = witness.gates_satisfied.get("feelHeardConfirmedAt")
        lane = await uow.messages.lane(session_id, actor.id, LIST_MAX, oldest_first=True)
        transition = next((m for m in lane if m.role is MessageRole.AI
                           and m.content == FEEL_HEARD_TRANSITION), None)
        return FeelHeardResult(True, datetime.fromisoformat(confirmed_at) if confirmed_at
                               else witness.completed_at, True, partner_done, transition)


async def _attempt_held(uow: UnitOfWork, session_id: str, author_id: str) -> bool:
    attempt = await uow.empathy_attempts.by_author(session_id, author_id)
    return attempt is not None and attempt.status is EmpathyStatus.HELD


async def _partner_id(uow: UnitOfWork, session_id: str, actor_id: str) -> str | None:
    session = await uow.sessions.get(session_id)
    if session is None:
        return None
    members = await uow.relationships.members(session.relationship_id)
    return next((m.user_id for m in members if m.user_id != actor_id), None)


def _greeting_or_refusal(first: list[Message]) -> Message | None:
    if not first:
        return None
    if first[0].role is MessageRole.AI:
        return first[0]
    raise ValidationFailed("The conversation has already started")
