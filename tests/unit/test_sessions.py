"""SessionUseCases.create and list."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from mwf_core.domain.enums import InvitationStatus, SessionStatus, Stage, StageStatus
from mwf_core.domain.errors import NotFound, ValidationFailed
from mwf_core.domain.records import User
from mwf_core.usecases.session_creation import CreateSessionRequest

from .conftest import APP_URL, App

# --------------------------------------------------------------------------- create


async def test_create_by_invite_name_sets_up_stage_zero(app: App, alice: User) -> None:
    created = await app.create(alice, "  Bob  ", "We keep arguing about chores.",
                               invite_email=" bob@example.com ")
    view, store = created.view, app.store
    session_id = view.session.id
    assert created.existing is False
    assert created.invitation_url == f"{APP_URL}/invitation/{created.invitation_id}"
    assert view.session.status is SessionStatus.CREATED
    assert (view.partner.id, view.partner.name, view.partner.nickname) == (None, "Bob", "Bob")
    assert view.self_action_needed == ["sign_compact"]
    assert view.my_progress is not None and view.my_progress.stage == Stage.ONBOARDING
    assert view.my_progress.status is StageStatus.IN_PROGRESS

    invitation = store.invitations[created.invitation_id]
    assert (invitation.session_id, invitation.invited_by_id) == (session_id, alice.id)
    assert (invitation.name, invitation.invite_email) == ("Bob", "bob@example.com")
    assert invitation.status is InvitationStatus.PENDING
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    [vessel] = store.user_vessels.values()
    assert (vessel.user_id, vessel.creation_context) == (alice.id, "We keep arguing about chores.")
    assert [v.session_id for v in store.shared_vessels.values()] == [session_id]
    [member] = store.members.values()
    assert (member.user_id, member.nickname) == (alice.id, "Bob")


async def test_create_without_context_stores_none_and_uses_the_default_frame(
    app: App, alice: User
) -> None:
    created = await app.create(alice)
    [vessel] = app.store.user_vessels.values()
    assert vessel.creation_context is None
    assert created.view.session.topic_frame == "Talking through what happened between us"


async def test_topic_frame_is_short_neutral_and_nameless(app: App, alice: User) -> None:
    context = ("Bobby never helps with the dishes and alice ends up doing all of it while "
               "Bobby watches TV every single night of the week. It hurts.")
    created = await app.create(alice, "Bobby", context)
    frame = created.view.session.topic_frame
    assert frame is not None and frame.startswith("Talking about:")
    assert len(frame.split()) <= 20
    assert "bobby" not in frame.lower() and "alice" not in frame.lower()
    assert "It hurts" not in frame
    assert "dishes" in frame


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({}, "person_id"),
        ({"invite_name": "   "}, "person_id"),
        ({"invite_name": "B" * 101}, "invite_name"),
        ({"invite_name": "Bob", "context": "x" * 5001}, "context"),
        ({"invite_name": "Bob", "invite_email": "not-an-email"}, "invite_email"),
        ({"invite_name": "Bob", "invite_email": "a@" + "b" * 250 + ".io"}, "invite_email"),
    ],
)
async def test_create_validation_names_the_field(app: App, alice: User, fields: dict[str, str],
                                                 key: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.sessions.create(alice, CreateSessionRequest(**fields))
    assert key in caught.value.details
    assert app.store.sessions == {}


async def test_create_accepts_the_longest_allowed_values(app: App, alice: User) -> None:
    created = await app.create(alice, "B" * 100, "x" * 5000)
    assert created.view.session.id in app.store.sessions


async def test_cannot_invite_yourself(app: App, alice: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.sessions.create(alice, CreateSessionRequest(person_id=alice.id))
    assert list(caught.value.details) == ["person_id"]


async def test_person_id_and_invite_name_together_are_refused(app: App, alice: User, bob: User,
                                                              active: tuple[str, str]) -> None:
    await app.set_status(active[0], SessionStatus.RESOLVED)
    with pytest.raises(ValidationFailed):
        await app.sessions.create(alice, CreateSessionRequest(person_id=bob.id,
                                                              invite_name="Someone else"))


@pytest.mark.parametrize("who", ["stranger", "missing"])
async def test_unknown_person_is_not_found(app: App, alice: User, carol: User, who: str) -> None:
    person_id = carol.id if who == "stranger" else "no-such-user"
    with pytest.raises(NotFound):
        await app.sessions.create(alice, CreateSessionRequest(person_id=person_id))
    assert app.store.sessions == {}


async def test_a_live_session_is_returned_instead_of_a_new_one(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    for actor, partner in ((alice, bob), (bob, alice)):
        again = await app.sessions.create(actor, CreateSessionRequest(person_id=partner.id))
        assert again.existing is True and again.view.session.id == active[0]
        assert again.invitation_id is None and again.invitation_url is None
    assert len(app.store.sessions) == 1


async def test_create_by_person_id_after_the_last_session_ended(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    await app.set_status(active[0], SessionStatus.RESOLVED)
    app.clock.advance(days=1)
    created = await app.sessions.create(bob, CreateSessionRequest(person_id=alice.id))
    session = created.view.session
    assert created.existing is False and session.id != active[0]
    assert session.relationship_id == app.store.sessions[active[0]].relationship_id
    assert app.store.invitations[created.invitation_id].name == "Alice"
    assert created.view.partner.id == alice.id
    assert len(app.store.relationships) == 1


async def test_frame_by_person_id_leaves_out_my_nickname_for_the_partner(
    app: App, alice: User, bob: User
) -> None:
    session_id, invitation_id = await app.invite(alice, "Bobby")
    await app.invitations.accept(bob, invitation_id)
    await app.set_status(session_id, SessionStatus.RESOLVED)
    created = await app.sessions.create(alice, CreateSessionRequest(
        person_id=bob.id, context="Bobby never calls when he is late."))
    assert "bobby" not in (created.view.session.topic_frame or "").lower()


async def test_same_request_id_replays_the_first_result(app: App, alice: User) -> None:
    request = CreateSessionRequest(invite_name="Bob", context="chores", request_id="req-1")
    first = await app.sessions.create(alice, request)
    app.clock.advance(seconds=3)
    again = await app.sessions.create(alice, request)
    assert again.view.session.id == first.view.session.id
    assert again.invitation_id == first.invitation_id and again.existing is False
    assert len(app.store.sessions) == 1 and len(app.store.relationships) == 1


async def test_same_request_id_with_another_body_is_refused(app: App, alice: User) -> None:
    await app.sessions.create(alice, CreateSessionRequest(invite_name="Bob", request_id="r"))
    with pytest.raises(ValidationFailed) as caught:
        await app.sessions.create(alice, CreateSessionRequest(invite_name="Dan", request_id="r"))
    assert list(caught.value.details) == ["request_id"]
    assert len(app.store.sessions) == 1


async def test_request_ids_are_per_user(app: App, alice: User, bob: User) -> None:
    mine = await app.sessions.create(alice, CreateSessionRequest(invite_name="X", request_id="r"))
    theirs = await app.sessions.create(bob, CreateSessionRequest(invite_name="X", request_id="r"))
    assert mine.view.session.id != theirs.view.session.id


# --------------------------------------------------------------------------- list


async def make_sessions(app: App, actor: User, count: int) -> list[str]:
    made = []
    for index in range(count):
        app.clock.advance(minutes=1)
        made.append((await app.create(actor, f"Person {index}")).view.session.id)
    return made


async def test_list_pages_newest_first_with_a_cursor(app: App, alice: User) -> None:
    made = await make_sessions(app, alice, 5)
    seen, token, pages = [], "", 0
    while True:
        views, token = await app.sessions.list(alice, page_size=2, page_token=token)
        seen += [v.session.id for v in views]
        pages += 1
        if not token:
            break
    assert seen == list(reversed(made)) and pages == 3


async def test_list_cursor_breaks_created_at_ties_by_id(app: App, alice: User) -> None:
    made = [(await app.create(alice, f"P{i}")).view.session.id for i in range(3)]
    seen, token = [], ""
    for _ in range(3):
        views, token = await app.sessions.list(alice, page_size=1, page_token=token)
        seen += [v.session.id for v in views]
    assert seen == sorted(made, reverse=True) and token == ""


async def test_list_exact_page_has_no_next_token_and_default_size_is_20(app: App,
                                                                        alice: User) -> None:
    await make_sessions(app, alice, 21)
    views, token = await app.sessions.list(alice)
    assert len(views) == 20 and token
    rest, token = await app.sessions.list(alice, page_token=token)
    assert len(rest) == 1 and token == ""


async def test_list_filters_by_status(app: App, alice: User) -> None:
    made = await make_sessions(app, alice, 3)
    await app.set_status(made[1], SessionStatus.ACTIVE)
    views, _ = await app.sessions.list(alice, status=SessionStatus.ACTIVE)
    assert [v.session.id for v in views] == [made[1]]
    views, _ = await app.sessions.list(alice, status=SessionStatus.CREATED)
    assert [v.session.id for v in views] == [made[2], made[0]]


async def test_list_hides_what_i_archived_but_not_from_my_partner(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    await app.set_status(active[0], SessionStatus.RESOLVED)
    other = (await app.create(alice, "Dan")).view.session.id
    await app.lifecycle.archive(alice, active[0])
    assert [v.session.id for v in (await app.sessions.list(alice))[0]] == [other]
    assert [v.session.id for v in (await app.sessions.list(bob))[0]] == [active[0]]


async def test_list_shows_only_my_sessions(app: App, alice: User, bob: User, carol: User,
                                           invited: tuple[str, str]) -> None:
    assert [v.session.id for v in (await app.sessions.list(alice))[0]] == [invited[0]]
    assert (await app.sessions.list(bob))[0] == []  # not joined yet
    assert (await app.sessions.list(carol))[0] == []
    await app.invitations.accept(bob, invited[1])
    assert [v.session.id for v in (await app.sessions.list(bob))[0]] == [invited[0]]


@pytest.mark.parametrize("size", [-1, 101])
async def test_list_page_size_bounds(app: App, alice: User, size: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.sessions.list(alice, page_size=size)
    assert list(caught.value.details) == ["page_size"]


@pytest.mark.parametrize("token", ["garbage!", base64.urlsafe_b64encode(b"[1]").decode(),
                                   base64.urlsafe_b64encode(b'["not a date", "x"]').decode()])
async def test_list_rejects_a_bad_cursor(app: App, alice: User, token: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await app.sessions.list(alice, page_token=token)
    assert list(caught.value.details) == ["page_token"]


async def test_list_rejects_a_cursor_without_timezone(app: App, alice: User) -> None:
    await make_sessions(app, alice, 1)
    token = base64.urlsafe_b64encode(json.dumps(["2025-01-01T00:00:00", "x"]).encode()).decode()
    with pytest.raises(ValidationFailed):
        await app.sessions.list(alice, page_token=token)
