"""PeopleUseCases: who I have relationships with, and what I call them."""

from __future__ import annotations

import pytest

from mwf_core.domain.enums import SessionStatus
from mwf_core.domain.errors import Forbidden, NotFound, ValidationFailed
from mwf_core.domain.records import User

from .conftest import App


async def test_an_invitee_who_has_not_joined_is_listed_by_my_name_for_them(
    app: App, alice: User, invited: tuple[str, str]
) -> None:
    [person] = (await app.people.list(alice))[0]
    assert (person.id, person.name, person.nickname, person.initials) == (None, "Bob", "Bob", "B")
    assert person.last_session is not None and person.last_session.id == invited[0]
    assert person.active_session_count == 1
    assert person.connected_since == app.clock.now()


async def test_both_partners_see_each_other(app: App, alice: User, bob: User,
                                            active: tuple[str, str]) -> None:
    [bob_for_alice] = (await app.people.list(alice))[0]
    [alice_for_bob] = (await app.people.list(bob))[0]
    assert (bob_for_alice.id, bob_for_alice.name) == (bob.id, "Bob")
    assert (alice_for_bob.id, alice_for_bob.name, alice_for_bob.nickname) == (alice.id, "Alice",
                                                                              None)
    assert alice_for_bob.relationship_id == bob_for_alice.relationship_id
    await app.set_status(active[0], SessionStatus.RESOLVED)
    assert ((await app.people.list(alice))[0])[0].active_session_count == 0


async def test_people_are_ordered_by_most_recent_activity(app: App, alice: User) -> None:
    first = await app.create(alice, "Dana Scully")
    app.clock.advance(hours=1)
    await app.create(alice, "Fox Mulder")
    assert [p.initials for p in (await app.people.list(alice))[0]] == ["FM", "DS"]
    app.clock.advance(hours=1)
    await app.stage0.sign_compact(alice, first.view.session.id, True)  # touches the session
    assert [p.name for p in (await app.people.list(alice))[0]] == ["Dana Scully", "Fox Mulder"]


async def test_nickname_is_trimmed_shown_and_cleared(app: App, alice: User, bob: User,
                                                     active: tuple[str, str]) -> None:
    [person] = (await app.people.list(bob))[0]
    assert await app.people.set_nickname(bob, person.relationship_id, "  Ally  ") == "Ally"
    [person] = (await app.people.list(bob))[0]
    assert (person.name, person.nickname, person.initials) == ("Ally", "Ally", "A")
    view = await app.sessions.get(bob, active[0])
    assert (view.partner.name, view.partner.nickname) == ("Ally", "Ally")
    assert (await app.sessions.get(alice, active[0])).partner.name == "Bob"  # Alice's own

    assert await app.people.set_nickname(bob, person.relationship_id, None) is None
    [person] = (await app.people.list(bob))[0]
    assert (person.name, person.nickname) == ("Alice", None)


@pytest.mark.parametrize("nickname", ["", "   ", "n" * 101])
async def test_nickname_must_be_1_to_100_characters(app: App, alice: User,
                                                    invited: tuple[str, str],
                                                    nickname: str) -> None:
    [person] = (await app.people.list(alice))[0]
    with pytest.raises(ValidationFailed) as caught:
        await app.people.set_nickname(alice, person.relationship_id, nickname)
    assert list(caught.value.details) == ["nickname"]
    assert ((await app.people.list(alice))[0])[0].nickname == "Bob"
    assert await app.people.set_nickname(alice, person.relationship_id, "n" * 100) == "n" * 100


async def test_nickname_of_someone_elses_or_an_unknown_relationship(
    app: App, alice: User, carol: User, invited: tuple[str, str]
) -> None:
    [person] = (await app.people.list(alice))[0]
    with pytest.raises(Forbidden):
        await app.people.set_nickname(carol, person.relationship_id, "Mine now")
    with pytest.raises(NotFound):
        await app.people.set_nickname(carol, "no-such-relationship", "X")
    assert ((await app.people.list(alice))[0])[0].nickname == "Bob"
    assert (await app.people.list(carol))[0] == []
