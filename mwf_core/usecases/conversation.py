"""A user turn: store the message, ask the mediator, stream the reply, store what it captured.

What happens when things go wrong (the contract the REST/gRPC docs repeat):
- The user's message is stored, with its turn, before anything is streamed. It is never
  deleted: not when the model fails, times out or returns nothing, nor when the client leaves.
- A model failure ends the stream with a retryable `ReplyFailed`, marks the turn FAILED and
  emits `message.error` on the writer's own channel. Sending again with the same request id
  streams the stored message again and asks the model once more; no second message is stored.
- A client that disconnects cancels the model call; nothing of the reply is stored and the
  turn is FAILED, so a retry with the same request id gets a fresh reply.
- A retry while the first send is still running waits for it and replays its result; two
  concurrent sends with one request id store one message and make one set of model calls.
- The same request id with a different message is refused (VALIDATION_ERROR).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import timedelta

from mwf_core.domain.conversation import CRISIS_FALLBACK, MESSAGE_MAX
from mwf_core.domain.enums import TurnStatus
from mwf_core.domain.errors import DuplicateKey, ValidationFailed, field_error
from mwf_core.domain.records import Message, Turn, User
from mwf_core.mediator.state_tool import CapturedState
from mwf_core.ports.llm import LanguageModel, LlmError, LlmResult, StreamFinished, TextDelta
from mwf_core.ports.repositories import UnitOfWork

from .conversation_context import PreparedTurn, prepare_turn
from .conversation_store import TurnStore
from .runtime import Dependencies, check_request_id, fingerprint, in_transaction
from .turn_events import (
    ReplyChunk,
    ReplyFailed,
    ReplyMetadata,
    ReplyStored,
    ReplyTextComplete,
    TurnEvent,
    UserMessageStored,
)

log = logging.getLogger("mwf.conversation")

RETRY_TEXT = "The mediator could not reply. Please try again."


def prepared_safety_needs_reply(prepared: PreparedTurn | None) -> bool:
    """An urgent or emergency signal gets a fixed reply with resources if the model fails."""
    return prepared is not None and prepared.assessment is not None and (
        prepared.assessment.level.value in ("urgent", "emergency")
    )


@dataclass(frozen=True, slots=True)
class SendRequest:
    session_id: str
    content: str
    request_id: str = ""
    refining_need_id: str = ""
    fixture_id: str = ""


@dataclass(frozen=True, slots=True)
class _Claim:
    turn: Turn
    user_message: Message
    reply: Message | None  # set when the turn already completed: replay it
    ours: bool  # True: this send holds the lease and calls the model


class ConversationUseCases:
    def __init__(
        self,
        deps: Dependencies,
        llm: LanguageModel,
        *,
        # Longer than both model calls' deadlines together, so a live send keeps its turn.
        lease: timedelta = timedelta(seconds=300),
        poll_seconds: float = 0.2,
        after_reply: Callable[[str, str, str], None] | None = None,
    ) -> None:
        self._deps = deps
        self._llm = llm
        self._lease = lease
        self._poll = poll_seconds
        self._store = TurnStore(deps)
        # Slow enrichment (summary, facts) is started here and runs after the response.
        self._after_reply = after_reply

    async def send(self, actor: User, request: SendRequest) -> AsyncIterator[TurnEvent]:
        """Store the caller's message and stream the mediator's reply (see module doc)."""
        content = request.content
        if not content.strip():
            raise field_error("content", "content is required")
        if len(content) > MESSAGE_MAX:
            raise field_error("content", f"content must be at most {MESSAGE_MAX} characters")
        check_request_id(request.request_id)
        request_id = request.request_id or f"server:{self._deps.ids.new_id()}"
        body_hash = fingerprint({"session_id": request.session_id, "content": content,
                                 "refining_need_id": request.refining_need_id})
        claim = await self._start(actor, request, request_id, body_hash)
        try:
            yield UserMessageStored(claim.user_message)
            while claim.reply is None and not claim.ours:
                await asyncio.sleep(self._poll)
                claim = await self._recheck(claim)
        except BaseException:
            if claim.ours:
                # The client left before the model was asked: free the turn for a retry.
                await asyncio.shield(self._store.fail(claim.turn, claim.user_message,
                                                      "cancelled", notify=False))
            raise
        if claim.reply is not None:
            metadata = claim.turn.reply_metadata
            yield ReplyChunk(claim.reply.content)
            yield ReplyMetadata(metadata)
            yield ReplyTextComplete(metadata)
            yield ReplyStored(claim.reply.id, metadata)
            return
        # aclosing: a consumer that leaves closes the model call before its own aclose returns.
        async with aclosing(self._generate(actor, request, claim.turn,
                                           claim.user_message)) as events:
            async for event in events:
                yield event

    async def _start(
        self, actor: User, request: SendRequest, request_id: str, body_hash: str
    ) -> _Claim:
        async def work(uow: UnitOfWork) -> _Claim:
            turn = await uow.turns.by_request(actor.id, request_id)
            if turn is None:
                turn, message = await self._store.begin(uow, actor, request.session_id,
                                                        request.content, request_id,
                                                        body_hash, self._lease,
                                                        request.refining_need_id)
                return _Claim(turn, message, None, True)
            if turn.fingerprint != body_hash or turn.session_id != request.session_id:
                raise field_error("request_id",
                                  "This request id was already used for a different message")
            return await self._claim(uow, turn)

        try:
            return await in_transaction(self._deps.uow, work)
        except DuplicateKey:
            # A concurrent send with the same request id stored the turn first.
            return await in_transaction(self._deps.uow, work)

    async def _claim(self, uow: UnitOfWork, turn: Turn) -> _Claim:
        message = await uow.messages.get(turn.user_message_id)
        if message is None:
            raise ValidationFailed("This message no longer exists")
        if turn.status is TurnStatus.COMPLETED and turn.reply_message_id:
            return _Claim(turn, message, await uow.messages.get(turn.reply_message_id), False)
        now = self._deps.clock.now()
        ours = await uow.turns.claim(turn.id, now, now + self._lease)
        fresh = await uow.turns.get(turn.id) or turn
        return _Claim(fresh, message, None, ours)

    async def _recheck(self, claim: _Claim) -> _Claim:
        async def work(uow: UnitOfWork) -> _Claim:
            turn = await uow.turns.get(claim.turn.id)
            if turn is None:
                raise ValidationFailed("This message no longer exists")
            return await self._claim(uow, turn)

        return await in_transaction(self._deps.uow, work)

    async def _generate(
        self, actor: User, request: SendRequest, turn: Turn, user_message: Message
    ) -> AsyncIterator[TurnEvent]:
        finished = False
        prepared: PreparedTurn | None = None
        try:
            prepared = await in_transaction(
                self._deps.uow,
                lambda uow: prepare_turn(uow, actor, request.session_id, turn, user_message,
                                         request.fixture_id),
            )
            captured = await self._capture(prepared)
            parts: list[str] = []
            results: list[LlmResult] = []
            async with aclosing(self._reply(prepared, captured, results)) as texts:
                async for text in texts:
                    parts.append(text)
                    yield ReplyChunk(text)
            reply_text = "".join(parts).strip()
            if not reply_text:
                raise LlmError("The mediator gave no reply", retryable=True, code="empty_reply")
            metadata = prepared.metadata(captured)
            if any(result.offline for result in results):
                metadata["offline"] = True  # the offline mediator answered, not a model
            yield ReplyMetadata(metadata)
            yield ReplyTextComplete(metadata)
            message_id = await self._store.complete(prepared, reply_text, captured, metadata)
            finished = True
            if not message_id:
                # This send outlived its lease and a retry took the turn over: what was shown
                # here is not what is stored, so the client must not keep it.
                yield ReplyFailed(RETRY_TEXT, True, user_message.id)
                return
            if self._after_reply is not None:
                self._after_reply(turn.session_id, turn.user_id, turn.id)
            yield ReplyStored(message_id, metadata)
        except LlmError as error:
            log.warning("turn %s failed: %s (%s)", turn.id, error, error.code)
            finished = True
            if prepared is not None and prepared_safety_needs_reply(prepared):
                # Someone may be in danger and the model is down: answer with resources.
                async for event in self._crisis_fallback(prepared):
                    yield event
                return
            await self._store.fail(turn, user_message, error.code, notify=True,
                                   retryable=error.retryable,
                                   safety=prepared.safety if prepared is not None else None)
            yield ReplyFailed(RETRY_TEXT, error.retryable, user_message.id)
        except Exception:
            # A database or rule failure after streaming began: the person's message stays,
            # the turn is freed and they are told to retry (never a silent loss).
            log.exception("turn %s failed unexpectedly", turn.id)
            finished = True
            await self._store.fail(turn, user_message, "internal", notify=True)
            yield ReplyFailed(RETRY_TEXT, True, user_message.id)
        finally:
            if not finished:
                # The client left (or the server is stopping): free the turn for a retry.
                await asyncio.shield(self._store.fail(turn, user_message, "cancelled",
                                                      notify=False))

    async def _crisis_fallback(self, prepared: PreparedTurn) -> AsyncIterator[TurnEvent]:
        metadata = {"safety": prepared.safety}
        yield ReplyChunk(CRISIS_FALLBACK)
        yield ReplyMetadata(metadata)
        yield ReplyTextComplete(metadata)
        message_id = await self._store.complete(prepared, CRISIS_FALLBACK,
                                                prepared.parse_state(None), metadata)
        yield ReplyStored(message_id, metadata)

    async def _capture(self, prepared: PreparedTurn) -> CapturedState:
        """Pass 1: the fast model fills the state tool. Its failure costs the turn its
        metadata, not its reply."""
        try:
            result = await self._llm.complete(prepared.capture_request())
        except LlmError as error:
            log.warning("state capture failed for turn %s: %s", prepared.turn.id, error)
            return prepared.parse_state(None)
        call = next((c for c in result.tool_calls if c.name == prepared.tool_name), None)
        return prepared.parse_state(call.input if call else None)

    async def _reply(
        self, prepared: PreparedTurn, captured: CapturedState, results: list[LlmResult]
    ) -> AsyncIterator[str]:
        """Pass 2: the empathic model's reply, with hidden tags filtered out as it streams.
        The stream's final result lands in `results`."""
        reply_filter = prepared.new_filter()
        stream = self._llm.stream(prepared.reply_request(captured))
        try:
            async for item in stream:
                if isinstance(item, StreamFinished):
                    results.append(item.result)
                elif isinstance(item, TextDelta):
                    visible = reply_filter.feed(item.text)
                    if visible:
                        yield visible
        finally:
            await stream.aclose()  # cancels the upstream call when the client went away
        tail = reply_filter.finish().tail
        if tail:
            yield tail



