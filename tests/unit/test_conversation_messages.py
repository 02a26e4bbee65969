"""MessageUseCases over in-memory fakes: the "I feel heard" button, the mediator's greeting, and
paging through the caller's own lane."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mwf_core.domain import events
from mwf_core.domain.conversation import FEEL_HEARD_TRANSITION
from mwf_core.domain.enums import MessageRole, Stage, StageStatus
from mwf_core.domain.errors import ValidationFailed
from mwf_core.domain.records import Message, User
from mwf_core.usecases.conversation import ConversationUseCases, SendRequest
from mwf_core.usecases.messages import MessageUseCases
from tests.fakes.scripted_llm import INITIAL, ScriptedModel, fail, text

from .conftest import App


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
def msgs(app: App, model: ScriptedModel) -> MessageUseCases:
    return MessageUseCases(app.deps, model)


@pytest.fixture
def conv(app: App, model: ScriptedModel) -> ConversationUseCases:
    return ConversationUseCases(app.deps, model, poll_seconds=0.01)


async def say(conv: ConversationUseCases, user: User, session_id: str, content: str) -> None:
    async for _ in conv.send(user, SendRequest(session_id, content)):
        pass


def stages(app: App, session_id: str, user_id: str) -> dict[int, StageStatus]:
    return {p.stage: p.status for p in app.store.progress.values()
            if p.session_id == session_id and p.user_id == user_id}


def contents(messages: list[Message]) -> list[str]:
    return [m.content for m in messages]


# --- feel heard ---------------------------------------------------------------------------


async def test_not_feeling_heard_keeps_stage_one(
    app: App, msgs: MessageUseCases, alice: User, active: tuple[str, str],
) -> None:
    sid = active[0]
    result = await msgs.confirm_feel_heard(alice, sid, False)
    assert (result.confirmed, result.can_advance, result.transition) == (False, False, None)
    assert result.confirmed_at is None
    assert stages(app, sid, alice.id) == {0: StageStatus.COMPLETED, 1: StageStatus.IN_PROGRESS}
    assert app.events(events.PARTNER_STAGE_COMPLETED) == []


async def test_feeling_heard_moves_me_to_stage_two_with_a_note_in_my_lane_only(
    app: App, msgs: MessageUseCases, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid = active[0]
    result = await msgs.confirm_feel_heard(alice, sid, True, "He never listens to me.")
    assert (result.confirmed, result.can_advance, result.partner_completed) == (True, True, False)
    assert result.confirmed_at == app.clock.now()
    assert result.transition is not None
    assert result.transition.content == FEEL_HEARD_TRANSITION
    assert result.transition.stage == Stage.PERSPECTIVE_STRETCH
    assert stages(app, sid, alice.id)[1] is StageStatus.COMPLETED
    assert stages(app, sid, alice.id)[2] is StageStatus.IN_PROGRESS
    assert stages(app, sid, bob.id) == {0: StageStatus.COMPLETED, 1: StageStatus.IN_PROGRESS}
    mine, _ = await msgs.list(alice, sid)
    theirs, _ = await msgs.list(bob, sid)
    assert contents(mine) == [FEEL_HEARD_TRANSITION] and theirs == []
    [done] = app.events(events.PARTNER_STAGE_COMPLETED)
    assert done.channel == f"session:{sid}"
    assert (done.payload["stage"], done.payload["completedBy"]) == (1, alice.id)
    assert app.events(events.PARTNER_ADVANCED) == []

    # The feedback is mine: bob's view of my progress never carries it.
    report = await app.sessions.progress(bob, sid)
    partner = report.view.partner_progress
    assert partner is not None and partner.stage == Stage.PERSPECTIVE_STRETCH
    assert "feedback" not in partner.gates
    assert "never listens" not in repr(report.view)
    state = await app.sessions.state(bob, sid)
    assert "never listens" not in repr(state.report.view) + repr(state.messages)
    again = await msgs.confirm_feel_heard(alice, sid, True)
    assert again.transition is not None and again.transition.id == result.transition.id
    assert len(app.events(events.PARTNER_STAGE_COMPLETED)) == 1


async def test_both_feeling_heard_announces_the_advance(
    app: App, msgs: MessageUseCases, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid = active[0]
    await msgs.confirm_feel_heard(alice, sid, True)
    second = await msgs.confirm_feel_heard(bob, sid, True)
    assert second.partner_completed is True
    [advanced] = app.events(events.PARTNER_ADVANCED)
    assert advanced.payload["fromStage"] == 1 and advanced.payload["toStage"] == 2
    assert len(app.events(events.PARTNER_STAGE_COMPLETED)) == 2


async def test_feel_heard_outside_stage_one_and_long_feedback_are_refused(
    app: App, msgs: MessageUseCases, alice: User,
) -> None:
    created = await app.create(alice, "Bob", "We argue about chores.")
    sid = created.view.session.id
    with pytest.raises(ValidationFailed, match="stage 1 is required"):
        await msgs.confirm_feel_heard(alice, sid, True)
    with pytest.raises(ValidationFailed) as caught:
        await msgs.confirm_feel_heard(alice, sid, True, "x" * 501)
    assert list(caught.value.details) == ["feedback"]


# --- the greeting -------------------------------------------------------------------------


async def test_initial_greeting_is_stored_once(
    app: App, msgs: MessageUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    model.script(INITIAL, text("Hi Alice, this space is private. What's on your mind?"))
    first = await msgs.initial(alice, sid)
    second = await msgs.initial(alice, sid)
    assert second.id == first.id and second.content == first.content
    assert first.content == "Hi Alice, this space is private. What's on your mind?"
    assert (first.role, first.sender_id, first.for_user_id) == (MessageRole.AI, None, alice.id)
    assert model.calls[INITIAL] == 1
    mine, _ = await msgs.list(alice, sid)
    assert [m.id for m in mine] == [first.id]
    assert (await msgs.list(bob, sid))[0] == []


async def test_greeting_falls_back_when_the_model_fails(
    msgs: MessageUseCases, model: ScriptedModel, alice: User, active: tuple[str, str],
) -> None:
    model.script(INITIAL, fail(True))
    greeting = await msgs.initial(alice, active[0])
    assert greeting.content.strip() and greeting.role is MessageRole.AI


async def test_no_greeting_once_the_person_has_written(
    app: App, msgs: MessageUseCases, conv: ConversationUseCases, alice: User,
    active: tuple[str, str],
) -> None:
    await say(conv, alice, active[0], "I'll start myself.")
    with pytest.raises(ValidationFailed):
        await msgs.initial(alice, active[0])
    mine, _ = await msgs.list(alice, active[0])
    assert [m.role for m in mine] == [MessageRole.USER, MessageRole.AI]


# --- the lane -----------------------------------------------------------------------------


async def _two_lanes(app: App, conv: ConversationUseCases, alice: User, bob: User,
                     sid: str, turns: int = 3) -> None:
    for n in range(turns):
        app.clock.advance(minutes=1)
        await say(conv, alice, sid, f"alice says {n}")
        app.clock.advance(seconds=10)
        await say(conv, bob, sid, f"bob says {n}")


async def test_lane_pages_are_chronological_and_mine_only(
    app: App, msgs: MessageUseCases, conv: ConversationUseCases, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await _two_lanes(app, conv, alice, bob, sid)
    everything, more = await msgs.list(alice, sid)
    assert more is False and len(everything) == 6
    assert [m.content for m in everything if m.role is MessageRole.USER] == [
        "alice says 0", "alice says 1", "alice says 2"]
    assert all("bob" not in m.content for m in everything)
    assert all(m.sender_id == alice.id or m.for_user_id == alice.id for m in everything)
    stamps = [(m.timestamp, m.id) for m in everything]
    assert stamps == sorted(stamps)

    newest, more = await msgs.list(alice, sid, limit=2)
    assert more is True and [m.id for m in newest] == [m.id for m in everything[-2:]]
    oldest, more = await msgs.list(alice, sid, limit=2, oldest_first=True)
    assert more is True and [m.id for m in oldest] == [m.id for m in everything[:2]]
    exact, more = await msgs.list(alice, sid, limit=6)
    assert more is False and len(exact) == 6


async def test_lane_before_and_after(
    app: App, msgs: MessageUseCases, conv: ConversationUseCases, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid = active[0]
    await _two_lanes(app, conv, alice, bob, sid)
    everything, _ = await msgs.list(alice, sid)
    pivot = everything[2].timestamp  # "alice says 1"
    earlier, more = await msgs.list(alice, sid, before=pivot)
    assert more is False and [m.id for m in earlier] == [m.id for m in everything[:2]]
    later, _ = await msgs.list(alice, sid, after=pivot)
    assert [m.id for m in later] == [m.id for m in everything[4:]]
    page, more = await msgs.list(alice, sid, limit=1, after=pivot - timedelta(seconds=1),
                                 oldest_first=True)
    assert more is True and [m.content for m in page] == ["alice says 1"]


@pytest.mark.parametrize("limit", [-1, 501])
async def test_lane_limit_bounds(
    msgs: MessageUseCases, alice: User, active: tuple[str, str], limit: int,
) -> None:
    with pytest.raises(ValidationFailed):
        await msgs.list(alice, active[0], limit=limit)
