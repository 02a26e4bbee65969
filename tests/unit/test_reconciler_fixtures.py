"""The reconciler's calls answered by the shipped E2E fixtures (MOCK_LLM) and by the offline
mediator: deterministic, so journeys without a model reach both paths."""

from __future__ import annotations

import pytest

from mwf_core.adapters.llm.fixtures import FixtureLanguageModel
from mwf_core.adapters.llm.offline import OfflineMediator
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.records import User
from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.messages import MessageUseCases
from mwf_core.usecases.reconciler import ReconcilerUseCases
from mwf_core.wiring_adapters import SHIPPED_FIXTURES

from .conftest import App
from .test_reconciler import World


async def world_with(app: App, active: tuple[str, str], alice: User, bob: User,
                     llm: LanguageModel) -> World:
    reconciler = ReconcilerUseCases(app.deps, llm)
    messages = MessageUseCases(app.deps, llm, schedule_reconciler=reconciler.schedule)
    w = World(app, None, reconciler, messages, active[0], alice, bob)  # type: ignore[arg-type]
    await w.said(alice, "I do everything at home and nobody notices.")
    await w.feel_heard(alice)
    await w.feel_heard(bob)
    return w


@pytest.mark.parametrize(("fixture", "expected"), [
    ("reconciler-no-gaps", EmpathyStatus.READY),
    ("reconciler-offer-sharing", EmpathyStatus.AWAITING_SHARING),
])
async def test_shipped_fixtures(app: App, active: tuple[str, str], alice: User, bob: User,
                                fixture: str, expected: EmpathyStatus) -> None:
    llm = FixtureLanguageModel(SHIPPED_FIXTURES, default_fixture_id=fixture)
    w = await world_with(app, active, alice, bob, llm)
    await w.attempt(bob)
    await w.run(bob)
    assert await w.status_of(bob) is expected
    if expected is EmpathyStatus.AWAITING_SHARING:
        [offer] = await w.offers()
        assert offer.suggested_content.startswith("It is less about the dishes")
        assert offer.suggested_share_focus == "feeling alone with the household"


@pytest.mark.parametrize(("statement", "expected"), [
    ("You felt alone with the chores and wanted me to notice how much you carry.",
     EmpathyStatus.READY),
    ("You were annoyed.", EmpathyStatus.AWAITING_SHARING),
])
async def test_offline_mediator(app: App, active: tuple[str, str], alice: User, bob: User,
                                statement: str, expected: EmpathyStatus) -> None:
    w = await world_with(app, active, alice, bob, OfflineMediator())
    await w.attempt(bob, content=statement)
    await w.run(bob)
    assert await w.status_of(bob) is expected
    if expected is EmpathyStatus.AWAITING_SHARING:
        [offer] = await w.offers()
        assert "from the inside" in offer.suggested_content
        # The offline suggestion never quotes the subject.
        assert "nobody notices" not in offer.suggested_content
