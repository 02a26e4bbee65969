"""Stage 2's empathy exchange over the in-memory fakes.

The reconciler is a stub that records `schedule` calls: these tests put attempts into READY
(or any status) themselves with `force`, which writes through the attempt repository, because
deciding READY is the reconciler's job and is tested with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import ConsentDecision, MessageRole, Stage, StageStatus
from mwf_core.domain.errors import Conflict, Forbidden, ValidationFailed
from mwf_core.domain.records import User
from mwf_core.usecases.empathy import EmpathyUseCases
from mwf_core.usecases.empathy_reveal import reveal_if_ready
from mwf_core.usecases.messages import MessageUseCases
from mwf_core.usecases.session_view import load_locked_context

from .conftest import App

STATEMENT_A = "Kestrel-17: I imagine you felt unseen when I cancelled again."
STATEMENT_B = "Heron-29: I guess you were scared the money would run out."
FEEDBACK = "Marmot-88: it was less about money, more about being left out of the decision."
SKIP_REASON = "Osprey-55: I still think that is not what happened."


@dataclass
class StubReconciler:
    scheduled: list[tuple[str, str]] = field(default_factory=list)
    resumed: list[tuple[str, str]] = field(default_factory=list)

    def schedule(self, session_id: str, guesser_id: str) -> None:
        self.scheduled.append((session_id, guesser_id))

    def resume(self, session_id: str, guesser_id: str) -> bool:
        self.resumed.append((session_id, guesser_id))
        return True

    async def drain(self) -> None:
        return None


@dataclass
class Exchange:
    app: App
    empathy: EmpathyUseCases
    reconciler: StubReconciler
    sid: str
    alice: User
    bob: User

    async def share(self, user: User, text: str) -> None:
        await self.empathy.save_draft(user, self.sid, text, True)
        await self.empathy.consent(user, self.sid, True)
        self.app.clock.advance(seconds=1)

    async def force(self, user: User, status: EmpathyStatus) -> None:
        """Set a status directly (test set-up only; the reconciler decides READY in real life)."""
        async with self.app.db() as uow:
            attempt = await uow.empathy_attempts.by_author(self.sid, user.id)
            assert attempt is not None
            expected = attempt.status_version
            attempt.status, attempt.status_version = status, expected + 1
            # Statuses before the reveal (REFINING included) come without a reveal time.
            revealed = status in (EmpathyStatus.REVEALED, EmpathyStatus.VALIDATED)
            attempt.revealed_at = ((attempt.revealed_at or self.app.clock.now()) if revealed
                                   else None)
            assert await uow.empathy_attempts.update(attempt, expected)
            await uow.commit()

    async def reveal(self) -> bool:
        async def work(uow):  # type: ignore[no-untyped-def]
            context = await load_locked_context(uow, self.sid, self.alice)
            return await reveal_if_ready(uow, self.app.deps, context)

        async with self.app.db() as uow:
            revealed = await work(uow)
            await uow.commit()
        return revealed

    async def both_revealed(self) -> None:
        await self.share(self.alice, STATEMENT_A)
        await self.share(self.bob, STATEMENT_B)
        await self.force(self.alice, EmpathyStatus.READY)
        await self.force(self.bob, EmpathyStatus.READY)
        assert await self.reveal()
        self.app.clock.advance(seconds=1)

    def attempt_of(self, user: User):  # type: ignore[no-untyped-def]
        rows = self.app.store.tables.get("empathy_attempts", {}).values()
        return next((a for a in rows if a.source_user_id == user.id), None)

    def lane(self, user: User) -> list:  # type: ignore[type-arg]
        return sorted((m for m in self.app.store.messages.values()
                       if m.for_user_id == user.id
                       or (m.sender_id == user.id and m.for_user_id is None)),
                      key=lambda m: (m.timestamp, m.id))


@pytest.fixture
async def ex(app: App, alice: User, bob: User, active: tuple[str, str]) -> Exchange:
    messages = MessageUseCases(app.deps, None)  # type: ignore[arg-type]
    sid = active[0]
    await messages.confirm_feel_heard(alice, sid, True)
    await messages.confirm_feel_heard(bob, sid, True)
    reconciler = StubReconciler()
    empathy = EmpathyUseCases(app.deps, None, reconciler)  # type: ignore[arg-type]
    return Exchange(app, empathy, reconciler, sid, alice, bob)


def payloads_on(app: App, channel: str) -> list[str]:
    return [json.dumps(e.payload) for e in app.db.published if e.channel == channel]


# --- drafts ----------------------------------------------------------------------------------


async def test_draft_create_update_and_readiness(ex: Exchange) -> None:
    saved = await ex.empathy.save_draft(ex.alice, ex.sid, "first")
    assert saved.ready_to_share is False
    again = await ex.empathy.save_draft(ex.alice, ex.sid, "second", True)
    assert (again.draft_id, again.ready_to_share) == (saved.draft_id, True)
    third = await ex.empathy.save_draft(ex.alice, ex.sid, "third")  # readiness kept
    assert third.ready_to_share is True
    view = await ex.empathy.get_draft(ex.alice, ex.sid)
    assert view.draft is not None and (view.draft.content, view.draft.version) == ("third", 3)
    assert (view.can_consent, view.already_consented) == (True, False)
    assert (await ex.empathy.get_draft(ex.bob, ex.sid)).draft is None


async def test_draft_limits_stage_and_access(ex: Exchange, carol: User, app: App,
                                             bob: User) -> None:
    with pytest.raises(ValidationFailed) as info:
        await ex.empathy.save_draft(ex.alice, ex.sid, "x" * 2001)
    assert "content" in info.value.details
    with pytest.raises(ValidationFailed):
        await ex.empathy.save_draft(ex.alice, ex.sid, "   ")
    with pytest.raises(Forbidden):
        await ex.empathy.save_draft(carol, ex.sid, "hello")
    # A session where Bob is still in stage 1.
    sid2, _ = await app.activate(carol, bob)
    with pytest.raises(ValidationFailed, match="stage 1, but stage 2 is required"):
        await ex.empathy.save_draft(bob, sid2, "hello")


# --- consent ---------------------------------------------------------------------------------


async def test_declining_consent_shares_nothing(ex: Exchange) -> None:
    await ex.empathy.save_draft(ex.alice, ex.sid, STATEMENT_A, True)
    result = await ex.empathy.consent(ex.alice, ex.sid, False)
    assert (result.consented, result.status, result.empathy_message) == (False, None, None)
    assert ex.attempt_of(ex.alice) is None
    [record] = ex.app.store.consents.values()
    assert record.decision is ConsentDecision.DENIED
    assert ex.reconciler.scheduled == []
    assert ex.app.events() == [] or all("Kestrel" not in json.dumps(e.payload)
                                        for e in ex.app.events())
    status = await ex.empathy.status(ex.bob, ex.sid)
    assert status.partner_has_submitted_empathy is False
    # Still free to share later.
    assert (await ex.empathy.get_draft(ex.alice, ex.sid)).can_consent is True


async def test_consent_needs_a_ready_draft(ex: Exchange) -> None:
    with pytest.raises(ValidationFailed):
        await ex.empathy.consent(ex.alice, ex.sid, True)
    await ex.empathy.save_draft(ex.alice, ex.sid, STATEMENT_A)
    with pytest.raises(ValidationFailed):
        await ex.empathy.consent(ex.alice, ex.sid, True)


async def test_consent_shares_a_held_copy_and_tells_the_partner_status_only(
    ex: Exchange,
) -> None:
    await ex.empathy.save_draft(ex.alice, ex.sid, STATEMENT_A, True)
    result = await ex.empathy.consent(ex.alice, ex.sid, True)
    assert (result.consented, result.status, result.partner_consented, result.can_reveal) == (
        True, EmpathyStatus.HELD, False, False)
    attempt = ex.attempt_of(ex.alice)
    assert attempt.content == STATEMENT_A and attempt.status is EmpathyStatus.HELD
    [record] = ex.app.store.consents.values()
    assert record.decision is ConsentDecision.GRANTED and attempt.consent_record_id == record.id
    roles = [m.role for m in ex.lane(ex.alice)]
    assert roles[-2:] == [MessageRole.EMPATHY_STATEMENT, MessageRole.AI]
    assert result.empathy_message.content == STATEMENT_A
    assert "Bob" in result.transition_message.content
    assert all(STATEMENT_A not in m.content for m in ex.lane(ex.bob))
    [shared] = ex.app.events("partner.empathy_shared")
    assert shared.channel == f"user:{ex.bob.id}"
    assert shared.payload["sharedBy"] == ex.alice.id
    assert shared.payload["empathyStatus"]["partnerHasSubmittedEmpathy"] is True
    assert shared.payload["empathyStatus"]["partnerAttempt"] is None
    assert "Kestrel" not in json.dumps(shared.payload)
    assert ex.reconciler.scheduled == [(ex.sid, ex.alice.id)]
    # A repeat (or a late "no") answers with the same share and writes nothing new.
    events_before = len(ex.app.events())
    again = await ex.empathy.consent(ex.alice, ex.sid, True)
    late_no = await ex.empathy.consent(ex.alice, ex.sid, False)
    for repeat in (again, late_no):
        assert repeat.consented is True
        assert repeat.empathy_message.id == result.empathy_message.id
        assert repeat.transition_message.id == result.transition_message.id
    assert len(ex.app.store.consents) == 1 and len(ex.app.events()) == events_before
    assert ex.reconciler.scheduled == [(ex.sid, ex.alice.id)]
    draft = await ex.empathy.get_draft(ex.alice, ex.sid)
    assert (draft.can_consent, draft.already_consented) == (False, True)


async def test_partner_sees_status_but_no_words_before_the_reveal(ex: Exchange) -> None:
    await ex.share(ex.alice, STATEMENT_A)
    await ex.force(ex.alice, EmpathyStatus.READY)
    partner = await ex.empathy.partner_empathy(ex.bob, ex.sid)
    assert partner.attempt is None and partner.partner_status is EmpathyStatus.READY
    assert partner.waiting_for_partner is False
    status = await ex.empathy.status(ex.bob, ex.sid)
    assert status.partner_attempt is None
    assert status.partner_empathy_held_status is EmpathyStatus.READY
    assert status.partner_completed_stage1 is True
    mine = await ex.empathy.status(ex.alice, ex.sid)
    assert mine.my_attempt is not None and mine.my_attempt.attempt.content == STATEMENT_A
    assert not await ex.reveal()  # one attempt is never revealed alone


# --- reveal ------------------------------------------------------------------------------------


async def test_mutual_reveal(ex: Exchange) -> None:
    await ex.both_revealed()
    assert ex.attempt_of(ex.alice).status is EmpathyStatus.REVEALED
    assert ex.attempt_of(ex.bob).status is EmpathyStatus.REVEALED
    assert (await ex.empathy.partner_empathy(ex.bob, ex.sid)).attempt.attempt.content == \
        STATEMENT_A
    revealed = ex.app.events("empathy.revealed")
    assert {(e.channel, e.payload["guesserUserId"]) for e in revealed} == {
        (f"user:{ex.alice.id}", ex.alice.id), (f"user:{ex.bob.id}", ex.bob.id)}
    assert all(e.payload["direction"] == "outgoing" for e in revealed)
    for user, other in ((ex.alice, "Bob"), (ex.bob, "Alice")):
        last = ex.lane(user)[-1]
        assert last.role is MessageRole.AI and other in last.content
        [note] = [e for e in ex.app.events("message.ai_response")
                  if e.channel == f"user:{user.id}"]
        assert note.payload["message"]["id"] == last.id
    assert not await ex.reveal()  # nothing READY any more


# --- validation and the joint move -------------------------------------------------------------


async def test_both_validating_moves_both_to_stage3(ex: Exchange) -> None:
    await ex.both_revealed()
    first = await ex.empathy.validate(ex.bob, ex.sid, True)
    assert (first.validated, first.can_advance, first.partner_validated) == (True, False, False)
    assert ex.app.events("stage.progress") == []
    second = await ex.empathy.validate(ex.alice, ex.sid, True)
    assert (second.can_advance, second.partner_validated) == (True, True)
    rows = [p for p in ex.app.store.progress.values()]
    for user in (ex.alice, ex.bob):
        mine = {p.stage: p for p in rows if p.user_id == user.id}
        assert mine[Stage.NEED_MAPPING].status is StageStatus.IN_PROGRESS
        assert mine[Stage.PERSPECTIVE_STRETCH].status is StageStatus.COMPLETED
        assert mine[Stage.PERSPECTIVE_STRETCH].gates_satisfied["empathyValidated"] is True
        last = ex.lane(user)[-1]
        assert last.role is MessageRole.AI and last.stage == Stage.NEED_MAPPING
    completed = [e for e in ex.app.events("partner.stage_completed")
                 if e.payload.get("currentStage") == 3]
    assert {(e.channel, e.payload["forUserId"]) for e in completed} == {
        (f"user:{ex.alice.id}", ex.alice.id), (f"user:{ex.bob.id}", ex.bob.id)}
    assert len(ex.app.events("stage.progress")) == 1
    # A repeated yes answers the same and moves nobody again.
    again = await ex.empathy.validate(ex.alice, ex.sid, True)
    assert again.can_advance is True and len(ex.app.events("stage.progress")) == 1


async def test_validating_at_the_same_instant_moves_once(ex: Exchange) -> None:
    await ex.both_revealed()
    ex.app.db.on_lock = lambda: ex.empathy.validate(ex.bob, ex.sid, True)
    result = await ex.empathy.validate(ex.alice, ex.sid, True)
    assert result.can_advance is True
    assert len(ex.app.events("stage.progress")) == 1
    threes = [p for p in ex.app.store.progress.values() if p.stage == Stage.NEED_MAPPING]
    assert len(threes) == 2


async def test_not_quite_sends_feedback_to_the_author_only(ex: Exchange) -> None:
    await ex.both_revealed()
    with pytest.raises(ValidationFailed) as info:
        await ex.empathy.validate(ex.bob, ex.sid, False, "")
    assert "feedback" in info.value.details
    with pytest.raises(ValidationFailed):
        await ex.empathy.validate(ex.bob, ex.sid, False, "x" * 501)
    result = await ex.empathy.validate(ex.bob, ex.sid, False, FEEDBACK)
    assert (result.validated, result.feedback_shared, result.awaiting_revision) == (
        False, True, True)
    assert ex.attempt_of(ex.alice).status is EmpathyStatus.REFINING
    lane = ex.lane(ex.alice)
    assert [m.role for m in lane[-2:]] == [MessageRole.AI, MessageRole.VALIDATION_FEEDBACK]
    assert lane[-1].content == FEEDBACK and lane[-1].sender_id == ex.bob.id
    [update] = ex.app.events("empathy.status_updated")
    assert update.channel == f"user:{ex.alice.id}"
    assert update.payload["validationFeedback"] == FEEDBACK
    leaks = [e for e in ex.app.events() if "Marmot-88" in json.dumps(e.payload)
             and e.channel != f"user:{ex.alice.id}"]
    assert leaks == []
    partner = await ex.empathy.partner_empathy(ex.bob, ex.sid)
    assert partner.awaiting_revision is True and partner.attempt is None
    # A second answer while Alice refines is refused.
    with pytest.raises(Conflict):
        await ex.empathy.validate(ex.bob, ex.sid, True)


async def test_validate_before_the_reveal_is_a_conflict(ex: Exchange) -> None:
    with pytest.raises(Conflict):
        await ex.empathy.validate(ex.bob, ex.sid, True)
    await ex.share(ex.alice, STATEMENT_A)
    with pytest.raises(Conflict):
        await ex.empathy.validate(ex.bob, ex.sid, True)
