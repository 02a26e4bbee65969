"""Stage 3 use cases over the in-memory fakes, and the pure rules of domain/needs.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from mwf_core.domain import events
from mwf_core.domain.enums import (
    ConsentContentType,
    ConsentDecision,
    NeedCategory,
    SessionStatus,
    Stage,
)
from mwf_core.domain.errors import (
    Forbidden,
    GateNotSatisfied,
    NotFound,
    SessionNotActive,
    ValidationFailed,
)
from mwf_core.domain.needs import need_status, share_set_problem, stage4_transition_line
from mwf_core.domain.records import IdentifiedNeed, User
from mwf_core.ports.llm import LanguageModel
from mwf_core.usecases.needs import Adjustment, NeedInput, NeedsUseCases

from .conftest import App
from .journey_seed import move_to

AT = datetime(2026, 1, 1, tzinfo=UTC)


def make_need(need_id: str, **changes: Any) -> IdentifiedNeed:
    base = IdentifiedNeed(need_id, "v1", "Safety", NeedCategory.SAFETY, [], False, AT)
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_status_order_and_share_set_rules() -> None:
    assert need_status(make_need("a")) == "draft"
    assert need_status(make_need("a", locked_at=AT)) == "locked"
    assert need_status(make_need("a", locked_at=AT, superseded_by_need_id="b")) == "superseded"
    assert need_status(make_need("a", superseded_by_need_id="b", deleted_at=AT)) == "deleted"
    live = [make_need("a", confirmed=True), make_need("b", confirmed=True)]
    assert share_set_problem(["a", "b"], live) is None
    assert share_set_problem(["b", "a"], live) is None
    assert share_set_problem([], []) == "You have no needs to share yet"
    assert "not included" in (share_set_problem(["a"], live) or "")
    assert "Not one of your current needs" in (share_set_problem(["a", "b", "c"], live) or "")
    assert "repeat" in (share_set_problem(["a", "a", "b"], live) or "")
    live[1].confirmed = False
    assert "Confirm every need" in (share_set_problem(["a", "b"], live) or "")
    assert "\"to rest\"" in stage4_transition_line("to rest")
    assert stage4_transition_line(None)


@pytest.fixture
def needs(app: App) -> NeedsUseCases:
    return NeedsUseCases(app.deps, cast(LanguageModel, None))


async def share(needs: NeedsUseCases, user: User, sid: str, *texts: str) -> Any:
    captured = await needs.capture(user, sid, [NeedInput(t, "SAFETY") for t in texts])
    ids = [n.id for n in captured.needs]
    await needs.confirm(user, sid, ids, [])
    return await needs.consent(user, sid, ids)


async def test_second_sharer_moves_both_to_stage_four_once(
    app: App, needs: NeedsUseCases, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid, _ = active
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    first = await share(needs, alice, sid, "To feel safe", "Rest")
    assert (first.waiting_for_partner, first.advanced_to_stage4) == (True, False)
    assert (await needs.comparison(bob, sid)).partner_needs == []
    second = await share(needs, bob, sid, "To be thanked")
    assert (second.needs_reveal_ready, second.advanced_to_stage4) == (True, True)
    again = await needs.consent(alice, sid, ["whatever"])  # already shared: same answer
    assert again.advanced_to_stage4 and again.needs_reveal_ready

    consents = [c for c in app.store.consents.values() if c.user_id == alice.id]
    assert len(consents) == 2
    assert {(c.target_type, c.decision) for c in consents} == {
        (ConsentContentType.IDENTIFIED_NEED, ConsentDecision.GRANTED)}
    assert app.db.published_names().count(events.NEEDS_REVEAL_READY) == 1
    stage4 = [p for p in app.store.progress.values() if p.stage == Stage.STRATEGIC_REPAIR]
    assert sorted(p.user_id for p in stage4) == sorted([alice.id, bob.id])
    lines = {m.for_user_id: m.content for m in app.store.messages.values() if m.stage == 4}
    assert "To feel safe" in lines[alice.id] and "To be thanked" in lines[bob.id]
    completed = app.events(events.PARTNER_STAGE_COMPLETED)
    assert {e.channel for e in completed} == {events.user_channel(alice.id),
                                               events.user_channel(bob.id)}
    view = await needs.comparison(bob, sid)
    assert [n.need for n in view.partner_needs] == ["To feel safe", "Rest"]
    assert view.can_advance and view.analysis_complete


async def test_edits_are_own_only_and_refused_after_sharing(
    app: App, needs: NeedsUseCases, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid, _ = active
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    captured = await needs.capture(alice, sid, [NeedInput("Safety", "SAFETY"),
                                                NeedInput("Rest", "AUTONOMY")])
    safety, rest = captured.needs
    with pytest.raises(NotFound):
        await needs.delete(bob, sid, safety.id)
    with pytest.raises(ValidationFailed):
        await needs.confirm(bob, sid, [safety.id], [])
    result = await needs.confirm(alice, sid, [safety.id, rest.id],
                                 [Adjustment(rest.id, True, "Rest on Sundays"),
                                  Adjustment(safety.id, False)])
    assert result.confirmed
    live = (await needs.list(alice, sid)).needs
    assert [(n.need, n.confirmed) for n in live] == [("Safety", False), ("Rest on Sundays", True)]
    assert app.store.needs[rest.id].superseded_by_need_id == live[1].id
    with pytest.raises(ValidationFailed, match="Confirm every need"):
        await needs.consent(alice, sid, [n.id for n in live])
    await needs.delete(alice, sid, safety.id)
    with pytest.raises(ValidationFailed, match="cannot be removed"):
        await needs.delete(alice, sid, live[1].id)
    await needs.consent(alice, sid, [live[1].id])
    for attempt in (needs.capture(alice, sid, [NeedInput("More", "SAFETY")]),
                    needs.add_custom(alice, sid, NeedInput("More", "SAFETY")),
                    needs.delete(alice, sid, live[1].id),
                    needs.confirm(alice, sid, [live[1].id], [])):
        with pytest.raises(Forbidden):
            await attempt
    assert all(e.channel == events.user_channel(alice.id)
               for e in app.events() if "need" in dumps_payload(e.payload))


def dumps_payload(payload: dict[str, Any]) -> str:
    return str({k: v for k, v in payload.items() if k in ("need", "affectedNeed", "oldNeed")})


async def test_stage_and_status_checks(
    app: App, needs: NeedsUseCases, alice: User, bob: User, active: tuple[str, str],
) -> None:
    sid, _ = active
    with pytest.raises(ValidationFailed, match="you are in stage 1, but stage 3 is required"):
        await needs.capture(alice, sid, [NeedInput("Safety", "SAFETY")])
    assert (await needs.list(alice, sid)).needs == []
    await move_to(app.deps, sid, (alice.id, bob.id), 3)
    with pytest.raises(ValidationFailed) as caught:
        await needs.capture(alice, sid, [NeedInput("", "HUNGER")])
    assert set(caught.value.details) == {"needs.0.need", "needs.0.category"}
    with pytest.raises(ValidationFailed):
        await needs.capture(alice, sid, [NeedInput("x", "SAFETY")] * 51)
    with pytest.raises(GateNotSatisfied):
        await needs.validate(alice, sid, True)
    await app.set_status(sid, SessionStatus.PAUSED)
    with pytest.raises(SessionNotActive):
        await needs.add_custom(alice, sid, NeedInput("Safety", "SAFETY"))
    assert (await needs.list(alice, sid)).needs == []
