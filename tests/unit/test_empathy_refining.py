"""Stage 2's empathy exchange over the in-memory fakes: refining after feedback, skipping the
refinement (before and after the reveal) and the private feedback draft (helpers in
test_empathy)."""

from __future__ import annotations

import json

import pytest

from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.domain.errors import Conflict, Forbidden, ValidationFailed
from mwf_core.domain.records import User

from .test_empathy import FEEDBACK, SKIP_REASON, STATEMENT_A, STATEMENT_B, Exchange
from .test_empathy import ex as ex  # noqa: F401  (the fixture)

# --- refining ----------------------------------------------------------------------------------


async def test_resubmit_while_refining(ex: Exchange) -> None:
    await ex.both_revealed()
    with pytest.raises(ValidationFailed):  # not refining yet
        await ex.empathy.resubmit(ex.alice, ex.sid, "new words")
    await ex.empathy.validate(ex.bob, ex.sid, False, FEEDBACK)
    with pytest.raises(ValidationFailed) as info:
        await ex.empathy.resubmit(ex.alice, ex.sid, STATEMENT_A)
    assert "content" in info.value.details
    ex.reconciler.scheduled.clear()
    revised = "I see now: you felt left out of the decision."
    result = await ex.empathy.resubmit(ex.alice, ex.sid, revised)
    assert result.status is EmpathyStatus.ANALYZING
    assert result.empathy_message.role is MessageRole.EMPATHY_STATEMENT
    attempt = ex.attempt_of(ex.alice)
    assert (attempt.content, attempt.revision_count, attempt.status) == (
        revised, 1, EmpathyStatus.ANALYZING)
    assert ex.reconciler.scheduled == [(ex.sid, ex.alice.id)]
    [resubmitted] = ex.app.events("empathy.resubmitted")
    assert revised not in json.dumps(resubmitted.payload)


async def test_skip_refinement_validates_own_attempt_and_keeps_the_reason_private(
    ex: Exchange,
) -> None:
    await ex.both_revealed()
    await ex.empathy.validate(ex.bob, ex.sid, True)  # Bob recognises himself in Alice's
    await ex.empathy.validate(ex.alice, ex.sid, False, FEEDBACK)  # Bob must refine his
    assert ex.attempt_of(ex.bob).status is EmpathyStatus.REFINING
    with pytest.raises(ValidationFailed):
        await ex.empathy.skip_refinement(ex.bob, ex.sid, False, "x" * 501)
    await ex.empathy.skip_refinement(ex.bob, ex.sid, False, SKIP_REASON)
    assert ex.attempt_of(ex.bob).status is EmpathyStatus.VALIDATED
    # Both validated: both moved on.
    assert len(ex.app.events("stage.progress")) == 1
    bob_two = next(p for p in ex.app.store.progress.values()
                   if p.user_id == ex.bob.id and p.stage == Stage.PERSPECTIVE_STRETCH)
    assert bob_two.gates_satisfied["skipReason"] == SKIP_REASON
    assert bob_two.gates_satisfied["skippedRefinement"] is True
    assert bob_two.gates_satisfied["willingToAccept"] is False
    [skipped] = ex.app.events("partner.skipped_refinement")
    assert skipped.payload["willingToAccept"] is False
    assert all("Osprey-55" not in json.dumps(e.payload) for e in ex.app.events())
    # Alice's view of Bob's progress carries the flags, never the reason.
    report = await ex.app.sessions.progress(ex.alice, ex.sid)
    bob_rows = [r for r in report.context.progress if r.user_id == ex.bob.id]
    assert bob_rows  # the raw rows exist; the view below is what Alice is shown
    shown = report.view.partner_progress
    assert shown is not None and "Osprey-55" not in json.dumps(shown.gates, default=str)


async def test_skip_before_the_reveal_shares_as_is_and_reveals_both(ex: Exchange) -> None:
    """Bob refines after Alice shared context (never revealed); skipping means "share it as it
    is": READY, and with Alice's waiting READY the mutual reveal happens."""
    await ex.share(ex.alice, STATEMENT_A)
    await ex.share(ex.bob, STATEMENT_B)
    await ex.force(ex.alice, EmpathyStatus.READY)
    await ex.force(ex.bob, EmpathyStatus.REFINING)
    await ex.empathy.skip_refinement(ex.bob, ex.sid, True)
    assert ex.attempt_of(ex.bob).status is EmpathyStatus.REVEALED
    assert ex.attempt_of(ex.alice).status is EmpathyStatus.REVEALED
    assert len(ex.app.events("empathy.revealed")) == 2
    # Not validated by anyone: no validation row, no empathyValidated gate.
    assert not ex.app.store.tables.get("empathy_validations")
    bob_two = next(p for p in ex.app.store.progress.values()
                   if p.user_id == ex.bob.id and p.stage == Stage.PERSPECTIVE_STRETCH)
    assert "empathyValidated" not in bob_two.gates_satisfied
    assert bob_two.gates_satisfied["skippedRefinement"] is True
    # Now revealed: skipping again accepts the difference.
    await ex.empathy.skip_refinement(ex.bob, ex.sid, True)
    assert ex.attempt_of(ex.bob).status is EmpathyStatus.VALIDATED
    with pytest.raises(Conflict):  # nothing to skip from VALIDATED
        await ex.empathy.skip_refinement(ex.bob, ex.sid, True)


@pytest.mark.parametrize("alices", [EmpathyStatus.HELD, EmpathyStatus.AWAITING_SHARING,
                                    EmpathyStatus.ANALYZING, EmpathyStatus.REFINING])
async def test_skip_before_the_reveal_never_shows_the_statement_alone(
    ex: Exchange, alices: EmpathyStatus
) -> None:
    """Privacy: Bob's skip while Alice's own statement is not ready must not show his words to
    her (the original validated his attempt, which made it readable)."""
    await ex.share(ex.alice, STATEMENT_A)
    await ex.share(ex.bob, STATEMENT_B)
    await ex.force(ex.alice, alices)
    await ex.force(ex.bob, EmpathyStatus.REFINING)
    await ex.empathy.skip_refinement(ex.bob, ex.sid, True)
    assert ex.attempt_of(ex.bob).status is EmpathyStatus.READY
    assert ex.attempt_of(ex.bob).revealed_at is None
    assert ex.attempt_of(ex.alice).status is alices
    partner = await ex.empathy.partner_empathy(ex.alice, ex.sid)
    assert partner.attempt is None
    view = await ex.empathy.status(ex.alice, ex.sid)
    assert view.partner_attempt is None
    assert ex.app.events("empathy.revealed") == []
    assert all("Heron-29" not in json.dumps(e.payload) for e in ex.app.events()
               if e.channel != f"user:{ex.bob.id}")
    # Alice's statement becoming ready later reveals both together.
    await ex.force(ex.alice, EmpathyStatus.READY)
    assert await ex.reveal()
    assert {ex.attempt_of(u).status for u in (ex.alice, ex.bob)} == {EmpathyStatus.REVEALED}


async def test_validating_reveals_the_callers_refined_statement(ex: Exchange) -> None:
    """Dead end of the original: Alice's statement, refined after the reveal, is READY while
    Bob's is REVEALED; Alice validating Bob's must reveal hers (else it stays READY forever)."""
    await ex.both_revealed()
    await ex.empathy.validate(ex.bob, ex.sid, False, FEEDBACK)  # Alice refines
    await ex.force(ex.alice, EmpathyStatus.READY)  # as the reconciler would after a resubmit
    await ex.empathy.validate(ex.alice, ex.sid, True)  # Alice recognises herself in Bob's
    assert ex.attempt_of(ex.bob).status is EmpathyStatus.VALIDATED
    assert ex.attempt_of(ex.alice).status is EmpathyStatus.REVEALED
    partner = await ex.empathy.partner_empathy(ex.bob, ex.sid)
    assert partner.attempt is not None
    await ex.empathy.validate(ex.bob, ex.sid, True)
    assert len(ex.app.events("stage.progress")) == 1


async def test_feedback_draft_is_private_and_kept_per_person(ex: Exchange, carol: User) -> None:
    first_id, _ = await ex.empathy.save_feedback_draft(ex.bob, ex.sid, FEEDBACK, False)
    again_id, _ = await ex.empathy.save_feedback_draft(ex.bob, ex.sid, "shorter", True)
    assert again_id == first_id
    [draft] = ex.app.store.tables["validation_feedback_drafts"].values()
    assert (draft.content, draft.ready_to_share) == ("shorter", True)
    assert all("Marmot-88" not in json.dumps(e.payload) for e in ex.app.events())
    with pytest.raises(ValidationFailed):
        await ex.empathy.save_feedback_draft(ex.bob, ex.sid, "x" * 501, True)
    with pytest.raises(Forbidden):
        await ex.empathy.save_feedback_draft(carol, ex.sid, "hi", True)
