"""Events the consolidated lane helpers send: `notification.pending_action` when an action is
created (share offer, reveal, shared context), `empathy.refining` on an accepted share, and the
full MessageDTO on every `message.ai_response`."""

from __future__ import annotations

from typing import Any, cast

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import MessageRole
from mwf_core.domain.records import User
from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.lane import message_dto
from mwf_core.usecases.needs import NeedsUseCases
from tests.fakes.scripted_llm import text

from .conftest import App
from .journey_seed import move_to
from .test_needs import share
from .test_reconciler import ANALYSIS, World, analysis, both_heard, offered
from .test_reconciler import world as world  # noqa: F401  (the fixture)

DTO_KEYS = {"id", "sessionId", "senderId", "forUserId", "role", "content", "stage", "timestamp"}


def pending(w: World, user: User) -> list[dict[str, Any]]:
    return [e.payload for e in w.events_on(events.user_channel(user.id))
            if e.name == events.NOTIFICATION_PENDING_ACTION]


def all_pending(w: World) -> list[Any]:
    return [e for e in w.app.events(events.NOTIFICATION_PENDING_ACTION)]


async def test_a_new_share_offer_notifies_its_subject_only(world: World) -> None:
    await offered(world)
    [offer] = await world.offers()
    [note] = pending(world, world.alice)
    assert (note["forUserId"], note["actionType"], note["actionId"]) == (
        world.alice.id, "share_offer", offer.id)
    assert pending(world, world.bob) == []
    assert len(all_pending(world)) == 1


async def test_an_accepted_share_tells_the_guesser_refining_and_context_received(
    world: World,
) -> None:
    await offered(world)
    before = len(world.app.events())
    await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "accept")
    new = world.app.events()[before:]
    [refining] = [e for e in new if e.name == events.EMPATHY_REFINING]
    assert refining.channel == events.user_channel(world.bob.id)
    assert refining.payload["guesserId"] == world.bob.id
    assert refining.payload["forUserId"] == world.bob.id
    assert refining.payload["hasNewContext"] is True
    assert refining.payload["empathyStatus"]["myAttempt"]["status"] == "REFINING"
    [received] = [e for e in new if e.name == events.NOTIFICATION_PENDING_ACTION]
    assert received.channel == events.user_channel(world.bob.id)
    shared = [m for m in await world.lane(world.bob) if m.role is MessageRole.SHARED_CONTEXT]
    assert (received.payload["actionType"], received.payload["actionId"]) == (
        "context_received", shared[0].id)
    [ai] = [e for e in new if e.name == events.MESSAGE_AI_RESPONSE]
    assert set(ai.payload["message"]) == DTO_KEYS


async def test_a_declined_share_sends_no_refining(world: World) -> None:
    await offered(world)
    before = len(world.app.events())
    await world.reconciler.respond_to_share_offer(world.alice, world.session_id, "decline")
    names = [e.name for e in world.app.events()[before:]]
    assert events.EMPATHY_REFINING not in names
    assert events.NOTIFICATION_PENDING_ACTION not in names


async def test_the_reveal_asks_each_subject_to_validate(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.alice, status=EmpathyStatus.READY)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    await world.run(world.bob)
    assert await world.status_of(world.alice) is EmpathyStatus.REVEALED
    [to_alice] = pending(world, world.alice)
    [to_bob] = pending(world, world.bob)
    assert (to_alice["actionType"], to_alice["actionId"]) == ("validate_empathy",
                                                              f"attempt-{world.bob.id}")
    assert (to_bob["actionType"], to_bob["actionId"]) == ("validate_empathy",
                                                          f"attempt-{world.alice.id}")
    for event in world.app.events(events.MESSAGE_AI_RESPONSE):
        assert set(event.payload["message"]) == DTO_KEYS
        assert event.channel == events.user_channel(event.payload["forUserId"])


async def test_needs_waiting_line_is_sent_as_a_full_message_dto(
    app: App, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid, _ = active
    needs = NeedsUseCases(app.deps, cast(LanguageModel, None))
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    await share(needs, alice, sid, "To feel safe")
    [event] = app.events(events.MESSAGE_AI_RESPONSE)
    assert event.channel == events.user_channel(alice.id)
    line = app.store.messages[event.payload["message"]["id"]]
    assert event.payload["message"] == message_dto(line)
    assert set(event.payload["message"]) == DTO_KEYS
    assert (line.role, line.stage, line.for_user_id) == (MessageRole.AI, 3, alice.id)
