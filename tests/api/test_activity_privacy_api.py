"""`showActivityStatus` over the real stack (SQLite and PostgreSQL): what Alice's live event
stream (GET /sessions/:id/events) tells her about Bob looking at the session, with his activity
hidden and then shown again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mwf_core.domain import events

from .harness import Stack, both_at_stage1
from .journey import deps_of, outbox
from .realtime_helpers import last_seq, logged, sequence, sse_events, sse_frames
from .rest_helpers import user_id

pytestmark = pytest.mark.timeout(120)

VIEWED = (events.PARTNER_SESSION_VIEWED, events.PARTNER_SHARE_TAB_VIEWED)


async def show_activity(stack: Stack, user: str, shown: bool) -> None:
    """The stored setting (there is no REST route for privacy preferences yet)."""
    uid = await user_id(stack, user)  # before the transaction: SQLite has one writer
    async with deps_of(stack).uow() as uow:
        await uow.users.patch(
            uid, datetime.now(UTC), privacy_preferences={"showActivityStatus": shown}
        )
        await uow.commit()


async def look(stack: Stack, session_id: str, user: str) -> None:
    await stack.ok("POST", f"/api/sessions/{session_id}/viewed", user)
    await stack.ok("POST", f"/api/sessions/{session_id}/share-tab-viewed", user)


async def heard_by(
    stack: Stack, session_id: str, user: str, after: int
) -> list[tuple[str, dict[str, Any]]]:
    """Every event `user`'s stream delivers after seq `after` (all of them written by now)."""
    mine = {events.session_channel(session_id), events.user_channel(await user_id(stack, user))}
    due = [r for r in await logged(session_id) if r["seq"] > after and r["channel"] in mine]
    response = await stack.http.get(
        f"/api/sessions/{session_id}/events",
        headers={**stack.auth(user), "Last-Event-ID": str(after)},
    )
    assert response.status == 200
    try:
        frames = await sse_frames(response, events_wanted=len(due))
    finally:
        response.close()
    return [(name, payload) for _, name, payload in sse_events(frames)]


async def test_hidden_activity_sends_the_partner_no_viewed_event(rt_stack: Stack) -> None:
    stack = rt_stack
    sid = (await both_at_stage1(stack))["session_id"]
    bob_id = await user_id(stack, "bob")
    await sequence(stack)
    start = await last_seq(sid)

    await show_activity(stack, "bob", False)
    await look(stack, sid, "bob")
    hidden_until = datetime.now(UTC)
    await show_activity(stack, "bob", True)
    await look(stack, sid, "bob")
    await sequence(stack)

    heard = await heard_by(stack, sid, "alice", start)
    about_bob = [
        (name, payload)
        for name, payload in heard
        if name in VIEWED and payload["excludeUserId"] == bob_id
    ]
    # Only the two looks made while his activity showed: nothing at all while hidden.
    assert [name for name, _ in about_bob] == list(VIEWED)
    for _, payload in about_bob:
        assert "presenceVisible" not in payload  # always true when sent: left out
        assert payload["timestamp"] >= hidden_until.timestamp() * 1000 - 1
        assert payload["viewedAt"] == payload["activeAt"] is not None
    # Nor is anything waiting in the outbox for Ably to deliver.
    written = [e for e in await outbox(sid) if e.name in VIEWED]
    assert len(written) == 2
