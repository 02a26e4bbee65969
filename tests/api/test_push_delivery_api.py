"""Push as people get it, over the real stack (SQLite and PostgreSQL): REST actions → outbox →
dispatcher → the push sink on the real Expo SDK → tests/fakes/expo.py, with Ably on the real SDK
against tests/fakes/ably.py. Per recipient: how many pushes, what they say (with the name the
recipient knows the actor by), and that `data` carries no one's words."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mwf_core.adapters.ably.names import ably_channel
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from tests.fakes.ably import FakeAbly, running_fake_ably
from tests.fakes.expo import FakeExpo, running_fake_expo

from .conftest import close_stack, open_stack
from .empathy_helpers import both_revealed
from .harness import Stack, both_at_stage1
from .journey import both_at_stage2
from .realtime_helpers import eventually
from .rest_helpers import create_session, relationship_id, user_id
from .test_conversation_rest import scripted, sse

pytestmark = pytest.mark.timeout(120)

TOKENS = {"alice": "ExponentPushToken[alice-phone]", "bob": "ExponentPushToken[bob-phone]"}
# Words that must never ride in a push's data (each is what one person wrote).
A_TEXT = "Kestrel-41: you feel your work at home goes unseen."
B_TEXT = "Plover-77: you feel rushed when plans change."
FEEDBACK = "Sandpiper-12: it was more that my effort went unnoticed."
DECLINE_REASON = "Curlew-05: I am not ready to talk about the chores."
CHAT = "Dunlin-93: I keep doing the dishes alone."
# Push data is flat: ids, flags, times and short codes only.
SCALAR = (str, int, float, bool, type(None))


@dataclass
class World:
    stack: Stack
    expo: FakeExpo
    ably: FakeAbly
    mark: int = 0

    async def with_phone(self, *users: str) -> None:
        for user in users:
            await self.stack.ok("POST", "/api/auth/push-token", user, {"pushToken": TOKENS[user]})

    async def settle(self) -> None:
        """Every event so far delivered (push rows included), nothing left to derive."""
        await self.stack.container.reconciler.drain()

        async def nothing_pending() -> bool:
            return (
                not await OutboxTable.count()
                .where(OutboxTable.status == OutboxStatus.PENDING.value)
                .run()
            )

        await eventually(nothing_pending, seconds=60)

    async def from_now(self) -> None:
        """What follows counts; what came before (the set-up) does not."""
        await self.settle()
        self.mark = len(self.expo.messages)

    async def pushes(self) -> dict[str, list[dict[str, Any]]]:
        """The pushes since `from_now`, per user."""
        await self.settle()
        by_token = {token: user for user, token in TOKENS.items()}
        got: dict[str, list[dict[str, Any]]] = {user: [] for user in TOKENS}
        for message in self.expo.messages[self.mark :]:
            got[by_token[message["to"]]].append(message)
        return got


@pytest.fixture
async def world(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    async with running_fake_ably(tmp_path / "tls") as ably, running_fake_expo() as expo:
        # The Ably SDK's httpx client trusts the fake's certificate through SSL_CERT_FILE.
        monkeypatch.setenv("SSL_CERT_FILE", str(ably.cert.cert_path))
        stack = await open_stack(
            db_url,
            tmp_path,
            expo_push_host=expo.url,
            expo_access_token="expo-test-token",
            ably_api_key=ably.key,
            ably_rest_host="127.0.0.1",
            ably_rest_port=ably.port,
            ably_tls=True,
            mwf_outbox_backoff_base_ms=20,
            mwf_outbox_backoff_max_ms=100,
        )
        try:
            yield World(stack, expo, ably)
        finally:
            await close_stack(stack)


def assert_no_words(message: dict[str, Any], *words: str) -> None:
    data = message["data"]
    assert all(isinstance(value, SCALAR) for value in data.values()), data
    everything = json.dumps(message)
    for text in words:
        assert text.split(":")[0] not in everything, (text, message)


async def test_answering_the_partners_understanding_is_one_push_each(world: World) -> None:
    stack = world.stack
    pair = await both_at_stage2(stack)
    await world.with_phone("alice", "bob")
    # What Alice calls Bob on her side of the relationship.
    rid = await relationship_id(stack, pair.session_id)
    await stack.ok("PATCH", f"/api/relationships/{rid}/nickname", "alice", {"nickname": "Bobby"})
    await both_revealed(stack, pair, A_TEXT, B_TEXT)

    await world.from_now()
    await stack.ok("POST", pair.path("/empathy/validate"), "bob", {"validated": True})
    got = await world.pushes()
    # One action, one push: partner.stage_completed, not also empathy.status_updated.
    assert [len(got["alice"]), len(got["bob"])] == [1, 0]
    [to_alice] = got["alice"]
    assert (to_alice["title"], to_alice["body"]) == (
        "Bobby accepted your understanding",
        "Bobby felt understood by what you wrote.",
    )
    assert to_alice["data"]["event"] == events.PARTNER_STAGE_COMPLETED
    assert to_alice["data"]["sessionId"] == pair.session_id
    assert_no_words(to_alice, A_TEXT, B_TEXT)

    # Feedback sends Bob back to refining: the status change is his one notice to act.
    await world.from_now()
    await stack.ok(
        "POST", pair.path("/empathy/validate"), "alice", {"validated": False, "feedback": FEEDBACK}
    )
    got = await world.pushes()
    assert [len(got["alice"]), len(got["bob"])] == [0, 1]
    [to_bob] = got["bob"]
    assert (to_bob["title"], to_bob["body"]) == (
        "Alice responded to your understanding",
        "Alice left a note on how you described their side. Have a look and try again.",
    )
    assert (to_bob["data"]["event"], to_bob["data"]["status"]) == (
        events.EMPATHY_STATUS_UPDATED,
        "REFINING",
    )
    assert_no_words(to_bob, A_TEXT, B_TEXT, FEEDBACK)


async def test_a_declined_invitation_names_who_declined(world: World) -> None:
    stack = world.stack
    created = await create_session(stack, invite_name="Robbie")
    await world.with_phone("alice", "bob")
    bob_id = await user_id(stack, "bob")

    await world.from_now()
    await stack.ok(
        "POST",
        f"/api/invitations/{created['invitationId']}/decline",
        "bob",
        {"reason": DECLINE_REASON},
    )
    got = await world.pushes()
    assert [len(got["alice"]), len(got["bob"])] == [1, 0]
    [to_alice] = got["alice"]
    # Robbie: the name Alice gave when she invited him (his own account says "Bob").
    assert (to_alice["title"], to_alice["body"]) == (
        "Invitation declined",
        "Robbie declined your invitation for now.",
    )
    assert to_alice["data"]["declinedBy"] == bob_id
    assert_no_words(to_alice, DECLINE_REASON)


async def test_a_chat_message_pushes_nobody(world: World) -> None:
    stack = world.stack
    sid = (await both_at_stage1(stack))["session_id"]
    await world.with_phone("alice", "bob")
    scripted(stack)

    await world.from_now()  # Bob is away: no Ably presence, no open event stream
    reply = await sse(stack, sid, "alice", {"content": CHAT})
    assert reply.names()[-1] == "complete"
    got = await world.pushes()
    # Alice's chat is hers alone: Bob's phone stays quiet, and so does hers.
    assert got == {"alice": [], "bob": []}
    assert CHAT.split(":")[0] not in json.dumps(world.expo.messages)


async def test_leaving_tells_the_partner_once(world: World) -> None:
    stack = world.stack
    sid = (await both_at_stage1(stack))["session_id"]
    alice_id, bob_id = await user_id(stack, "alice"), await user_id(stack, "bob")
    await world.settle()
    bobs_list = ably_channel(events.user_channel(bob_id))
    alices_list = ably_channel(events.user_channel(alice_id))
    session = ably_channel(events.session_channel(sid))
    seen_before = {
        channel: len(world.ably.on(channel)) for channel in (bobs_list, alices_list, session)
    }

    await stack.ok("DELETE", f"/api/sessions/{sid}", "alice")
    await world.settle()
    on_session = world.ably.on(session)[seen_before[session] :]
    assert [(m.name, m.data["leftBy"]) for m in on_session] == [
        (events.SESSION_ABANDONED, alice_id)
    ]
    # Bob's session list hears about it once (the sink's fan-out of session.abandoned).
    on_bobs_list = world.ably.on(bobs_list)[seen_before[bobs_list] :]
    assert [(m.name, m.data["sessionId"]) for m in on_bobs_list] == [(events.SESSION_UPDATED, sid)]
    assert world.ably.on(alices_list)[seen_before[alices_list] :] == []  # she did it herself
