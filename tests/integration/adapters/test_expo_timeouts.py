"""The Expo SDK's threads and time limits (both engines): a hanging or refusing Expo is a retry
and never blocks the loop; a push left too little time - by the sink's budget or by the
dispatcher's deadline for its row - is not started, so it never reaches Expo after the
dispatcher counted it as failed (its retry sends it once); closing lets a push in flight
finish."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.outbox.config import DispatcherConfig
from mwf_core.adapters.outbox.rows import RowSender
from mwf_core.adapters.outbox.store import DELIVERED, PENDING
from mwf_core.adapters.push.expo_sink import DELIVERY_BUDGET_S, ExpoPushSink
from mwf_core.adapters.push.transport import ExpoTransport
from mwf_core.domain import events
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext

from ..test_outbox_dispatcher import FakeClock
from .expo_world import ACCESS_TOKEN, BOB_TOKEN, NOW, World, open_world

ALICE_TOKEN = "ExponentPushToken[alice-device]"


@pytest.fixture
async def world(db_engine: Engine) -> AsyncIterator[World]:
    async with open_world(db_engine) as opened:
        yield opened


async def until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not true within {seconds} s")


async def pushes_to_both(world: World) -> tuple[OutboxEvent, OutboxEvent]:
    """One push row for Bob (Alexandra paused) and one for Alexandra (Bob paused)."""
    await world.set_user(world.alice.id, push_token=ALICE_TOKEN)
    [to_bob] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    [to_alice] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.bob.id}))
    return to_bob, to_alice


def sink_on(
    world: World, transport: ExpoTransport, budget: float = DELIVERY_BUDGET_S
) -> ExpoPushSink:
    return ExpoPushSink(transport, world.directory, world.presence, now=lambda: NOW, budget=budget)


async def test_refused_connection_is_retried(world: World) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = ExpoTransport(f"http://127.0.0.1:{port}", ACCESS_TOKEN, workers=1, timeout=5)
    sink = ExpoPushSink(transport, world.directory, world.presence, now=lambda: NOW)
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    try:
        result = await sink.deliver(row, DeliveryContext(world.members, 1))
    finally:
        await sink.close()
    assert not result.ok and not result.permanent and "ConnectionError" in (result.error or "")


async def test_the_loop_stays_responsive_while_expo_hangs(world: World) -> None:
    world.expo.hang_next(1)
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    delivery = asyncio.create_task(world.deliver(row))
    for _ in range(200):
        if world.expo.sends:
            break
        await asyncio.sleep(0.02)
    # The request is in flight on an SDK thread; the loop keeps running other work.
    ticks = 0
    for _ in range(10):
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 10 and not delivery.done()
    world.expo.release_hung()
    first = await asyncio.wait_for(delivery, 30)
    assert not first.ok and not first.permanent
    # The retry sends again with the same event id: at-least-once, at most twice here.
    assert (await world.deliver(row, 2)).ok
    assert [m["data"]["eventId"] for m in world.expo.messages] == [row.id, row.id]


async def test_sdk_timeout_is_a_transient_failure(world: World) -> None:
    world.expo.hang_next(1)
    transport = ExpoTransport(world.expo.url, ACCESS_TOKEN, workers=1, timeout=0.5)
    sink = ExpoPushSink(transport, world.directory, world.presence, now=lambda: NOW)
    [row] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    try:
        result = await sink.deliver(row, DeliveryContext(world.members, 1))
    finally:
        world.expo.release_hung()
        await sink.close()
    assert not result.ok and not result.permanent and "Timeout" in (result.error or "")


async def test_a_push_is_not_started_when_the_dispatcher_would_give_up_on_it_on_the_wire(
    world: World,
) -> None:
    """One SDK thread, busy with a slow send (1.5 s). The dispatcher gives the next push only
    1.8 s (its lease is ending), less than the sink's own 8 s budget. When the thread frees up
    that push has ~0.3 s left: it is not started, so the dispatcher's cut never lands on a
    request Expo may already have acted on. The row is retried and reaches the phone once."""
    to_bob, to_alice = await pushes_to_both(world)
    transport = ExpoTransport(world.expo.url, ACCESS_TOKEN, workers=1, timeout=30)
    sink = sink_on(world, transport)
    dispatcher_rows = RowSender([sink], FakeClock(NOW), DispatcherConfig())
    world.expo.send_delay = 1.5
    try:
        first = asyncio.create_task(sink.deliver(to_bob, DeliveryContext(world.members, 1)))
        await until(lambda: world.expo.sends)  # Bob's send holds the only thread
        late = await dispatcher_rows.send(to_alice, world.members, time_limit=1.8)
        assert late.status == PENDING
        assert (await first).ok
        assert [m["to"] for m in world.expo.messages] == [BOB_TOKEN]
        world.expo.send_delay = 0.0
        retried = await dispatcher_rows.send(to_alice, world.members, time_limit=10)
        assert retried.status == DELIVERED
    finally:
        await sink.close()
    assert [m["to"] for m in world.expo.messages] == [BOB_TOKEN, ALICE_TOKEN]


async def test_a_push_left_too_little_time_by_the_queue_is_not_sent_but_retried(
    world: World,
) -> None:
    """The sink's own budget (below the dispatcher's cut) counts the wait for a thread: a push
    that gets one with too little time left is not started, and the row is retried."""
    to_bob, to_alice = await pushes_to_both(world)
    transport = ExpoTransport(world.expo.url, ACCESS_TOKEN, workers=1, timeout=30)
    patient, hurried = sink_on(world, transport), sink_on(world, transport, budget=1.8)
    world.expo.send_delay = 1.5
    try:
        first = asyncio.create_task(patient.deliver(to_bob, DeliveryContext(world.members, 1)))
        await until(lambda: world.expo.sends)
        # Alexandra's push gets the thread after ~1.5 s of its 1.8 s: too late to start.
        late = await hurried.deliver(to_alice, DeliveryContext(world.members, 1))
        assert not late.ok and not late.permanent
        assert (await first).ok
        assert [m["to"] for m in world.expo.messages] == [BOB_TOKEN]
        world.expo.send_delay = 0.0
        assert (await hurried.deliver(to_alice, DeliveryContext(world.members, 2))).ok
    finally:
        await transport.close()
    assert [m["to"] for m in world.expo.messages] == [BOB_TOKEN, ALICE_TOKEN]


async def test_closing_lets_a_push_in_flight_finish(world: World) -> None:
    [to_bob] = world.push_rows(world.source(events.SESSION_PAUSED, {"pausedBy": world.alice.id}))
    sink = sink_on(world, ExpoTransport(world.expo.url, ACCESS_TOKEN, workers=1, timeout=30))
    world.expo.send_delay = 0.5
    delivery = asyncio.create_task(sink.deliver(to_bob, DeliveryContext(world.members, 1)))
    await until(lambda: world.expo.sends)

    await sink.close()

    # Expo had answered before close() returned: the push was not cut off half-way.
    assert world.expo.answered == world.expo.sends
    assert (await delivery).ok
