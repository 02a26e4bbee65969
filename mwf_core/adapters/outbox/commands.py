"""`mwf outbox ...`: dead letters, retries, status, and a delivery-only process."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
from collections.abc import Sequence
from typing import Any

from mwf_core.adapters.push.planner import RulePushPlanner
from mwf_core.config import Settings

from .admin import OutboxAdmin, RetryReport


async def _open(settings: Settings) -> Any:
    from mwf_core.adapters.db.open import open_encrypted_database

    # Payloads may be encrypted at rest; a refused key closes the engine (and `mwf` says why).
    engine, _ = await open_encrypted_database(settings, migrate=settings.database_url is None)
    return engine


async def outbox_command(
    settings: Settings,
    action: str,
    ids: Sequence[str] = (),
    *,
    all_dead: bool = False,
    limit: int = 100,
    force: bool = False,
) -> int:
    from mwf_core.adapters.db.engine import stop_engine

    if action == "run":
        return await _run(settings)
    engine = await _open(settings)
    try:
        # The planner derives the pushes of rows unreadable when sequenced, once retried.
        admin = OutboxAdmin(engine, RulePushPlanner())
        if action == "dead":
            rows = await admin.dead(limit)
            for row in rows:
                # Never the payload: it may hold someone's private words or email address.
                print(
                    f"{row.id}\t{row.channel}\t{row.name}\tattempts={row.attempts}\t"
                    f"{row.created_at.isoformat()}\t{row.last_error or ''}"
                )
            print(f"{len(rows)} dead row(s)")
            return 0
        if action == "retry":
            if not ids and not all_dead:
                print("mwf outbox retry: give row ids, or --all-dead")
                return 2
            report = await admin.retry(None if all_dead else list(ids), force=force)
            return _print_retry(report)
        if action == "status":
            for status, count in sorted((await admin.counts()).items()):
                print(f"{status}\t{count}")
            return 0
        raise ValueError(f"unknown outbox action {action!r}")
    finally:
        await stop_engine(engine)


def _print_retry(report: RetryReport) -> int:
    if report.refused:
        print(
            f"{report.out_of_order} of {report.matched} dead row(s) are older than rows of their "
            "stream already delivered: sent now, Ably, push or email would get them after those. "
            "Nothing changed; add --force to send them anyway (they keep their seq)."
        )
        return 1
    print(f"{report.retried} row(s) back to PENDING (a running dispatcher delivers them)")
    if report.derived:
        print(
            f"{report.derived} push row(s) created for retried rows that could not be read "
            "when they were sequenced"
        )
    if report.out_of_order:
        print(
            f"{report.out_of_order} of them arrive after later rows of their stream (they keep "
            "their seq: clients ordering by seq or id place them right)"
        )
    return 0


async def _run(settings: Settings) -> int:
    """Sequence and deliver until SIGINT/SIGTERM (API processes may run MWF_DISPATCHER=off)."""
    from mwf_core.adapters.db.engine import stop_engine
    from mwf_core.adapters.system import SystemClock
    from mwf_core.wiring_delivery import Delivery, build_delivery, start_delivery

    settings = dataclasses.replace(settings, mwf_dispatcher=True)
    engine = await _open(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    delivery: Delivery | None = None
    try:
        delivery = await build_delivery(settings, engine, SystemClock())
        await start_delivery(delivery)
        print(f"outbox dispatcher {delivery.dispatcher.instance_id} running", flush=True)
        await stop.wait()
    finally:
        if delivery is not None:
            await delivery.close()
        await stop_engine(engine)
    return 0
