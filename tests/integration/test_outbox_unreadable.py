"""A row whose payload cannot be decrypted, on both engines: it still gets its seq, derives no
push, becomes DEAD with a clear error without reaching a sink, and its stream and every other
stream go on (sequencing reads no payload). Retried once its key is back, it is delivered and
its partner gets the push it never derived."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from piccolo.engine.base import Engine

from mwf_core.adapters.crypto import FieldCipher
from mwf_core.adapters.db.encrypted_fields import use_cipher
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.adapters.outbox.admin import OutboxAdmin
from mwf_core.adapters.realtime.event_log import PiccoloEventLog
from mwf_core.domain import events
from mwf_core.domain.enums import OutboxStatus
from tests.fakes.recorder import RecordingSink

from .test_outbox_dispatcher import FakeClock, add_events, dispatcher, row
from .test_outbox_store import Planner
from .test_repositories import at, make_event, seed_pair


@pytest.fixture(autouse=True)
def encrypted_at_rest() -> Iterator[None]:
    use_cipher(FieldCipher(os.urandom(32)))
    yield
    use_cipher(None)


async def written_under_a_lost_key(
    event_id: str, lost_key: bytes | None = None, payload: dict[str, Any] | None = None
) -> None:
    """Replace the row's payload with a well-formed envelope sealed by a key nobody has."""
    foreign = FieldCipher(lost_key or os.urandom(32)).encrypt(
        json.dumps(payload or {"words": "private"}), "outbox.payload"
    )
    await OutboxTable.update({OutboxTable.payload: json.dumps(foreign)}).where(
        OutboxTable.id == event_id
    )


async def test_an_undecryptable_row_is_dead_and_no_stream_stalls(db_engine: Engine) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    before, broken, after = (
        make_event(
            sid, created_at=at(i), name=f"e.{i}", payload={"sessionId": sid, "actor": pair.a.id}
        )
        for i in range(3)
    )
    elsewhere = make_event(None, channel=events.push_channel(pair.a.id), created_at=at(0))
    await add_events(db_engine, before, broken, after, elsewhere)
    await written_under_a_lost_key(broken.id)
    sink = RecordingSink()
    worker = dispatcher(db_engine, sink, FakeClock())
    worker.planner = Planner()  # push derivation reads payloads too

    await worker.run_once()

    assert sink.delivered_ids.count(broken.id) == 0
    assert [e.id for e in sink.delivered if e.stream_key == sid] == [before.id, after.id]
    assert elsewhere.id in sink.delivered_ids
    dead = await OutboxAdmin(db_engine).dead()
    assert [(d.id, d.seq, d.attempts) for d in dead] == [(broken.id, 2, 0)]
    assert (dead[0].last_error or "").startswith("payload cannot be decrypted: no configured key")
    # Only the readable rows derived their partner's push.
    pushed = {e.parent_id for e in sink.delivered if e.parent_id}
    assert pushed == {before.id, after.id}
    assert (await row(after.id)).status is OutboxStatus.DELIVERED


async def test_sequencing_alone_passes_an_undecryptable_row(db_engine: Engine) -> None:
    sid = (await seed_pair(db_engine)).session.id
    broken, fine = make_event(sid, created_at=at(0)), make_event(sid, created_at=at(1))
    await add_events(db_engine, broken, fine)
    await written_under_a_lost_key(broken.id)
    worker = dispatcher(db_engine, RecordingSink(), FakeClock())

    await worker.sequence_all()

    seqs = {r["id"]: r["seq"] for r in await OutboxTable.select(OutboxTable.id, OutboxTable.seq)}
    assert seqs == {broken.id: 1, fine.id: 2}


async def test_the_event_log_leaves_an_undecryptable_row_out_of_the_stream(
    db_engine: Engine,
) -> None:
    sid = (await seed_pair(db_engine)).session.id
    before, broken, after = (make_event(sid, created_at=at(i)) for i in range(3))
    await add_events(db_engine, before, broken, after)
    await written_under_a_lost_key(broken.id)
    worker = dispatcher(db_engine, RecordingSink(), FakeClock())
    await worker.sequence_all()

    page = await PiccoloEventLog().read(sid, [before.channel], after_seq=0, limit=10)

    assert [(e.seq, e.id) for e in page.events] == [(1, before.id), (3, after.id)]
    assert (page.scanned_to, page.more) == (3, False)
    # Unreadable rows count as scanned: a read of only them still moves the cursor on.
    page = await PiccoloEventLog().read(sid, [before.channel], after_seq=1, limit=1)
    assert (page.events, page.scanned_to, page.more) == ((), 2, True)


async def test_a_row_retried_once_its_key_is_back_gets_the_push_it_never_derived(
    db_engine: Engine,
) -> None:
    pair = await seed_pair(db_engine)
    sid = pair.session.id
    current, lost = os.urandom(32), os.urandom(32)
    use_cipher(FieldCipher(current))
    readable, broken = (
        make_event(
            sid, created_at=at(i), name=f"e.{i}", payload={"sessionId": sid, "actor": pair.a.id}
        )
        for i in range(2)
    )
    await add_events(db_engine, readable, broken)
    await written_under_a_lost_key(broken.id, lost, broken.payload)
    sink = RecordingSink()
    worker = dispatcher(db_engine, sink, FakeClock())
    worker.planner = Planner()
    await worker.run_once()
    assert {e.parent_id for e in sink.delivered if e.parent_id} == {readable.id}
    # Ably turned the readable row down for good; its push had gone out already.
    await OutboxTable.update({OutboxTable.status: OutboxStatus.DEAD.value}).where(
        OutboxTable.id == readable.id
    )

    use_cipher(FieldCipher(current, old_keys=[lost]))  # the operator found the old key
    report = await OutboxAdmin(db_engine, Planner()).retry([readable.id, broken.id])
    await worker.run_once()

    assert (report.retried, report.derived) == (2, 1)  # no second push for the readable row
    assert sink.delivered_ids.count(broken.id) == 1
    pushes = [e for e in sink.delivered if e.parent_id]
    assert sorted(e.parent_id for e in pushes) == sorted([readable.id, broken.id])
    assert {e.channel for e in pushes} == {events.push_channel(pair.b.id)}
    assert (await row(broken.id)).status is OutboxStatus.DELIVERED
