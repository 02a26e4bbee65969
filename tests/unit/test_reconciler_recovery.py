"""The reconciler's recovery of unfinished analyses over in-memory fakes: after a crash, a
lost schedule or a failed finish, at startup and lazily (helpers in test_reconciler)."""

from __future__ import annotations

from typing import Any

import pytest

from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.usecases.messages import MessageUseCases
from mwf_core.usecases.reconciler import ReconcilerUseCases
from tests.fakes.scripted_llm import text

from .test_reconciler import ANALYSIS, World, analysis, both_heard
from .test_reconciler import world as world  # noqa: F401  (the fixture)

# ---- recovery of unfinished analyses ---------------------------------------------------------


async def test_recover_all_finishes_what_a_crashed_run_left_analyzing(world: World) -> None:
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING)  # the run died mid-way
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    assert await world.reconciler.recover_all() == 1
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    assert (await world.result(world.bob)) is not None
    assert await world.reconciler.recover_all() == 0  # nothing left


async def test_recover_all_picks_up_held_attempts_only_once_the_subject_felt_heard(
    world: World,
) -> None:
    await world.attempt(world.bob)  # HELD
    await world.feel_heard(world.bob)  # the guesser is done; Alice (the subject) is not
    assert await world.reconciler.recover_all() == 0
    # Alice feels heard, but the process dies before that commit's schedule runs.
    lost = MessageUseCases(world.app.deps, world.model, schedule_reconciler=None)
    await lost.confirm_feel_heard(world.alice, world.session_id, True)
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.HELD
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    assert await world.reconciler.recover_all() == 1
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY


async def test_recover_all_honours_updated_before_and_running_directions(
    world: World,
) -> None:
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING)
    earlier = world.app.clock.now()
    assert await world.reconciler.recover_all(updated_before=earlier) == 0
    world.app.clock.advance(seconds=5)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    world.reconciler.schedule(world.session_id, world.bob.id)  # a run is going on
    assert await world.reconciler.recover_all(
        updated_before=world.app.clock.now()) == 0
    await world.reconciler.drain()
    assert world.model.calls[ANALYSIS] == 1
    assert await world.status_of(world.bob) is EmpathyStatus.READY


async def test_a_failed_finish_leaves_the_attempt_for_recovery(
    world: World, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await both_heard(world)
    await world.attempt(world.bob)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    original = ReconcilerUseCases._finish

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(ReconcilerUseCases, "_finish", broken)
    await world.run(world.bob)  # logged, never raised
    assert await world.status_of(world.bob) is EmpathyStatus.ANALYZING
    assert (await world.result(world.bob)) is None
    monkeypatch.setattr(ReconcilerUseCases, "_finish", original)
    assert await world.reconciler.recover_all() == 1
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY


async def test_empathy_status_resumes_a_stuck_analysis_lazily(world: World) -> None:
    from mwf_core.usecases.empathy import EmpathyUseCases

    empathy = EmpathyUseCases(world.app.deps, world.model, world.reconciler)
    await both_heard(world)
    await world.attempt(world.bob, status=EmpathyStatus.ANALYZING)
    world.model.script(ANALYSIS, text(analysis("PROCEED")))
    view = await empathy.status(world.alice, world.session_id)  # the subject looks
    assert view.partner_empathy_held_status is EmpathyStatus.ANALYZING
    await world.reconciler.drain()
    assert await world.status_of(world.bob) is EmpathyStatus.READY
    # Nothing waiting: reading the status schedules nothing.
    await empathy.status(world.bob, world.session_id)
    assert not world.reconciler._tasks
    assert world.model.calls[ANALYSIS] == 1
