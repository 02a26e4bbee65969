"""The rolling summary and notable facts, written after a reply and never on its path."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

from mwf_core.domain.enums import MessageRole
from mwf_core.domain.records import Message, User
from mwf_core.ports.llm import LlmError, LlmRequest, LlmResult, ModelRole, StreamItem
from mwf_core.usecases.enrichment import MAX_FACTS, SUMMARY_EVERY, EnrichmentUseCases

from .conftest import App


@dataclass
class JsonModel:
    """Answers the two jobs with scripted text, or fails."""

    answers: dict[str, str] = field(default_factory=dict)
    fail: bool = False
    requests: list[LlmRequest] = field(default_factory=list)

    async def complete(self, request: LlmRequest) -> LlmResult:
        self.requests.append(request)
        if self.fail:
            raise LlmError("throttled", retryable=True, code="throttled")
        return LlmResult(text=self.answers.get(request.call_type, ""), model_id="json-model")

    def stream(self, request: LlmRequest) -> AsyncIterator[StreamItem]:
        raise AssertionError("enrichment never streams")

    def model_id(self, role: ModelRole) -> str:
        return "json-model"


async def _chat(app: App, session_id: str, user: User, count: int) -> None:
    async with app.db() as uow:
        for i in range(count):
            app.clock.advance(timedelta(seconds=1))
            mine = i % 2 == 0
            await uow.messages.add(Message(
                id=f"m-{user.id}-{i}", session_id=session_id,
                sender_id=user.id if mine else None, for_user_id=None if mine else user.id,
                role=MessageRole.USER if mine else MessageRole.AI,
                content=f"line {i} from {'me' if mine else 'mediator'}", stage=1,
                timestamp=app.clock.now(),
            ))
        await uow.commit()


async def _memory(app: App, session_id: str, user: User):  # type: ignore[no-untyped-def]
    async with app.db() as uow:
        vessel = await uow.vessels.user_vessel(session_id, user.id)
        return await uow.memories.get(vessel.id) if vessel else None


def _answers(facts: int = 2) -> dict[str, str]:
    return {
        "summary": 'Sure: {"summary": "Alice feels unheard at dinner.", "keyThemes": ["dinner"]}',
        "notable_facts": json.dumps({"facts": [{"category": "events", "fact": f"fact {i}"}
                                               for i in range(facts)]}),
    }


async def test_enough_new_messages_write_the_memory(app: App, alice: User,
                                                    active: tuple[str, str]) -> None:
    model = JsonModel(_answers())
    await _chat(app, active[0], alice, SUMMARY_EVERY)
    await EnrichmentUseCases(app.deps, model).after_turn(active[0], alice.id, "turn-1")
    memory = await _memory(app, active[0], alice)
    assert memory.summary == "Alice feels unheard at dinner."
    assert memory.key_themes == ["dinner"]
    assert [f["fact"] for f in memory.notable_facts] == ["fact 0", "fact 1"]
    assert memory.summarized_messages == SUMMARY_EVERY
    assert {r.role for r in model.requests} == {ModelRole.MECHANIC}
    assert {r.turn_id for r in model.requests} == {"turn-1"}  # telemetry joins on the turn


async def test_few_new_messages_cost_no_model_call(app: App, alice: User,
                                                   active: tuple[str, str]) -> None:
    model = JsonModel(_answers())
    await _chat(app, active[0], alice, SUMMARY_EVERY - 1)
    await EnrichmentUseCases(app.deps, model).after_turn(active[0], alice.id, "t")
    assert model.requests == [] and await _memory(app, active[0], alice) is None


async def test_the_summary_is_rewritten_only_after_another_batch(
    app: App, alice: User, active: tuple[str, str]
) -> None:
    model = JsonModel(_answers())
    enrichment = EnrichmentUseCases(app.deps, model)
    await _chat(app, active[0], alice, SUMMARY_EVERY)
    await enrichment.after_turn(active[0], alice.id, "t1")
    calls = len(model.requests)
    await enrichment.after_turn(active[0], alice.id, "t2")
    assert len(model.requests) == calls


async def test_failures_and_garbage_leave_the_memory_alone(app: App, alice: User,
                                                          active: tuple[str, str]) -> None:
    await _chat(app, active[0], alice, SUMMARY_EVERY)
    await EnrichmentUseCases(app.deps, JsonModel(fail=True)).after_turn(active[0], alice.id, "t")
    await EnrichmentUseCases(app.deps, JsonModel({"summary": "not json"})).after_turn(
        active[0], alice.id, "t")
    assert await _memory(app, active[0], alice) is None


async def test_facts_are_capped_and_private_to_the_writer(app: App, alice: User, bob: User,
                                                         active: tuple[str, str]) -> None:
    await _chat(app, active[0], alice, SUMMARY_EVERY)
    await EnrichmentUseCases(app.deps, JsonModel(_answers(facts=40))).after_turn(
        active[0], alice.id, "t")
    assert len((await _memory(app, active[0], alice)).notable_facts) == MAX_FACTS
    assert await _memory(app, active[0], bob) is None


async def test_scheduled_updates_run_in_the_background(app: App, alice: User,
                                                       active: tuple[str, str]) -> None:
    model = JsonModel(_answers())
    enrichment = EnrichmentUseCases(app.deps, model)
    await _chat(app, active[0], alice, SUMMARY_EVERY)
    enrichment.schedule(active[0], alice.id, "t")
    assert model.requests == []  # nothing ran yet: the caller was not kept waiting
    await enrichment.drain()
    assert (await _memory(app, active[0], alice)).summary


async def test_the_summary_keeps_up_with_a_long_conversation(app: App, alice: User,
                                                             active: tuple[str, str]) -> None:
    model = JsonModel(_answers())
    enrichment = EnrichmentUseCases(app.deps, model)
    for batch in range(12):  # 240 messages: beyond the 200 the update reads at once
        async with app.db() as uow:
            for i in range(SUMMARY_EVERY):
                app.clock.advance(timedelta(seconds=1))
                await uow.messages.add(Message(
                    id=f"b{batch}-{i}", session_id=active[0], sender_id=alice.id,
                    for_user_id=None, role=MessageRole.USER, content=f"{batch}/{i}", stage=1,
                    timestamp=app.clock.now()))
            await uow.commit()
        await enrichment.after_turn(active[0], alice.id, f"t{batch}")
    memory = await _memory(app, active[0], alice)
    assert memory.summarized_messages == 12 * SUMMARY_EVERY


async def test_one_update_at_a_time_per_lane(app: App, alice: User,
                                            active: tuple[str, str]) -> None:
    model = JsonModel(_answers())
    enrichment = EnrichmentUseCases(app.deps, model)
    await _chat(app, active[0], alice, SUMMARY_EVERY)
    enrichment.schedule(active[0], alice.id, "t1")
    enrichment.schedule(active[0], alice.id, "t2")  # while the first is pending
    await enrichment.drain()
    assert [r.call_type for r in model.requests] == ["summary", "notable_facts"]
