"""The empathy state machine: every allowed move, and every other one refused with 409."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from mwf_core.domain.empathy import (
    TRANSITIONS,
    DeliveryStatus,
    EmpathyAttempt,
    EmpathyEvent,
    EmpathyStatus,
    InvalidEmpathyTransition,
    move,
    next_status,
    reveal_ready,
    skip_event,
)
from mwf_core.domain.errors import ErrorCode

S, E = EmpathyStatus, EmpathyEvent
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2025, 3, 1, 9, 5, tzinfo=UTC)

ALLOWED = {
    (S.HELD, E.ANALYSIS_STARTED): S.ANALYZING,
    (S.HELD, E.ANALYSIS_PROCEED): S.READY,
    (S.HELD, E.SHARING_OFFERED): S.AWAITING_SHARING,
    (S.ANALYZING, E.ANALYSIS_PROCEED): S.READY,
    (S.ANALYZING, E.SHARING_OFFERED): S.AWAITING_SHARING,
    (S.ANALYZING, E.CIRCUIT_BREAKER): S.READY,
    (S.AWAITING_SHARING, E.CONTEXT_SHARED): S.REFINING,
    (S.AWAITING_SHARING, E.SHARING_DECLINED): S.READY,
    (S.REFINING, E.RESUBMITTED): S.ANALYZING,
    (S.REFINING, E.CIRCUIT_BREAKER): S.READY,
    (S.REFINING, E.ACCEPTED_DIFFERENCE): S.VALIDATED,
    (S.REFINING, E.KEPT_AS_IS): S.READY,
    (S.READY, E.MUTUAL_REVEAL): S.REVEALED,
    (S.REVEALED, E.VALIDATED): S.VALIDATED,
    (S.REVEALED, E.FEEDBACK_GIVEN): S.REFINING,
    (S.REVEALED, E.ACCEPTED_DIFFERENCE): S.VALIDATED,
    (S.NEEDS_WORK, E.RESUBMITTED): S.ANALYZING,
}
FORBIDDEN = [pair for pair in itertools.product(S, E) if pair not in ALLOWED]


def attempt(status: EmpathyStatus, version: int = 3,
            revealed_at: datetime | None = None) -> EmpathyAttempt:
    return EmpathyAttempt("att-1", "ses-1", "usr-a", "I imagine you felt alone.", T0, status,
                          T0, T0, status_version=version, revealed_at=revealed_at)


def test_the_table_is_exactly_the_documented_one() -> None:
    assert TRANSITIONS == ALLOWED


@pytest.mark.parametrize(("start", "event"), list(ALLOWED))
def test_every_allowed_move(start: EmpathyStatus, event: EmpathyEvent) -> None:
    # Accepting the difference needs an attempt revealed before (see the privacy test below).
    a = attempt(start, revealed_at=T0 if event is E.ACCEPTED_DIFFERENCE else None)
    previous = move(a, event, T1)
    assert previous is start
    assert a.status is ALLOWED[(start, event)] is next_status(start, event)
    assert a.status_version == 4
    assert a.updated_at == T1


@pytest.mark.parametrize(("start", "event"), FORBIDDEN)
def test_every_other_move_is_refused_with_409(start: EmpathyStatus, event: EmpathyEvent) -> None:
    a = attempt(start)
    with pytest.raises(InvalidEmpathyTransition) as info:
        move(a, event, T1)
    assert info.value.code is ErrorCode.CONFLICT
    # Nothing changed.
    assert (a.status, a.status_version, a.updated_at) == (start, 3, T0)


def test_nothing_leaves_validated() -> None:
    assert not [pair for pair in ALLOWED if pair[0] is S.VALIDATED]


def test_reveal_marks_delivery_and_validation_marks_seen() -> None:
    a = attempt(S.READY)
    move(a, E.MUTUAL_REVEAL, T1)
    assert (a.revealed_at, a.delivery_status, a.delivered_at) == (
        T1, DeliveryStatus.DELIVERED, T1)
    move(a, E.VALIDATED, T1)
    assert (a.delivery_status, a.seen_at) == (DeliveryStatus.SEEN, T1)
    # Accepting the difference is the author's own act: the subject has not "seen" it.
    b = attempt(S.REFINING, revealed_at=T0)
    move(b, E.ACCEPTED_DIFFERENCE, T1)
    assert b.status is S.VALIDATED and b.delivery_status is DeliveryStatus.PENDING


@pytest.mark.parametrize(
    "start", [S.REFINING, S.REVEALED, S.HELD, S.READY, S.AWAITING_SHARING])
def test_accepting_the_difference_needs_an_attempt_revealed_before(start: EmpathyStatus) -> None:
    """Privacy: a never-revealed attempt cannot become VALIDATED (the subject would read it
    while their own statement stays hidden)."""
    a = attempt(start)
    with pytest.raises(InvalidEmpathyTransition):
        move(a, E.ACCEPTED_DIFFERENCE, T1)
    assert (a.status, a.status_version) == (start, 3)


def test_skip_refinement_means_keep_as_is_before_the_reveal() -> None:
    assert skip_event(attempt(S.REFINING)) is E.KEPT_AS_IS
    assert skip_event(attempt(S.REFINING, revealed_at=T0)) is E.ACCEPTED_DIFFERENCE
    assert skip_event(attempt(S.REVEALED, revealed_at=T0)) is E.ACCEPTED_DIFFERENCE
    kept = attempt(S.REFINING)
    move(kept, skip_event(kept), T1)
    assert kept.status is S.READY and kept.revealed_at is None


def test_only_a_revealed_attempt_is_visible_to_its_subject() -> None:
    assert attempt(S.REVEALED, revealed_at=T0).visible_to_subject
    assert attempt(S.VALIDATED, revealed_at=T0).visible_to_subject
    assert not attempt(S.VALIDATED).visible_to_subject  # second guard: never revealed
    assert not attempt(S.READY, revealed_at=T0).visible_to_subject  # refined since


@pytest.mark.parametrize(("statuses", "ready"), [
    ((S.READY, S.READY), True),
    ((S.READY, S.VALIDATED), True),
    # Refined after the mutual reveal: the partner's is already readable, reveal at once.
    ((S.READY, S.REVEALED), True),
    ((S.REVEALED, S.READY), True),
    ((S.VALIDATED, S.VALIDATED), False),
    ((S.REVEALED, S.REVEALED), False),
    ((S.READY,), False),
    ((S.READY, S.HELD), False),
    ((S.READY, S.ANALYZING), False),
    ((S.READY, S.AWAITING_SHARING), False),
    ((S.READY, S.REFINING), False),
    ((), False),
])
def test_reveal_needs_two_ready_or_validated_with_one_ready(
    statuses: tuple[EmpathyStatus, ...], ready: bool
) -> None:
    attempts = [attempt(s) for s in statuses]
    assert reveal_ready(attempts) is ready
