"""When a turn goes wrong: safety first, nothing silent, nothing stuck."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mwf_core.domain import events
from mwf_core.domain.conversation import CRISIS_FALLBACK
from mwf_core.domain.enums import MessageRole, TurnStatus
from mwf_core.domain.records import User
from mwf_core.usecases.conversation import ConversationUseCases, SendRequest
from mwf_core.usecases.messages import MessageUseCases
from mwf_core.usecases.turn_events import (
    ReplyFailed,
    ReplyMetadata,
    ReplyStored,
    TurnEvent,
    UserMessageStored,
)
from tests.fakes.scripted_llm import REPLY, ScriptedModel, fail, text

from .conftest import App


async def collect(stream: AsyncIterator[TurnEvent]) -> list[TurnEvent]:
    return [event async for event in stream]


def _lane(app: App, session_id: str, user_id: str) -> list[tuple[MessageRole, str]]:
    rows = [m for m in app.store.messages.values() if m.session_id == session_id
            and (m.for_user_id == user_id or (m.sender_id == user_id and m.for_user_id is None))]
    return [(m.role, m.content) for m in sorted(rows, key=lambda m: (m.timestamp, m.id))]


async def test_an_urgent_message_gets_resources_even_when_the_model_fails(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    model = ScriptedModel()
    model.script(REPLY, fail(retryable=True))
    found = await collect(ConversationUseCases(app.deps, model).send(
        alice, SendRequest(active[0], "I want to kill myself.")))
    assert isinstance(found[-1], ReplyStored)
    [metadata] = [e.metadata for e in found if isinstance(e, ReplyMetadata)]
    assert metadata["safety"]["level"] in ("urgent", "emergency")
    assert _lane(app, active[0], alice.id)[-1] == (MessageRole.AI, CRISIS_FALLBACK)
    [signal] = app.events(events.SAFETY_CONCERN)
    assert "kill" not in str(signal.payload)  # the level, never the words


async def test_a_softer_signal_is_still_reported_when_the_reply_fails(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    model = ScriptedModel()
    model.script(REPLY, fail(retryable=True))
    found = await collect(ConversationUseCases(app.deps, model).send(
        alice, SendRequest(active[0], "I feel hopeless, like there is no point anymore.")))
    assert isinstance(found[-1], ReplyFailed)  # a concern is not an emergency: retry
    [signal] = app.events(events.SAFETY_CONCERN)
    assert signal.payload["level"] == "concern"


async def test_leaving_right_after_the_message_frees_the_turn(app: App, alice: User,
                                                              active: tuple[str, str]) -> None:
    stream = ConversationUseCases(app.deps, ScriptedModel()).send(
        alice, SendRequest(active[0], "Hello", "req-leave"))
    first = await stream.__anext__()
    assert isinstance(first, UserMessageStored)
    await stream.aclose()
    [turn] = app.store.turns.values()
    assert turn.status is TurnStatus.FAILED and turn.error == "cancelled"


async def test_a_storage_failure_after_streaming_is_reported_not_swallowed(
    app: App, alice: User, active: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    conv = ConversationUseCases(app.deps, ScriptedModel())

    async def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(conv._store, "complete", broken)
    found = await collect(conv.send(alice, SendRequest(active[0], "Hello", "req-x")))
    assert isinstance(found[-1], ReplyFailed) and found[-1].retryable
    [error] = app.events(events.MESSAGE_ERROR)
    assert error.payload["error"] == "internal"
    assert _lane(app, active[0], alice.id) == [(MessageRole.USER, "Hello")]


async def test_hidden_activity_is_not_announced(app: App, alice: User,
                                                active: tuple[str, str]) -> None:
    alice.privacy_preferences = {"showActivityStatus": False}  # as loaded for this request
    await collect(ConversationUseCases(app.deps, ScriptedModel()).send(
        alice, SendRequest(active[0], "Hello")))
    assert app.events(events.PARTNER_ACTIVITY) == []


async def test_the_greeting_never_shows_hidden_tags(app: App, alice: User,
                                                    active: tuple[str, str]) -> None:
    model = ScriptedModel()
    model.script("initial_message", text("<thinking>plan</thinking>Welcome back."))
    greeting = await MessageUseCases(app.deps, model).initial(alice, active[0])
    assert greeting.content == "Welcome back."
