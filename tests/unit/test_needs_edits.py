"""Need edits in the caller's own words: the model's plan, the fallback, applying all or none."""

from __future__ import annotations

import pytest

from mwf_core.adapters.llm.offline import OfflineMediator
from mwf_core.domain import events
from mwf_core.domain.errors import Forbidden, ValidationFailed
from mwf_core.domain.needs_edits import EditOperation, fallback_plan, guess_category, parse_plan
from mwf_core.domain.records import User
from mwf_core.usecases.needs import NeedInput, NeedsUseCases
from tests.fakes.scripted_llm import ScriptedModel, fail, text, tool

from .conftest import App
from .journey_seed import move_to

CALL = "needs_interpret_edit"


def test_fallback_and_plan_parsing() -> None:
    assert fallback_plan("Please remove that one", "n1", {"n1"}) == [EditOperation("delete", "n1")]
    assert fallback_plan("More about respect.", "n1", {"n1"}) == [
        EditOperation("refine", "n1", "More about respect")]
    assert fallback_plan("Feeling safe at home", "", set()) == [
        EditOperation("add", "", "Feeling safe at home", "SAFETY")]
    assert fallback_plan("Feeling safe", "gone", set())[0].type == "add"
    assert guess_category("nothing in particular").value == "CONNECTION"
    assert parse_plan({"operations": [{"type": "delete", "needId": "n1"}]}, {"n1"}) == [
        EditOperation("delete", "n1")]
    assert parse_plan({"operations": [{"type": "delete", "needId": "x"}]}, {"n1"}) is None
    assert parse_plan({"operations": [{"type": "add", "need": "Rest"}]}, set()) == [
        EditOperation("add", "", "Rest", "CONNECTION")]
    assert parse_plan({"operations": "no"}, set()) is None
    assert parse_plan(None, set()) is None


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
def needs(app: App, model: ScriptedModel) -> NeedsUseCases:
    return NeedsUseCases(app.deps, model)


async def test_interpret_uses_the_model_and_falls_back_when_it_fails(
    app: App, needs: NeedsUseCases, model: ScriptedModel, alice: User, bob: User,
    active: tuple[str, str],
) -> None:
    sid, _ = active
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    [rest] = (await needs.capture(alice, sid, [NeedInput("Rest", "AUTONOMY")])).needs
    model.script(CALL, tool({"operations": [{"type": "refine", "needId": rest.id,
                                             "need": "Rest on Sundays"}]}, name="need_edits"))
    plan = await needs.interpret_edit(alice, sid, "Make it about Sundays", rest.id)
    assert plan == type(plan)([EditOperation("refine", rest.id, "Rest on Sundays")], False)
    model.script(CALL, fail(retryable=True))
    plan = await needs.interpret_edit(alice, sid, "Drop it please", rest.id)
    assert plan.fallback and plan.operations == [EditOperation("delete", rest.id)]
    model.script(CALL, text("not json"))
    plan = await needs.interpret_edit(alice, sid, "Being thanked")
    assert plan.fallback and plan.operations[0].category == "RECOGNITION"
    with pytest.raises(ValidationFailed):
        await needs.interpret_edit(alice, sid, "x", "someone-elses")
    with pytest.raises(ValidationFailed):
        await needs.interpret_edit(alice, sid, "   ")
    assert [n.need for n in (await needs.list(alice, sid)).needs] == ["Rest"]  # nothing applied


async def test_offline_mediator_answers_the_interpretation(
    app: App, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid, _ = active
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    needs = NeedsUseCases(app.deps, OfflineMediator())
    [rest] = (await needs.capture(alice, sid, [NeedInput("Rest", "AUTONOMY")])).needs
    plan = await needs.interpret_edit(alice, sid, "Please delete this", rest.id)
    assert plan.operations == [EditOperation("delete", rest.id)] and not plan.fallback


async def test_apply_is_all_or_none_and_own_only(
    app: App, needs: NeedsUseCases, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid, _ = active
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    rest, safety = (await needs.capture(alice, sid, [NeedInput("Rest", "AUTONOMY"),
                                                     NeedInput("Safety", "SAFETY")])).needs
    [bobs] = (await needs.capture(bob, sid, [NeedInput("Thanks", "RECOGNITION")])).needs
    with pytest.raises(ValidationFailed) as caught:
        await needs.apply_edits(alice, sid, [EditOperation("delete", rest.id),
                                             EditOperation("delete", bobs.id)])
    assert "operations.1.needId" in caught.value.details
    with pytest.raises(ValidationFailed):
        await needs.apply_edits(alice, sid, [EditOperation("delete", rest.id),
                                             EditOperation("refine", rest.id, "Rest more")])
    assert len((await needs.list(alice, sid)).needs) == 2
    applied = await needs.apply_edits(alice, sid, [
        EditOperation("refine", rest.id, "Rest on Sundays"),
        EditOperation("delete", safety.id),
        EditOperation("add", "", "Being heard", "CONNECTION")])
    assert applied.applied == 3
    assert [n.need for n in applied.needs] == ["Rest on Sundays", "Being heard"]
    names = [e.name for e in app.events() if e.channel == events.user_channel(alice.id)]
    assert {events.NEED_REFINED, events.NEED_DELETED, events.NEED_CAPTURED} <= set(names)
    ids = [n.id for n in applied.needs]
    await needs.confirm(alice, sid, ids, [])
    await needs.consent(alice, sid, ids)
    with pytest.raises(Forbidden):
        await needs.apply_edits(alice, sid, [EditOperation("add", "", "More", "SAFETY")])
    with pytest.raises(Forbidden):
        await needs.interpret_edit(alice, sid, "Add more")
