"""`mwf outbox retry` as an operator runs it (a real process) on both engines: a dead row that
later rows of its stream overtook is only retried with --force, the command says how many would
arrive out of order, and a retried row keeps its seq; a retried row that derived no push when
it was sequenced (it could not be read then) gets its push."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from piccolo.engine.base import Engine

from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.outbox.store import DEAD, DELIVERED, OutboxStore, Outcome
from mwf_core.adapters.push import push_row_id
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent
from tests.fakes.recorder import RecordingSink

from .test_outbox_dispatcher import FakeClock, add_events, dispatcher, row, session_events
from .test_repositories import T0, make_event, seed_pair

ROOT = Path(__file__).resolve().parents[2]


async def mwf(db_url: str, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MWF_", "FIELD_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=db_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mwf.cli",
        *args,
        env=env,
        cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def settled(engine: Engine, *outcomes: tuple[OutboxEvent, str]) -> None:
    store = OutboxStore(engine)
    await store.sequence()
    await store.record([Outcome(e.id, status, 3, "ably: 503") for e, status in outcomes], T0)


async def test_retry_refuses_rows_that_would_arrive_out_of_order_unless_forced(
    db_engine: Engine, db_url: str
) -> None:
    pair = await seed_pair(db_engine)
    overtaken, later, latest = session_events(pair.session.id, 3)
    last_push = make_event(None, channel=events.push_channel(pair.a.id))
    await add_events(db_engine, overtaken, later, latest, last_push)
    await settled(
        db_engine, (overtaken, DEAD), (later, DELIVERED), (latest, DELIVERED), (last_push, DEAD)
    )

    code, said = await mwf(db_url, "outbox", "retry", "--all-dead")
    assert code == 1
    assert "1 of 2 dead row(s) are older than rows of their stream already delivered" in said
    assert "--force" in said
    assert {(await row(e.id)).status for e in (overtaken, last_push)} == {OutboxStatus.DEAD}

    code, said = await mwf(db_url, "outbox", "retry", last_push.id)  # nothing overtook it
    assert code == 0
    assert "1 row(s) back to PENDING" in said and "arrive after" not in said
    assert (await row(last_push.id)).status is OutboxStatus.PENDING

    code, said = await mwf(db_url, "outbox", "retry", overtaken.id, "--force")
    assert code == 0
    assert "1 row(s) back to PENDING" in said
    assert "1 of them arrive after later rows of their stream (they keep their seq" in said
    retried = await row(overtaken.id)
    assert (retried.status, retried.seq, retried.attempts, retried.last_error) == (
        OutboxStatus.PENDING,
        1,
        0,
        "ably: 503",
    )

    sink = RecordingSink()
    await dispatcher(db_engine, sink, FakeClock()).run_once()
    assert sorted((e.id, e.seq) for e in sink.delivered) == sorted(
        [(overtaken.id, 1), (last_push.id, 1)]
    )


async def test_retry_help_explains_the_order_and_force(db_url: str) -> None:
    code, said = await mwf(db_url, "outbox", "retry", "--help")
    assert code == 0
    assert "keep their seq" in said and "--force" in said


async def test_retry_derives_the_push_a_row_never_derived(db_engine: Engine, db_url: str) -> None:
    pair = await seed_pair(db_engine)
    paused = make_event(
        pair.session.id, name=events.SESSION_PAUSED, payload={"pausedBy": pair.a.id}
    )
    await add_events(db_engine, paused)
    await settled(db_engine, (paused, DEAD))  # sequenced without deriving, as if unreadable

    code, said = await mwf(db_url, "outbox", "retry", paused.id)
    assert code == 0
    assert "1 push row(s) created for retried rows that could not be read" in said
    [push] = await OutboxTable.select(OutboxTable.id, OutboxTable.channel).where(
        OutboxTable.parent_id == paused.id
    )
    assert push == {"id": push_row_id(paused.id, pair.b.id), "channel": f"push:{pair.b.id}"}

    # Dead again (say Ably refused it): a second retry derives no second push.
    await OutboxStore(db_engine).record([Outcome(paused.id, DEAD, 1, "ably: 400")], T0)
    code, said = await mwf(db_url, "outbox", "retry", paused.id)
    assert code == 0 and "1 row(s) back to PENDING" in said
    assert "push row(s) created" not in said
    children = await OutboxTable.select(OutboxTable.id).where(OutboxTable.parent_id == paused.id)
    assert len(children) == 1
