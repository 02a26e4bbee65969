"""EmotionUseCases: intensity readings, private to their author."""

from __future__ import annotations

import pytest

from mwf_core.domain.errors import Forbidden, ValidationFailed
from mwf_core.domain.records import User

from .conftest import App


async def test_record_stores_a_reading_at_my_stage_and_my_mood(app: App, alice: User,
                                                               active: tuple[str, str]) -> None:
    recorded = await app.emotions.record(alice, active[0], 5, "  tense  ")
    reading = recorded.reading
    assert (reading.intensity, reading.stage, reading.context) == (5, 1, "tense")
    assert reading.timestamp == app.clock.now()
    assert recorded.suggest_exercise is False
    assert app.store.emotions[reading.id].vessel_id in app.store.user_vessels
    assert (await app.identity.me(alice)).user.last_mood_intensity == 5


@pytest.mark.parametrize(("intensity", "suggest"), [(1, False), (7, False), (8, True),
                                                    (10, True)])
async def test_eight_or_more_suggests_an_exercise(app: App, alice: User, active: tuple[str, str],
                                                  intensity: int, suggest: bool) -> None:
    assert (await app.emotions.record(alice, active[0], intensity)).suggest_exercise is suggest


@pytest.mark.parametrize("intensity", [0, 11, -3, True, False])
async def test_intensity_must_be_an_integer_from_1_to_10(app: App, alice: User,
                                                         active: tuple[str, str],
                                                         intensity: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.emotions.record(alice, active[0], intensity)
    assert list(caught.value.details) == ["intensity"]
    assert app.store.emotions == {}


async def test_context_limit(app: App, alice: User, active: tuple[str, str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.emotions.record(alice, active[0], 3, "x" * 501)
    assert list(caught.value.details) == ["context"]
    assert (await app.emotions.record(alice, active[0], 3, "")).reading.context is None


async def test_readings_are_own_only_newest_first(app: App, alice: User, bob: User,
                                                  active: tuple[str, str]) -> None:
    sid = active[0]
    for intensity in (2, 4, 6):
        app.clock.advance(minutes=1)
        await app.emotions.record(alice, sid, intensity)
    await app.emotions.record(bob, sid, 9, "private to Bob")
    assert [r.intensity for r in (await app.emotions.list(alice, sid))[0]] == [6, 4, 2]
    assert [r.intensity for r in (await app.emotions.list(alice, sid, page_size=2))[0]] == [6, 4]
    assert [r.context for r in (await app.emotions.list(bob, sid))[0]] == ["private to Bob"]


@pytest.mark.parametrize("limit", [-1, 51])
async def test_list_limit(app: App, alice: User, active: tuple[str, str], limit: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        (await app.emotions.list(alice, active[0], page_size=limit))[0]
    assert list(caught.value.details) == ["page_size"]


async def test_a_repeated_request_id_returns_the_first_reading(app: App, alice: User,
                                                               active: tuple[str, str]) -> None:
    first = await app.emotions.record(alice, active[0], 8, "hot", request_id="r-1")
    app.clock.advance(seconds=2)
    again = await app.emotions.record(alice, active[0], 8, "hot", request_id="r-1")
    assert again.reading == first.reading and again.suggest_exercise is True
    assert len(app.store.emotions) == 1
    with pytest.raises(ValidationFailed) as caught:
        await app.emotions.record(alice, active[0], 3, "calm", request_id="r-1")
    assert list(caught.value.details) == ["request_id"]
    assert len(app.store.emotions) == 1


async def test_after_leaving_there_is_nothing_to_record_into(app: App, alice: User, bob: User,
                                                            active: tuple[str, str]) -> None:
    await app.emotions.record(bob, active[0], 4)
    await app.lifecycle.leave(bob, active[0])
    # Having left, Bob has no access to the session any more.
    with pytest.raises(Forbidden):
        await app.emotions.record(bob, active[0], 4)
    with pytest.raises(Forbidden):
        await app.emotions.list(bob, active[0])
