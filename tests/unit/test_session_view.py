"""SessionUseCases.get, progress and state: what each partner may see of a session."""

from __future__ import annotations

from datetime import timedelta

from mwf_core.domain.enums import MessageRole, SessionStatus, Stage, StageStatus
from mwf_core.domain.records import Message, StageProgress, User

from .conftest import App


async def put_messages(app: App, messages: list[Message]) -> None:
    async with app.db() as uow:
        for message in messages:
            await uow.messages.add(message)
        await uow.commit()


def message(app: App, session_id: str, mid: str, sender: str | None, for_user: str | None,
            role: MessageRole = MessageRole.USER, minute: int = 0) -> Message:
    return Message(mid, session_id, sender, for_user, role, f"text of {mid}", 1,
                   app.clock.now() + timedelta(minutes=minute))


async def test_state_shows_only_my_lane(app: App, alice: User, bob: User,
                                        active: tuple[str, str]) -> None:
    sid = active[0]
    await put_messages(app, [
        message(app, sid, "a-user", alice.id, None, minute=1),
        message(app, sid, "a-ai", None, alice.id, MessageRole.AI, minute=2),
        message(app, sid, "b-user", bob.id, None, minute=3),
        message(app, sid, "b-ai", None, bob.id, MessageRole.AI, minute=4),
        message(app, sid, "b-shared", bob.id, alice.id, MessageRole.SHARED_CONTEXT, minute=5),
        message(app, sid, "b-system", None, bob.id, MessageRole.SYSTEM, minute=6),
    ])
    mine = await app.sessions.state(alice, sid)
    assert [m.id for m in mine.messages] == ["a-user", "a-ai", "b-shared"]
    assert mine.has_more_messages is False
    theirs = await app.sessions.state(bob, sid)
    assert [m.id for m in theirs.messages] == ["b-user", "b-ai", "b-system"]
    text = " ".join(m.content for m in mine.messages)
    assert "b-user" not in text and "b-ai" not in text


async def test_state_returns_the_newest_500_messages_oldest_first(
    app: App, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    await put_messages(app, [message(app, sid, f"m{i:04d}", alice.id, None, minute=i)
                             for i in range(502)]
                       + [message(app, sid, "partner", bob.id, None, minute=999)])
    state = await app.sessions.state(alice, sid)
    assert state.has_more_messages is True
    assert len(state.messages) == 500
    assert (state.messages[0].id, state.messages[-1].id) == ("m0002", "m0501")


async def test_state_reports_progress_and_partner_last_view(app: App, alice: User, bob: User,
                                                            active: tuple[str, str]) -> None:
    sid = active[0]
    viewed = app.clock.now() - timedelta(minutes=5)
    async with app.db() as uow:
        vessel = await uow.vessels.user_vessel(sid, bob.id)
        assert vessel is not None
        vessel.last_viewed_at = viewed
        await uow.vessels.update_user_vessel(vessel)
        await uow.commit()
    state = await app.sessions.state(alice, sid)
    assert state.partner_last_viewed_at == viewed
    assert state.report.view.session.status is SessionStatus.ACTIVE
    assert state.report.view.my_progress is not None
    assert state.report.view.my_progress.stage == Stage.WITNESS
    assert state.report.can_advance is False  # stage 1 needs feelHeardConfirmed

    async with app.db() as uow:
        partner = await uow.users.get(bob.id)
        assert partner is not None
        partner.privacy_preferences = {"showActivityStatus": False}
        await uow.users.update(partner)
        await uow.commit()
    assert (await app.sessions.state(alice, sid)).partner_last_viewed_at is None


async def set_gates(app: App, session_id: str, user_id: str, stage: int,
                    gates: dict[str, object]) -> None:
    async with app.db() as uow:
        rows = await uow.progress.for_session(session_id)
        row = next((r for r in rows if r.user_id == user_id and r.stage == stage), None)
        if row is None:
            row = StageProgress(f"p-{user_id}-{stage}", session_id, user_id, stage,
                                StageStatus.IN_PROGRESS, app.clock.now())
            row.gates_satisfied = gates
            await uow.progress.add(row)
        else:
            row.gates_satisfied = {**row.gates_satisfied, **gates}
            await uow.progress.update(row)
        await uow.commit()


async def test_progress_hides_the_partners_private_gate_text(app: App, alice: User, bob: User,
                                                            active: tuple[str, str]) -> None:
    sid = active[0]
    heard_at = app.clock.now().isoformat()
    await set_gates(app, sid, bob.id, Stage.WITNESS, {
        "feelHeardConfirmed": True, "feelHeardConfirmedAt": heard_at,
        "feedback": "I still feel unheard about my mother",
    })
    report = await app.sessions.progress(alice, sid)
    partner = report.view.partner_progress
    assert partner is not None and partner.stage == Stage.WITNESS
    assert partner.gates == {"feelHeardConfirmed": True, "feelHeardConfirmedAt": heard_at}

    own = await app.sessions.progress(bob, sid)
    assert own.view.my_progress is not None
    assert own.view.my_progress.gates["feedback"] == "I still feel unheard about my mother"
    assert own.can_advance is True
    assert own.milestones.feel_heard_confirmed_at is not None
    assert own.milestones.witness_started_at == app.clock.now()

    await set_gates(app, sid, bob.id, Stage.PERSPECTIVE_STRETCH,
                    {"skippedRefinement": True, "skipReason": "too raw to talk about"})
    for view in [(await app.sessions.progress(alice, sid)).view,
                 (await app.sessions.state(alice, sid)).report.view,
                 await app.sessions.get(alice, sid),
                 (await app.sessions.list(alice))[0][0]]:
        assert view.partner_progress is not None
        assert view.partner_progress.gates == {"skippedRefinement": True}


async def test_views_tell_each_partner_what_to_do_next(app: App, alice: User, bob: User) -> None:
    created = await app.create(alice, "Bob")
    sid = created.view.session.id
    assert created.view.status_summary == "Getting started"
    await app.stage0.sign_compact(alice, sid, True)
    assert (await app.sessions.get(alice, sid)).self_action_needed == ["confirm_topic_frame"]
    await app.stage0.confirm_topic_frame(alice, sid)
    view = await app.sessions.get(alice, sid)
    assert view.self_action_needed == ["confirm_invitation"]
    assert view.partner_action_needed == ["accept_invitation"]
    assert view.status_summary == "Waiting for Bob to join"
    await app.stage0.confirm_invitation(alice, sid)
    await app.invitations.accept(bob, created.invitation_id)
    bobs = await app.sessions.get(bob, sid)
    assert bobs.self_action_needed == ["sign_compact"]
    assert (bobs.partner.id, bobs.partner.name) == (alice.id, "Alice")
    alices = await app.sessions.get(alice, sid)
    assert alices.partner_action_needed == ["sign_compact"]
    assert alices.partner.id == bob.id and alices.partner.name == "Bob"
    assert alices.status_summary == "Stage 1: Witness"
