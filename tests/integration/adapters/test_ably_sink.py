"""The Ably adapters with the real `ably` SDK, key auth over TLS, against tests/fakes/ably.py:
publishing, the session.updated fan-out to members, idempotent ids, presence reads and token
requests (failures and their classification are in test_ably_sink_errors.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mwf_core.adapters.ably.factory import AblyBundle, build_ably
from mwf_core.adapters.ably.tokens import AblyTokenIssuer
from mwf_core.config import Settings
from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent
from tests.fakes.ably import FakeAbly

from .ably_helpers import ALICE, BOB, CTX, SID, bundle_for, row, trusted_fake_ably


@pytest.fixture
async def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeAbly]:
    async with trusted_fake_ably(tmp_path, monkeypatch) as server:
        yield server


@pytest.fixture
async def bundle(fake: FakeAbly) -> AsyncIterator[AblyBundle]:
    async with bundle_for(fake) as built:
        yield built


def test_no_key_means_no_ably() -> None:
    assert build_ably(Settings()) is None


async def test_session_event_is_published_with_its_outbox_id(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    result = await bundle.sink.deliver(
        row(events.PARTNER_SIGNED_COMPACT, signedBy=ALICE, excludeUserId=ALICE), CTX
    )

    assert result.ok, result.error
    shared = fake.on(f"meetwithoutfear:session:{SID}")
    assert [(m.name, m.id) for m in shared] == [(events.PARTNER_SIGNED_COMPACT, "evt_1")]
    assert shared[0].data == {
        "sessionId": SID,
        "timestamp": 1767225600000,
        "signedBy": ALICE,
        "excludeUserId": ALICE,
    }
    publish = fake.requests[0]
    assert publish.method == "POST"
    assert publish.path == f"/channels/meetwithoutfear:session:{SID}/messages"
    assert (
        publish.headers["Authorization"] == "Basic " + base64.b64encode(fake.key.encode()).decode()
    )
    assert publish.headers["Content-Type"].startswith("application/json")


async def test_shared_event_tells_each_member_but_the_actor(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    await bundle.sink.deliver(row(events.SESSION_PAUSED, excludeUserId=ALICE), CTX)

    assert fake.on(f"meetwithoutfear:user:{ALICE}") == []
    updates = fake.on(f"meetwithoutfear:user:{BOB}")
    assert [(m.name, m.id) for m in updates] == [(events.SESSION_UPDATED, "evt_1:su:user_bob")]
    assert updates[0].data == {"sessionId": SID, "timestamp": 1767225600000}


async def test_without_an_actor_every_member_is_told(fake: FakeAbly, bundle: AblyBundle) -> None:
    await bundle.sink.deliver(row(events.SESSION_RESOLVED), CTX)

    assert sorted(m.id or "" for m in fake.accepted if m.name == events.SESSION_UPDATED) == [
        "evt_1:su:user_alice",
        "evt_1:su:user_bob",
    ]


async def test_transient_events_are_not_fanned_out(fake: FakeAbly, bundle: AblyBundle) -> None:
    typing = row("typing.start", row_id="evt_t", userId=ALICE)

    assert (await bundle.sink.deliver(typing, CTX)).ok

    assert [(m.channel, m.name, m.id) for m in fake.accepted] == [
        (f"meetwithoutfear:session:{SID}", "typing.start", "evt_t"),
    ]


async def test_an_event_on_a_users_own_channel_refreshes_only_their_session_list(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    """A share suggestion (or shared context, a per-recipient stage copy...) goes to one user's
    channel; their session list must hear that the session changed, and their partner must hear
    nothing - neither the event nor that something happened."""
    suggestion = row(
        events.EMPATHY_SHARE_SUGGESTION,
        channel=f"user:{BOB}",
        row_id="evt_s",
        forUserId=BOB,
        suggestedContent="what Alice may want to hear",
    )

    assert (await bundle.sink.deliver(suggestion, CTX)).ok

    assert fake.on(f"meetwithoutfear:user:{ALICE}") == []
    assert fake.on(f"meetwithoutfear:session:{SID}") == []
    bobs = fake.on(f"meetwithoutfear:user:{BOB}")
    assert [(m.name, m.id) for m in bobs] == [
        (events.EMPATHY_SHARE_SUGGESTION, "evt_s"),
        (events.SESSION_UPDATED, "evt_s:su:user_bob"),
    ]
    # Ids and time only: the words stay in the event itself.
    assert bobs[1].data == {"sessionId": SID, "timestamp": 1767225600000}


async def test_user_channel_rows_without_a_session_or_for_the_actor_are_not_fanned_out(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    sessionless = OutboxEvent(
        id="evt_n",
        session_id=None,
        channel=f"user:{ALICE}",
        name=events.NOTIFICATION_PENDING_ACTION,
        payload={"timestamp": 1767225600000},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    own = row(
        events.MESSAGE_AI_RESPONSE,
        channel=f"user:{ALICE}",
        row_id="evt_o",
        forUserId=ALICE,
        excludeUserId=ALICE,
    )

    assert (await bundle.sink.deliver(sessionless, CTX)).ok
    assert (await bundle.sink.deliver(own, CTX)).ok

    assert [m.name for m in fake.accepted] == [
        events.NOTIFICATION_PENDING_ACTION,
        events.MESSAGE_AI_RESPONSE,
    ]


async def test_server_messages_carry_no_client_id(fake: FakeAbly, bundle: AblyBundle) -> None:
    """Clients may publish on the session channel (typing) with their token's clientId, so they
    trust only messages without one: ours must never have one."""
    await bundle.sink.deliver(row(events.SESSION_PAUSED, excludeUserId=ALICE), CTX)
    await bundle.sink.deliver(
        row(events.EMPATHY_REVEALED, channel=f"user:{ALICE}", row_id="evt_r", forUserId=ALICE),
        CTX,
    )

    assert len(fake.accepted) == 4  # two events, two session.updated
    assert all(m.client_id is None for m in fake.accepted)
    published = [r.body for r in fake.requests if r.method == "POST"]
    assert published and all("clientId" not in body for body in published)


async def test_sink_accepts_only_realtime_rows(bundle: AblyBundle) -> None:
    assert bundle.sink.accepts(row("x"))
    assert bundle.sink.accepts(row("x", channel="user:u1"))
    assert not bundle.sink.accepts(row("x", channel="email:inv_1"))
    assert not bundle.sink.accepts(row("x", channel="push:u1"))


async def test_fan_out_publishes_concurrently_with_stable_ids(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    """A slow Ably costs a row one round trip, not one per member; a redelivery publishes the
    same ids, which Ably drops."""
    fake.publish_delay = 0.3
    event = row(events.SESSION_RESOLVED)  # the shared message and both members' updates

    assert (await bundle.sink.deliver(event, CTX)).ok

    spans = fake.publish_spans
    assert len(spans) == 3
    # Each publish started before any of them was answered: they were in flight together.
    assert max(s.started for s in spans) < min(s.finished for s in spans)
    ids = ["evt_1", "evt_1:su:user_alice", "evt_1:su:user_bob"]
    assert sorted(fake.ids()) == ids

    assert (await bundle.sink.deliver(event, CTX)).ok
    assert sorted(fake.ids()) == ids
    assert sorted(m.id or "" for m in fake.duplicates) == ids


async def test_a_retried_row_is_delivered_once(fake: FakeAbly, bundle: AblyBundle) -> None:
    """One of the row's publishes failed: the retry publishes everything again and Ably drops
    the one it already has."""
    fake.fail_next(1, 503, {"error": {"code": 50300, "statusCode": 503, "message": "busy"}})
    event = row(events.SESSION_RESUMED, excludeUserId=BOB)  # shared + Alice's update

    first = await bundle.sink.deliver(event, CTX)
    assert not first.ok and not first.permanent and "503" in (first.error or "")
    assert len(fake.accepted) == 1  # the other publish got through

    assert (await bundle.sink.deliver(event, CTX)).ok
    assert (await bundle.sink.deliver(event, CTX)).ok  # a lease expired after a success

    assert sorted(fake.ids()) == ["evt_1", "evt_1:su:user_alice"]
    assert len(fake.duplicates) == 3  # one on the retry, two on the third delivery


async def test_a_retry_after_the_idempotency_window_is_delivered_again(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    """Ably drops a repeated id only within 2 minutes of the first publish. The dispatcher's
    backoff goes up to 5 minutes, so a row that half failed and is retried late delivers a copy
    of what got through (the known limit in the README: clients dedupe by message id)."""
    fake.fail_next(1, 503, {"error": {"code": 50300, "statusCode": 503, "message": "busy"}})
    event = row(events.SESSION_RESUMED, excludeUserId=BOB)  # shared + Alice's update
    assert not (await bundle.sink.deliver(event, CTX)).ok
    [got_through] = fake.ids()

    fake.advance(119)
    assert (await bundle.sink.deliver(event, CTX)).ok
    assert sorted(fake.ids()) == ["evt_1", "evt_1:su:user_alice"]

    fake.advance(2)  # 121 s after the first publish: past Ably's window
    assert (await bundle.sink.deliver(event, CTX)).ok
    assert fake.ids().count(got_through) == 2


async def test_presence_reads_the_session_presence_channel(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    fake.set_present(f"meetwithoutfear:presence:{SID}", ALICE)

    assert await bundle.presence.is_present(SID, ALICE)
    assert not await bundle.presence.is_present(SID, BOB)
    assert fake.requests[0].method == "GET"
    assert fake.requests[0].path == f"/channels/meetwithoutfear:presence:{SID}/presence"


async def test_token_request_is_signed_locally_with_the_key(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    capability = {
        f"meetwithoutfear:user:{ALICE}": ["subscribe"],
        f"meetwithoutfear:session:{SID}": ["subscribe", "publish"],
    }

    request = await AblyTokenIssuer(bundle.client).token_request(ALICE, capability, 3_600_000)

    assert fake.requests == []  # no round trip to Ably
    assert request["keyName"] == fake.key_name
    assert request["clientId"] == ALICE
    assert request["ttl"] == 3_600_000
    # Ably's canonical form: operations sorted.
    assert json.loads(request["capability"]) == {k: sorted(v) for k, v in capability.items()}
    signed = (
        "\n".join(
            str(request[k])
            for k in ("keyName", "ttl", "capability", "clientId", "timestamp", "nonce")
        )
        + "\n"
    )
    mac = hmac.new(fake.key_secret.encode(), signed.encode(), hashlib.sha256).digest()
    assert request["mac"] == base64.b64encode(mac).decode()
