"""The dispatcher's SQL on both engines: gap-free sequencing (also under concurrent sequencers),
disjoint stream claims, lease expiry, push derivation, retention, dead letters, m0014 backfill."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import timedelta

import pytest
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.engine import bind_tables, engine_from_url, start_engine, stop_engine
from mwf_core.adapters.db.mapping import from_row
from mwf_core.adapters.db.migrate import _apply_one, apply_migrations, discover
from mwf_core.adapters.db.outbox_tables import OutboxStreamTable, OutboxTable
from mwf_core.adapters.outbox.admin import OutboxAdmin
from mwf_core.adapters.outbox.leases import LeaseStore
from mwf_core.adapters.outbox.store import OutboxStore, Outcome
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent

from .test_repositories import T0, at, make_event, seed_pair


async def add_events(engine: Engine, *rows: OutboxEvent) -> None:
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        for row in rows:
            await uow.outbox.add(row)
        await uow.commit()


async def stored(engine: Engine) -> dict[str, OutboxEvent]:
    rows = await OutboxTable.select().output(load_json=True)
    return {row["id"]: from_row(OutboxEvent, row) for row in rows}


async def counters() -> dict[str, int]:
    return {row["key"]: row["last_seq"] for row in await OutboxStreamTable.select()}


def seqs_by_stream(rows: dict[str, OutboxEvent]) -> dict[str, list[int | None]]:
    found: dict[str, list[int | None]] = {}
    for row in sorted(rows.values(), key=lambda r: (r.seq or 0, r.id)):
        found.setdefault(row.stream_key, []).append(row.seq)
    return found


async def test_add_fills_the_stream_key_per_channel(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    shared = make_event(sid)
    private = make_event(sid, channel=events.user_channel(pair.a.id))
    email = make_event(sid, channel=events.email_channel("inv_1"), name=events.INVITATION_EMAIL)
    push = make_event(sid, channel=events.push_channel(pair.b.id))
    loose = make_event(None, channel=events.user_channel(pair.a.id))
    await add_events(db_engine, shared, private, email, push, loose)
    rows = await stored(db_engine)
    assert rows[shared.id].stream_key == sid == rows[private.id].stream_key
    assert rows[email.id].stream_key == "email:inv_1"
    assert rows[push.id].stream_key == f"push:{pair.b.id}"
    assert rows[loose.id].stream_key == f"user:{pair.a.id}"
    assert shared.stream_key == sid  # the caller's record (given to on_commit) matches


async def test_sequence_stamps_gap_free_seqs_in_creation_order(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    later = make_event(sid, created_at=at(2))
    first = make_event(sid, created_at=at(1))
    private = make_event(sid, created_at=at(3), channel=events.user_channel(pair.b.id))
    email = make_event(sid, channel=events.email_channel("inv"), created_at=at(1))
    await add_events(db_engine, later, first, private, email)
    store = OutboxStore(db_engine)

    result = await store.sequence()

    assert result.streams == {sid: 3, "email:inv": 1}
    assert not result.more
    rows = await stored(db_engine)
    assert [rows[e.id].seq for e in (first, later, private)] == [1, 2, 3]
    assert rows[email.id].seq == 1
    assert await counters() == {sid: 3, "email:inv": 1}
    # Nothing left: a second round is a no-op; new rows continue the sequence.
    assert (await store.sequence()).streams == {}
    newer = make_event(sid, created_at=at(0))  # older timestamp, committed later: seq 4
    await add_events(db_engine, newer)
    assert (await store.sequence()).streams == {sid: 4}
    assert (await stored(db_engine))[newer.id].seq == 4


async def test_concurrent_sequencers_and_writers_leave_no_gap(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sids = [pair.session.id]
    store_a, store_b = OutboxStore(db_engine), OutboxStore(db_engine)
    written: list[OutboxEvent] = []

    async def writer(n: int) -> None:
        for i in range(n):
            batch = [
                make_event(sids[0], created_at=at(i)),
                make_event(None, channel=events.push_channel(pair.a.id), created_at=at(i)),
            ]
            written.extend(batch)
            await add_events(db_engine, *batch)
            await asyncio.sleep(0)

    async def sequencer(store: OutboxStore, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await store.sequence()
            await asyncio.sleep(0)

    stop = asyncio.Event()
    seqs = [asyncio.create_task(sequencer(s, stop)) for s in (store_a, store_b)]
    await asyncio.gather(writer(15), writer(15))
    stop.set()
    await asyncio.gather(*seqs)
    while (await store_a.sequence()).streams:
        pass

    rows = await stored(db_engine)
    assert len(rows) == len(written) == 60
    for key, found in seqs_by_stream(rows).items():
        assert found == list(range(1, len(found) + 1)), key
    assert await counters() == {sids[0]: 30, f"push:{pair.a.id}": 30}


async def sequenced_streams(engine: Engine, count: int) -> list[str]:
    keys = [f"push:usr_{i:03d}" for i in range(count)]
    await add_events(engine, *(make_event(None, channel=key, created_at=T0) for key in keys))
    await OutboxStore(engine).sequence()
    return keys


async def test_two_dispatchers_claim_disjoint_streams(db_engine: Engine) -> None:
    keys = await sequenced_streams(db_engine, 12)
    leases = LeaseStore(db_engine)
    until = T0 + timedelta(minutes=1)

    got_a, got_b = await asyncio.gather(
        leases.claim("A", T0, until, 8), leases.claim("B", T0, until, 8)
    )

    assert not set(got_a) & set(got_b)
    assert sorted(got_a + got_b) == keys  # 8 + 4, whoever came first
    assert await leases.claim("C", T0, until, 8) == []


async def test_an_expired_lease_is_claimed_again_and_renewal_needs_ownership(
    db_engine: Engine,
) -> None:
    keys = await sequenced_streams(db_engine, 2)
    leases = LeaseStore(db_engine)
    assert await leases.claim("A", T0, T0 + timedelta(seconds=1), 10) == keys
    assert (
        await leases.claim("B", T0 + timedelta(milliseconds=500), T0 + timedelta(seconds=2), 10)
        == []
    )
    assert await leases.renew("B", keys, T0 + timedelta(seconds=5)) == set()

    assert await leases.claim("B", T0 + timedelta(seconds=2), T0 + timedelta(seconds=3), 10) == keys
    # A lost them: its renewal and release change nothing.
    assert await leases.renew("A", keys, T0 + timedelta(seconds=60)) == set()
    await leases.release("A", keys[0])
    assert (
        await leases.claim(
            "C", T0 + timedelta(seconds=2, milliseconds=500), T0 + timedelta(seconds=9), 10
        )
        == []
    )
    await leases.release("B", keys[0])
    assert await leases.claim(
        "C", T0 + timedelta(seconds=2, milliseconds=500), T0 + timedelta(seconds=9), 10
    ) == [keys[0]]


async def test_a_stream_is_due_only_when_its_head_is(db_engine: Engine) -> None:
    (key,) = await sequenced_streams(db_engine, 1)
    rows = await stored(db_engine)
    (head,) = rows.values()
    store = OutboxStore(db_engine)
    leases = LeaseStore(db_engine)
    await store.record([Outcome(head.id, "PENDING", 1, "503", None, at(5))], T0)
    assert await leases.claim("A", at(4), at(6), 10) == []
    assert await leases.claim("A", at(5), at(6), 10) == [key]
    await store.record([Outcome(head.id, "DELIVERED", 2, None, "ext-1")], at(5))
    assert await leases.claim("B", at(7), at(8), 10) == []  # nothing pending
    row = (await stored(db_engine))[head.id]
    assert (row.status, row.attempts, row.external_id, row.delivered_at) == (
        OutboxStatus.DELIVERED,
        2,
        "ext-1",
        at(5),
    )


class Planner:
    """Derives one push row per partner (deterministic ids), like WP-C's planner."""

    def derive(self, event: OutboxEvent, members: Sequence[str]) -> list[OutboxEvent]:
        return [
            dataclasses.replace(
                event,
                id=f"{event.id}:push:{uid}"[:64],
                channel=events.push_channel(uid),
                stream_key="",
                parent_id=event.id,
            )
            for uid in members
            if uid != event.payload.get("actor")
        ]


async def test_sequencing_derives_push_rows_once_in_the_same_transaction(
    db_engine: Engine,
) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    source = make_event(sid, payload={"sessionId": sid, "actor": pair.a.id})
    await add_events(db_engine, source)
    store = OutboxStore(db_engine)

    first = await store.sequence(Planner())
    assert first.derived == 1 and first.more
    second = await store.sequence(Planner())
    assert second.streams == {f"push:{pair.b.id}": 1} and second.derived == 0

    rows = await stored(db_engine)
    push = rows[f"{source.id}:push:{pair.b.id}"]
    assert (push.parent_id, push.session_id, push.stream_key, push.seq) == (
        source.id,
        sid,
        f"push:{pair.b.id}",
        1,
    )
    assert push.payload == source.payload
    assert await store.members(sid) == tuple(sorted((pair.a.id, pair.b.id)))
    assert await store.members(None) == ()


async def test_retention_removes_only_settled_old_rows_and_keeps_counters(
    db_engine: Engine,
) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    old_done = make_event(sid, created_at=at(-60 * 24 * 8))
    old_dead = make_event(sid, created_at=at(-60 * 24 * 8) + timedelta(seconds=1))
    old_pending = make_event(sid, created_at=at(-60 * 24 * 8) + timedelta(seconds=2))
    fresh_done = make_event(sid, created_at=at(0))
    await add_events(db_engine, old_done, old_dead, old_pending, fresh_done)
    store = OutboxStore(db_engine)
    await store.sequence()
    await store.record(
        [
            Outcome(old_done.id, "DELIVERED", 1),
            Outcome(old_dead.id, "DEAD", 10, "gone"),
            Outcome(fresh_done.id, "DELIVERED", 1),
        ],
        at(0),
    )

    assert await store.prune(at(-60 * 24 * 7)) == 2
    assert set(await stored(db_engine)) == {old_pending.id, fresh_done.id}
    assert await counters() == {sid: 4}
    await add_events(db_engine, make_event(sid, created_at=at(1)))
    assert (await store.sequence()).streams == {sid: 5}


async def test_dead_letters_are_listed_and_retried(db_engine: Engine) -> None:
    keys = await sequenced_streams(db_engine, 3)
    rows = sorted((await stored(db_engine)).values(), key=lambda r: r.stream_key)
    store = OutboxStore(db_engine)
    leases = LeaseStore(db_engine)
    await store.record([Outcome(r.id, "DEAD", 10, f"boom {i}") for i, r in enumerate(rows)], T0)
    admin = OutboxAdmin(db_engine)
    dead = await admin.dead()
    assert {(d.id, d.last_error) for d in dead} == {(r.id, f"boom {i}") for i, r in enumerate(rows)}
    assert await leases.claim("A", T0, at(1), 10) == []

    assert (await admin.retry([rows[0].id, "missing"])).retried == 1
    assert await leases.claim("A", T0, at(1), 10) == [keys[0]]
    assert (await admin.retry()).retried == 2
    assert (await admin.retry()).retried == 0
    again = await stored(db_engine)
    assert {(r.status, r.attempts, r.next_attempt_at, r.seq) for r in again.values()} == {
        (OutboxStatus.PENDING, 0, None, 1)
    }
    assert (await admin.counts())["PENDING"] == 3


@pytest.fixture
async def engine_before_m0014(db_url: str):
    engine = engine_from_url(db_url)
    bind_tables(engine)
    await start_engine(engine)
    try:
        for name, module in discover():
            if name >= "m0014":
                break
            await _apply_one(engine, name, module)
        yield engine
    finally:
        await stop_engine(engine)


async def test_m0014_backfills_streams_and_settles_old_pending_rows(
    engine_before_m0014: Engine,
) -> None:
    engine = engine_before_m0014
    pair_rows = [
        ("evt_b", "ses_1", "session:ses_1", at(2), "PENDING"),
        ("evt_a", "ses_1", "user:usr_1", at(1), "DELIVERED"),
        ("evt_c", "ses_1", "session:ses_1", at(2), "PENDING"),
        ("evt_d", None, "user:usr_2", at(0), "PENDING"),
    ]
    for row_id, sid, channel, created, status in pair_rows:
        await engine.run_querystring(
            QueryString(
                'INSERT INTO "outbox" ("id", "session_id", "channel", "name", "payload", '
                '"created_at", "status", "attempts") VALUES ({}, {}, {}, {}, {}, {}, {}, 0)',
                row_id,
                sid,
                channel,
                "x.y",
                "{}",
                created,
                status,
            )
        )

    assert await apply_migrations(engine) == [name for name, _ in discover() if name >= "m0014"]

    rows = await stored(engine)
    found = {r.id: (r.stream_key, r.seq, r.status.value, r.last_error) for r in rows.values()}
    assert found == {
        "evt_a": ("ses_1", 1, "DELIVERED", None),
        "evt_b": ("ses_1", 2, "DELIVERED", "before m0014"),
        "evt_c": ("ses_1", 3, "DELIVERED", "before m0014"),
        "evt_d": ("user:usr_2", 1, "DELIVERED", "before m0014"),
    }
    assert await counters() == {"ses_1": 3, "user:usr_2": 1}
    await add_events(engine, make_event("ses_1", id="evt_e", channel="session:ses_1"))
    assert (await OutboxStore(engine).sequence()).streams == {"ses_1": 4}
