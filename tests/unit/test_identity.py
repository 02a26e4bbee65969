"""IdentityUseCases: the User row behind a token, /auth/me and push tokens."""

from __future__ import annotations

import pytest

from mwf_core.domain.enums import SessionStatus
from mwf_core.domain.errors import ValidationFailed
from mwf_core.domain.records import User
from mwf_core.ports.auth import Identity

from .conftest import ALICE, App
from .fakes.repositories import InMemoryUserRepository


async def test_first_sight_creates_the_user_from_the_token(app: App) -> None:
    user = await app.identity.ensure_user(ALICE)
    assert (user.auth_subject, user.email) == ("user_alice", "alice@example.com")
    assert (user.first_name, user.last_name, user.name) == ("Alice", "Archer", "Alice Archer")
    assert user.created_at == app.clock.now()
    assert list(app.store.users) == [user.id]


async def test_second_call_returns_the_same_row_and_creates_nothing(app: App) -> None:
    first = await app.identity.ensure_user(ALICE)
    app.clock.advance(hours=1)
    again = await app.identity.ensure_user(Identity("user_alice", "new@example.com", "Al"))
    assert again.id == first.id and again.email == "alice@example.com"
    assert len(app.store.users) == 1


async def test_explicit_name_wins_and_a_bare_subject_is_enough(app: App) -> None:
    named = await app.identity.ensure_user(Identity("s1", None, "Al", "Archer", "Dr Al"))
    bare = await app.identity.ensure_user(Identity("s2"))
    assert named.name == "Dr Al"
    assert (bare.name, bare.email, bare.first_name) == (None, None, None)


async def test_an_email_taken_by_another_account_is_left_off(app: App, alice: User) -> None:
    twin = await app.identity.ensure_user(Identity("user_twin", "alice@example.com", "Twin"))
    assert twin.id != alice.id and twin.email is None and twin.first_name == "Twin"
    assert app.store.users[alice.id].email == "alice@example.com"
    assert len(app.store.users) == 2


async def make_session(app: App, actor: User, status: SessionStatus) -> str:
    created = await app.create(actor, f"Friend {status.value}")
    await app.set_status(created.view.session.id, status)
    return created.view.session.id


async def test_me_counts_only_active_waiting_and_paused_sessions(app: App, alice: User,
                                                                 bob: User) -> None:
    for status in SessionStatus:
        await make_session(app, alice, status)
    me = await app.identity.me(alice)
    assert me.user.id == alice.id
    assert me.active_sessions == 3
    assert (await app.identity.me(bob)).active_sessions == 0  # not a member of any of them


async def test_me_sees_the_partners_active_session_too(app: App, alice: User, bob: User,
                                                       active: tuple[str, str]) -> None:
    assert (await app.identity.me(alice)).active_sessions == 1
    assert (await app.identity.me(bob)).active_sessions == 1
    await app.lifecycle.pause(bob, active[0])
    assert (await app.identity.me(alice)).active_sessions == 1


async def test_push_token_is_stored_trimmed_and_cleared(app: App, alice: User) -> None:
    assert (await app.identity.me(alice)).push_notifications_enabled is False
    await app.identity.register_push_token(alice, "  ExponentPushToken[abc]  ", "ios")
    assert app.store.users[alice.id].push_token == "ExponentPushToken[abc]"
    assert (await app.identity.me(alice)).push_notifications_enabled is True
    await app.identity.register_push_token(alice, "x" * 512, "")  # platform is optional
    assert app.store.users[alice.id].push_token == "x" * 512
    await app.identity.clear_push_token(alice)
    assert app.store.users[alice.id].push_token is None
    assert (await app.identity.me(alice)).push_notifications_enabled is False


@pytest.mark.parametrize(
    ("token", "platform", "field"),
    [("", "ios", "push_token"), ("   ", "ios", "push_token"),
     ("x" * 513, "android", "push_token"), ("tok", "windows", "platform"),
     ("tok", "IOS", "platform")],
)
async def test_push_token_rules(app: App, alice: User, token: str, platform: str,
                                field: str) -> None:
    await app.identity.register_push_token(alice, "kept", "android")
    with pytest.raises(ValidationFailed) as caught:
        await app.identity.register_push_token(alice, token, platform)
    assert list(caught.value.details) == [field]
    assert app.store.users[alice.id].push_token == "kept"


async def test_push_token_for_a_vanished_user_is_ignored(app: App) -> None:
    ghost = User("nobody", "sub", None, None, None, None, app.clock.now(), app.clock.now())
    await app.identity.register_push_token(ghost, "tok", "ios")
    assert app.store.users == {}


async def test_email_collision_under_the_piccolo_insert_contract(
    app: App, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def insert_like_piccolo(self: InMemoryUserRepository, user: User) -> None:
        if await self.get_by_auth_subject(user.auth_subject) is None:
            await self.add(user)  # DuplicateKey when the email belongs to another account

    monkeypatch.setattr(InMemoryUserRepository, "insert_if_absent", insert_like_piccolo)
    twin = await app.identity.ensure_user(Identity("user_twin", "alice@example.com", "Twin"))
    assert twin.email is None and twin.id != alice.id
