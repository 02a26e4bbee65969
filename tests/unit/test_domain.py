"""Pure rules: topic frames, lazy expiry, what a partner may see, errors and the runner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mwf_core.domain import events
from mwf_core.domain.enums import InvitationStatus
from mwf_core.domain.errors import (
    ConcurrencyConflict,
    ErrorCode,
    InvitesBlocked,
    ValidationFailed,
    field_error,
)
from mwf_core.domain.privacy import (
    display_name,
    initials,
    partner_compact_visible,
    partner_visible_gates,
)
from mwf_core.domain.records import Invitation, RelationshipMember, User
from mwf_core.domain.stage0 import (
    DEFAULT_TOPIC_FRAME,
    INVITATION_TTL,
    TOPIC_FRAME_MAX_WORDS,
    invitation_status_as_seen,
    propose_topic_frame,
)
from mwf_core.usecases import runtime
from mwf_core.usecases.runtime import Dependencies, fingerprint, in_transaction, new_event

from .fakes import FakeClock, InMemoryUnitOfWorkFactory, SequentialIds

T0 = datetime(2025, 1, 1, 12, tzinfo=UTC)


# --------------------------------------------------------------------------- topic frame


def test_frame_drops_the_names_and_keeps_the_first_sentence() -> None:
    frame = propose_topic_frame("Bob forgot my birthday again. He said sorry.", ["Bob"])
    assert frame == "Talking about: forgot my birthday again"


def test_frame_drops_capitalised_words_inside_a_sentence_as_likely_names() -> None:
    frame = propose_topic_frame("We argued with Dana and bob about money", ["Bob"])
    assert frame == "Talking about: We argued with and about money"


def test_frame_keeps_i_and_im() -> None:
    assert propose_topic_frame("Lately I'm tired and I feel alone", []) == (
        "Talking about: Lately I'm tired and I feel alone"
    )


def test_frame_has_at_most_20_words() -> None:
    frame = propose_topic_frame(" ".join(["chores"] * 60), [])
    assert len(frame.split()) == TOPIC_FRAME_MAX_WORDS == 20


@pytest.mark.parametrize("context", [None, "", "   ", "Bob!", "Bob Baker."])
def test_frame_falls_back_to_the_neutral_default(context: str | None) -> None:
    assert propose_topic_frame(context, ["Bob Baker"]) == DEFAULT_TOPIC_FRAME


@pytest.mark.parametrize("context", ["Bob's comments at dinner upset me.",
                                     "I was hurt when bob's mother visited."])
def test_frame_never_contains_a_possessive_name(context: str) -> None:
    frame = propose_topic_frame(context, ["Bob"])
    assert "bob" not in frame.lower()


# --------------------------------------------------------------------------- invitations


def invitation(status: InvitationStatus) -> Invitation:
    return Invitation("i1", "s1", "u1", "Bob", status, T0, T0 + INVITATION_TTL)


def test_pending_invitation_reads_as_expired_from_its_expiry_on() -> None:
    pending = invitation(InvitationStatus.PENDING)
    assert timedelta(days=7) == INVITATION_TTL
    just_before = T0 + INVITATION_TTL - timedelta(seconds=1)
    assert invitation_status_as_seen(pending, just_before) is InvitationStatus.PENDING
    assert invitation_status_as_seen(pending, T0 + INVITATION_TTL) is InvitationStatus.EXPIRED


def test_a_decided_invitation_keeps_its_status_after_expiry() -> None:
    later = T0 + INVITATION_TTL * 2
    for status in (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED):
        assert invitation_status_as_seen(invitation(status), later) is status


# --------------------------------------------------------------------------- privacy


def test_partner_sees_gate_flags_and_times_but_not_private_text() -> None:
    gates = {"feelHeardConfirmed": True, "feelHeardConfirmedAt": "t", "feedback": "I felt...",
             "skipReason": "too raw", "compactSigned": True, "willingness": "no"}
    assert partner_visible_gates(gates, viewer_signed_compact=True) == {
        "feelHeardConfirmed": True, "feelHeardConfirmedAt": "t", "compactSigned": True,
    }
    # Until I sign, I may not learn whether the partner signed.
    assert "compactSigned" not in partner_visible_gates(gates, viewer_signed_compact=False)


def test_partner_compact_is_visible_only_after_i_sign() -> None:
    assert partner_compact_visible(True) is True
    assert partner_compact_visible(False) is False


def person(first: str | None, name: str | None) -> User:
    return User("u", "s", None, name, first, None, T0, T0)


def test_display_name_prefers_my_nickname_then_first_name_then_name() -> None:
    member = RelationshipMember("r", "me", T0, nickname="Honey")
    plain = RelationshipMember("r", "me", T0)
    assert display_name(person("Bob", "Bob Baker"), member) == "Honey"
    assert display_name(person("Bob", "Bob Baker"), plain) == "Bob"
    assert display_name(person(None, "Bob Baker"), None) == "Bob Baker"
    assert display_name(None, plain) is None
    assert display_name(None, member) == "Honey"


@pytest.mark.parametrize(("name", "expected"), [("bob baker", "BB"), ("Ann Marie Smith", "AM"),
                                                ("Cher", "C"), ("  ", "?"), (None, "?")])
def test_initials(name: str | None, expected: str) -> None:
    assert initials(name) == expected


def test_privacy_preferences_default_to_allowing_invites() -> None:
    someone = person("Bob", None)
    assert someone.allows_session_invites()
    someone.privacy_preferences = {"allowSessionInvites": False}
    assert not someone.allows_session_invites()


# --------------------------------------------------------------------------- errors, events


def test_field_error_names_the_field() -> None:
    error = field_error("invite_name", "too long")
    assert isinstance(error, ValidationFailed)
    assert error.code is ErrorCode.VALIDATION_ERROR
    assert error.details == {"invite_name": ["too long"]}


def test_invites_blocked_is_a_validation_error() -> None:
    assert InvitesBlocked("no").code is ErrorCode.VALIDATION_ERROR


def test_channels() -> None:
    assert events.session_channel("s1") == "session:s1"
    assert events.user_channel("u1") == "user:u1"


# --------------------------------------------------------------------------- runtime


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": "x"}) == fingerprint({"b": "x", "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def deps() -> Dependencies:
    return Dependencies(InMemoryUnitOfWorkFactory(), FakeClock(T0), SequentialIds())


def test_new_event_carries_session_id_and_epoch_ms() -> None:
    event = new_event(deps(), "session:s1", "session.paused", "s1", {"pausedBy": "u1"})
    assert event.payload == {"sessionId": "s1", "timestamp": int(T0.timestamp() * 1000),
                             "pausedBy": "u1"}
    assert (event.id, event.channel, event.created_at) == ("id-0001", "session:s1", T0)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's jittered back-off becomes sleep(0): no real waiting in unit tests."""
    monkeypatch.setattr(runtime.random, "uniform", lambda low, high: 0.0)


async def test_runner_retries_a_conflicted_transaction_and_publishes_once(
    no_backoff: None,
) -> None:
    d = deps()
    db = d.uow
    assert isinstance(db, InMemoryUnitOfWorkFactory)
    db.fail_commits = 2
    attempts = 0

    async def work(uow: object) -> str:
        nonlocal attempts
        attempts += 1
        await uow.outbox.add(new_event(d, "user:u1", "x", None, {}))  # type: ignore[attr-defined]
        return "done"

    assert await in_transaction(db, work) == "done"
    assert attempts == 3
    assert db.published_names() == ["x"] and len(db.store.outbox) == 1


async def test_runner_gives_up_after_six_attempts_leaving_nothing(no_backoff: None) -> None:
    d = deps()
    db = d.uow
    assert isinstance(db, InMemoryUnitOfWorkFactory)
    db.fail_commits = 6

    async def work(uow: object) -> None:
        await uow.outbox.add(new_event(d, "user:u1", "x", None, {}))  # type: ignore[attr-defined]

    with pytest.raises(ConcurrencyConflict):
        await in_transaction(db, work)
    assert db.opened == 6 and db.published == [] and db.store.outbox == {}
