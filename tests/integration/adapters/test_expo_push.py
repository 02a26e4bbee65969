"""Expo push with the real exponent-server-sdk against a loopback fake, on both engines:
what is sent (token, wording, data.eventId, Authorization), what is skipped (presence,
preferences, no token), tickets (DeviceNotRegistered, InvalidCredentials, rate limits, 5xx)
and receipts. Timeouts and the SDK's threads: test_expo_timeouts.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.push_tables import PushReceiptTable
from mwf_core.adapters.push import AnyPresence, build_push
from mwf_core.adapters.push.expo_sink import ExpoPushSink, LogPushSink
from mwf_core.adapters.push.receipts import ReceiptPoller
from mwf_core.config import Settings
from mwf_core.domain import events
from mwf_core.domain.enums import InvitationStatus, StageStatus
from mwf_core.domain.records import Invitation, OutboxEvent, RelationshipMember, StageProgress
from mwf_core.ports.delivery import DeliveryContext, DeliveryResult
from tests.fakes.expo import running_fake_expo

from ..test_repositories import T0, new_id
from .expo_world import ACCESS_TOKEN, BOB_TOKEN, NOW, FakePresence, World, open_world


@pytest.fixture
async def world(db_engine: Engine) -> AsyncIterator[World]:
    async with open_world(db_engine) as opened:
        yield opened


async def test_push_goes_to_the_partner_with_our_wording_and_stable_ids(world: World) -> None:
    source = world.source(
        events.PARTNER_NEEDS_SHARED,
        {
            "stage": 3,
            "sharedBy": world.alice.id,
            "needsRevealReady": False,
            "excludeUserId": world.alice.id,
        },
    )
    [row] = world.push_rows(source)
    assert row.channel == events.push_channel(world.bob.id)
    assert row.parent_id == source.id and row.stream_key == row.channel

    result = await world.deliver(row)

    assert result == DeliveryResult(True, external_id="ticket-1")
    [request] = world.expo.sends
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    [message] = request.body
    assert message["to"] == BOB_TOKEN
    assert message["title"] == "Lexi shared their needs"
    assert message["body"] == "Lexi's needs are ready to look at together."
    assert message["sound"] == "default"
    assert message["data"]["eventId"] == row.id
    assert message["data"]["screen"] == "session"
    assert message["data"]["sessionId"] == world.session_id
    assert message["data"]["event"] == events.PARTNER_NEEDS_SHARED
    assert message["data"]["sharedBy"] == world.alice.id
    assert world.presence.asked == [(world.session_id, world.bob.id)]
    receipts = await PushReceiptTable.select()
    assert [(r["id"], r["outbox_id"], r["user_id"], r["token"]) for r in receipts] == [
        ("ticket-1", row.id, world.bob.id, BOB_TOKEN)
    ]
    assert receipts[0]["check_after"] == NOW + timedelta(minutes=15)


async def test_actor_name_falls_back_to_first_name_then_name_then_they(world: World) -> None:
    async with PiccoloUnitOfWorkFactory(world.engine)() as uow:
        member = RelationshipMember(world.relationship_id, world.bob.id, T0, nickname=None)
        await uow.relationships.update_member(member)
        await uow.commit()
    payload = {"pausedBy": world.alice.id, "pausedAt": "x"}
    titles = []
    for first_name, name in (
        ("Alexandra", "Alexandra Archer"),
        (None, "Alexandra Archer"),
        (None, None),
    ):
        await world.set_user(world.alice.id, first_name=first_name, name=name)
        [row] = world.push_rows(world.source(events.SESSION_PAUSED, payload))
        assert (await world.deliver(row)).ok
        titles.append(world.expo.messages[-1]["body"])
    assert titles == [
        "Alexandra paused the session for now.",
        "Alexandra Archer paused the session for now.",
        "They paused the session for now.",
    ]


async def test_context_decides_the_wording(world: World) -> None:
    async with PiccoloUnitOfWorkFactory(world.engine)() as uow:
        await uow.invitations.add(
            Invitation(
                new_id("inv"),
                world.session_id,
                world.bob.id,
                "Lexi",
                InvitationStatus.ACCEPTED,
                T0,
                T0,
            )
        )
        await uow.progress.add(
            StageProgress(
                new_id("stp"), world.session_id, world.bob.id, 1, StageStatus.COMPLETED, T0, T0
            )
        )
        await uow.commit()
    signed = world.source(
        events.PARTNER_SIGNED_COMPACT,
        {"signedBy": world.alice.id, "triggeredByUserId": world.alice.id},
    )
    heard = world.source(
        events.PARTNER_STAGE_COMPLETED,
        {"stage": 1, "completedBy": world.alice.id, "excludeUserId": world.alice.id},
    )
    for source in (signed, heard):
        [row] = world.push_rows(source)
        assert (await world.deliver(row)).ok
    assert [m["title"] for m in world.expo.messages] == [
        "Lexi accepted your invitation",
        "Lexi feels heard too",
    ]


async def test_a_present_partner_gets_no_push(world: World) -> None:
    world.presence.present.add((world.session_id, world.bob.id))
    [row] = world.push_rows(world.source(events.SESSION_RESUMED, {"resumedBy": world.alice.id}))
    result = await world.deliver(row)
    assert result.ok and result.note == "partner present"
    assert world.expo.requests == []


@pytest.mark.parametrize(
    ("prefs", "note"),
    [
        ({"pushEnabled": False}, "skipped: pushEnabled off"),
        ({"partnerActions": False}, "skipped: partnerActions off"),
    ],
)
async def test_preferences_turn_pushes_off(world: World, prefs: dict[str, bool], note: str) -> None:
    await world.set_user(world.bob.id, notification_preferences=prefs)
    [row] = world.push_rows(
        world.source(
            events.AGREEMENT_PROPOSED, {"agreementId": "agr", "proposedBy": world.alice.id}
        )
    )
    assert await world.deliver(row) == DeliveryResult(True, note=note)
    assert world.expo.requests == []


async def test_no_token_means_no_request(world: World) -> None:
    await world.set_user(world.bob.id, push_token=None)
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    assert await world.deliver(row) == DeliveryResult(True, note="skipped: no push token")
    assert world.expo.requests == []


async def test_device_not_registered_ticket_clears_only_the_token_sent_to(world: World) -> None:
    world.expo.ticket_errors[BOB_TOKEN] = "DeviceNotRegistered"
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    result = await world.deliver(row)
    assert result == DeliveryResult(True, note="token cleared: DeviceNotRegistered")
    assert await world.token_of(world.bob.id) is None

    # Bob registered a new device meanwhile: a late answer about the old token keeps it.
    await world.set_user(world.bob.id, push_token="ExponentPushToken[bob-new]")
    assert not await world.directory.clear_token(world.bob.id, BOB_TOKEN)
    assert await world.token_of(world.bob.id) == "ExponentPushToken[bob-new]"


async def test_invalid_credentials_is_dead_and_keeps_the_token(world: World) -> None:
    world.expo.ticket_errors[BOB_TOKEN] = "InvalidCredentials"
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    result = await world.deliver(row)
    assert not result.ok and result.permanent
    assert "InvalidCredentials" in (result.error or "")
    assert await world.token_of(world.bob.id) == BOB_TOKEN


async def test_rate_limited_ticket_is_retried(world: World) -> None:
    world.expo.ticket_errors[BOB_TOKEN] = "MessageRateExceeded"
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    result = await world.deliver(row)
    assert not result.ok and not result.permanent


async def test_server_errors_are_retried_then_succeed(world: World) -> None:
    world.expo.fail_next(2, 503)
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    first = await world.deliver(row, 1)
    second = await world.deliver(row, 2)
    third = await world.deliver(row, 3)
    assert [r.ok for r in (first, second, third)] == [False, False, True]
    assert not first.permanent and "503" in (first.error or "")
    assert {m["data"]["eventId"] for m in world.expo.messages} == {row.id}


async def test_429_passes_retry_after_and_400_is_permanent(world: World) -> None:
    world.expo.fail_next(
        1,
        429,
        {"errors": [{"code": "TOO_MANY_REQUESTS", "message": "slow"}]},
        headers={"Retry-After": "7"},
    )
    world.expo.fail_next(1, 400, {"errors": [{"code": "VALIDATION_ERROR", "message": "bad"}]})
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    limited = await world.deliver(row)
    assert not limited.ok and not limited.permanent and limited.retry_after == 7.0
    invalid = await world.deliver(row)
    assert not invalid.ok and invalid.permanent


async def test_receipts_clear_dead_tokens_and_are_forgotten_once_settled(world: World) -> None:
    rows = []
    for _ in range(3):
        [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
        assert (await world.deliver(row)).ok
        rows.append(row)
    world.expo.receipt_ok("ticket-1")
    world.expo.receipt_error("ticket-2", "DeviceNotRegistered")  # ticket-3: not ready yet
    clock = {"now": NOW + timedelta(minutes=5)}
    poller = ReceiptPoller(world.transport, world.directory, now=lambda: clock["now"])

    assert await poller.poll_once() == 0  # nothing due before 15 minutes
    assert world.expo.receipt_checks == []

    clock["now"] = NOW + timedelta(minutes=16)
    assert await poller.poll_once() == 2
    [check] = world.expo.receipt_checks
    assert sorted(check.body["ids"]) == ["ticket-1", "ticket-2", "ticket-3"]
    assert await world.token_of(world.bob.id) is None
    assert [r["id"] for r in await PushReceiptTable.select(PushReceiptTable.id)] == ["ticket-3"]

    clock["now"] = NOW + timedelta(hours=25)  # never answered: given up after a day
    assert await poller.poll_once() == 1
    assert await PushReceiptTable.count() == 0


async def test_invalid_credentials_receipt_keeps_the_token(world: World) -> None:
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    assert (await world.deliver(row)).ok
    world.expo.receipt_error("ticket-1", "InvalidCredentials")
    poller = ReceiptPoller(
        world.transport, world.directory, now=lambda: NOW + timedelta(minutes=20)
    )
    assert await poller.poll_once() == 1
    assert await world.token_of(world.bob.id) == BOB_TOKEN


async def test_receipt_poller_runs_in_the_background(world: World) -> None:
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    assert (await world.deliver(row)).ok
    world.expo.receipt_ok("ticket-1")
    poller = ReceiptPoller(
        world.transport, world.directory, interval=0.05, now=lambda: NOW + timedelta(minutes=20)
    )
    poller.start()
    try:
        for _ in range(300):
            if await PushReceiptTable.count() == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await poller.stop()
    assert await PushReceiptTable.count() == 0


async def test_factory_logs_without_configuration_and_uses_expo_with_it(
    db_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    bundle = build_push(Settings(), db_engine, None)
    assert isinstance(bundle.sink, LogPushSink)
    row = OutboxEvent(
        id="e1",
        session_id="s1",
        channel="push:u1",
        name="session.paused",
        payload={},
        created_at=T0,
    )
    with caplog.at_level("INFO", logger="mwf.push"):
        result = await bundle.sink.deliver(row, DeliveryContext((), 1))
    assert result.ok and "EXPO_ACCESS_TOKEN" in (result.note or "")
    assert "session.paused to u1" in caplog.text
    bundle.start()
    await bundle.close()

    async with running_fake_expo() as expo:
        configured = build_push(Settings(expo_push_host=expo.url), db_engine, None)
        assert isinstance(configured.sink, ExpoPushSink)
        assert configured.sink.accepts(row)
        assert not configured.sink.accepts(
            OutboxEvent(
                id="e2", session_id="s1", channel="session:s1", name="x", payload={}, created_at=T0
            )
        )
        configured.start()
        await configured.close()


@pytest.mark.parametrize(
    ("token", "sent"),
    [
        ("ExpoPushToken[new-style]", True),
        ("ExponentPushToken[old-style]", True),
        ("fcm:abcdef", False),
    ],
)
async def test_both_expo_token_spellings_are_sent_and_others_skipped(
    world: World, token: str, sent: bool
) -> None:
    await world.set_user(world.bob.id, push_token=token)
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    result = await world.deliver(row)
    assert result.ok
    assert [m["to"] for m in world.expo.messages] == ([token] if sent else [])
    if not sent:
        assert result.note == "skipped: not an Expo push token"


async def test_any_presence_combines_sources_and_treats_errors_as_absent() -> None:
    class Broken:
        async def is_present(self, session_id: str, user_id: str) -> bool:
            raise RuntimeError("ably down")

    stream = FakePresence()
    combined = AnyPresence(Broken(), None, stream)
    assert not await combined.is_present("s", "u")
    stream.present.add(("s", "u"))
    assert await combined.is_present("s", "u")
    assert not await AnyPresence().is_present("s", "u")
