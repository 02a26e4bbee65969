"""The writes of a turn: begin (message + turn), complete (reply + captured state), fail."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from mwf_core.domain import events
from mwf_core.domain.conversation import INVITATION_PHASE, stage_key, stored_stage
from mwf_core.domain.enums import MessageRole, SessionStatus, Stage, TurnStatus
from mwf_core.domain.records import Message, Turn, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .messages import require_chat
from .runtime import Dependencies, in_transaction, new_event
from .session_view import load_context

if TYPE_CHECKING:
    from mwf_core.mediator.state_tool import CapturedState

    from .conversation_context import PreparedTurn

log = logging.getLogger("mwf.conversation")


class TurnStore:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def begin(
        self, uow: UnitOfWork, actor: User, session_id: str, content: str, request_id: str,
        body_hash: str, lease: timedelta,
    ) -> tuple[Turn, Message]:
        """Store the user's message and its RUNNING turn, leased to this send."""
        context = await load_context(uow, session_id, actor)
        require_chat(context)
        mine = context.current(actor.id)
        key = stage_key(context.session.status, mine.stage if mine else 0, context.is_inviter)
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
        await uow.outbox.add(new_event(
            self._deps, events.session_channel(session_id), events.PARTNER_ACTIVITY,
            session_id, {"activeAt": js_iso(now), "excludeUserId": actor.id},
        ))
        return turn, message

    async def complete(
        self, prepared: PreparedTurn, reply_text: str, captured: CapturedState
    ) -> str:
        """Store the reply and what the mediator captured, in one transaction.

        A send whose lease was taken over (it ran past its lease and a retry claimed the
        turn) stores nothing and answers with the winner's reply, so a turn has one reply.
        """
        turn = prepared.turn

        async def work(uow: UnitOfWork) -> str:
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
            await self._apply(uow, prepared, captured)
            current.status = TurnStatus.COMPLETED
            current.reply_message_id = reply.id
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
        self, uow: UnitOfWork, prepared: PreparedTurn, captured: CapturedState
    ) -> None:
        """The mediator proposes; only these records change, and never a stage."""
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
                events.TOPIC_FRAME_CONFIRMED, session.id,
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

    async def fail(self, turn: Turn, user_message: Message, code: str, *, notify: bool) -> None:
        """Free the turn for a retry; the user's message stays."""

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
                     "error": code, "canRetry": True},
                ))

        try:
            await in_transaction(self._deps.uow, work)
        except Exception:
            # The lease still frees the turn later; never hide the original failure.
            log.exception("could not mark turn %s as failed", turn.id)
