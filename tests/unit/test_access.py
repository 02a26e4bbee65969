"""Every use case that takes a session id: members only (403), unknown session (404)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mwf_core.domain.errors import Forbidden, NotFound
from mwf_core.domain.records import User

from .conftest import App

Call = Callable[[App, User, str], Awaitable[Any]]

CALLS: dict[str, Call] = {
    "sessions.get": lambda app, u, s: app.sessions.get(u, s),
    "sessions.progress": lambda app, u, s: app.sessions.progress(u, s),
    "sessions.state": lambda app, u, s: app.sessions.state(u, s),
    "stage0.sign_compact": lambda app, u, s: app.stage0.sign_compact(u, s, True),
    "stage0.compact_status": lambda app, u, s: app.stage0.compact_status(u, s),
    "stage0.confirm_topic_frame": lambda app, u, s: app.stage0.confirm_topic_frame(u, s),
    "stage0.confirm_invitation": lambda app, u, s: app.stage0.confirm_invitation(u, s),
    "invitations.for_session": lambda app, u, s: app.invitations.for_session(u, s),
    "lifecycle.pause": lambda app, u, s: app.lifecycle.pause(u, s),
    "lifecycle.resume": lambda app, u, s: app.lifecycle.resume(u, s),
    "lifecycle.archive": lambda app, u, s: app.lifecycle.archive(u, s),
    "lifecycle.leave": lambda app, u, s: app.lifecycle.leave(u, s),
    "emotions.record": lambda app, u, s: app.emotions.record(u, s, 5),
    "emotions.record(request_id)": lambda app, u, s: app.emotions.record(u, s, 5,
                                                                         request_id="r"),
    "emotions.list": lambda app, u, s: app.emotions.list(u, s),
}


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_a_stranger_is_forbidden_and_changes_nothing(
    app: App, alice: User, bob: User, carol: User, active: tuple[str, str], name: str
) -> None:
    before = copy.deepcopy(app.store)
    published = len(app.db.published)
    with pytest.raises(Forbidden):
        await CALLS[name](app, carol, active[0])
    assert app.store == before and len(app.db.published) == published


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_an_unknown_session_is_not_found(app: App, alice: User, name: str) -> None:
    with pytest.raises(NotFound):
        await CALLS[name](app, alice, "no-such-session")


@pytest.mark.parametrize("name", ["sessions.get", "sessions.state", "invitations.for_session",
                                  "stage0.compact_status"])
async def test_an_invitee_who_has_not_accepted_cannot_read_the_session(
    app: App, alice: User, bob: User, invited: tuple[str, str], name: str
) -> None:
    with pytest.raises(Forbidden):
        await CALLS[name](app, bob, invited[0])
