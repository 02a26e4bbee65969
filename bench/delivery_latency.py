"""How soon a committed event reaches its subscribers, measured side by side in one run.

Every sample is one REST write (Bob pauses or resumes the session, one event each, see
bench.delivery_writes) timed from sending the request to the writer's REST answer and to the
event's arrival at each subscriber, all in this process's clock:

(a) an SSE subscriber (`GET /api/sessions/:id/events`, Alice) on the same stack, on SQLite and
    PostgreSQL: the ratio event/REST says how much later than the writer the partner sees it;
(b) two `mwf serve` processes on one PostgreSQL database, Alice watching on both, Bob's writes
    alternating between them: other-process/same-process is the cost of LISTEN/NOTIFY;
(c) the Ably loopback fake (tests/fakes/ably.py, the real SDK over TLS) fed by the outbox
    dispatcher, woken by the commit hook vs found only by its sweep (the hook switched off,
    each write sent at a random moment of the sweep's cycle): swept/woken shows what the
    wake-up buys, Ably/REST what delivery adds to the write;
(d) dispatcher throughput to a recording sink, rows of one session vs of several (see
    bench.delivery_throughput): per-session streams are worked in parallel.

The stack of (a) and (c) shares one process and event loop with the client, as in the API
tests. The machine is shared and noisy: read the ratios, not the milliseconds. Nothing is
asserted.

    .venv/bin/python -m bench.delivery_latency [--writes 40] [--swept 10] [--rounds 5]
        [--sessions 8] [--rows 80] [--throughput-rounds 3] [--vendor-ms 10]

PostgreSQL: as bench.turn_overhead (TEST_DATABASE_URL, else the local server; fresh
databases `mwf_bench_<hex>` created and dropped). Without a server, (b) and the PostgreSQL
lines of (a) and (d) are skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.arrivals import Arrivals, subscribe
from bench.delivery_throughput import measure_throughput
from bench.delivery_two_processes import measure_two_processes
from bench.delivery_writes import REST, PauseResume, Samples, header, line, ratio_line, timed_write
from bench.turn_overhead import admin, answers, postgres_server_url
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, both_at_stage1
from tests.fakes.ably import FakeAbly

SSE = "SSE event"
ABLY = "Ably publish"


class TimedAbly(FakeAbly):
    """The loopback fake, stamping when each accepted message arrived."""

    def __init__(self, cert_dir: Path) -> None:
        super().__init__(cert_dir)
        self.arrivals = Arrivals()

    def _publish(self, channel: str, body: Any) -> Any:
        before = len(self.accepted)
        response = super()._publish(channel, body)
        for message in self.accepted[before:]:
            self.arrivals.record(message.name or "")
        return response


def rest_post(stack: Stack, user: str):  # type: ignore[no-untyped-def]
    async def post(path: str, body: object) -> None:
        await stack.ok("POST", f"/api{path}", user, body)

    return post


@asynccontextmanager
async def fresh_postgres(server_url: str) -> AsyncIterator[str]:
    name = f"mwf_bench_{uuid.uuid4().hex[:16]}"
    await admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        await admin(
            server_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            f'DROP DATABASE IF EXISTS "{name}"',
        )


# --- (a) one stack, one SSE subscriber --------------------------------------------------------


async def measure_sse(database_url: str, scratch: Path, args: argparse.Namespace) -> Samples:
    stack = await open_stack(database_url, scratch)
    samples = Samples()
    try:
        sid = (await both_at_stage1(stack))["session_id"]
        watcher = await subscribe(
            lambda: stack.http.get(  # type: ignore[arg-type,return-value]
                f"/api/sessions/{sid}/events", headers=stack.auth("alice")
            )
        )
        try:
            toggle, post = PauseResume(sid), rest_post(stack, "bob")
            for index in range(args.warmup + args.writes):
                sample = await timed_write(post, toggle, {SSE: watcher.arrivals}, args.wait_seconds)
                if index >= args.warmup:
                    samples.add(sample)
        finally:
            await watcher.close()
    finally:
        await close_stack(stack)
    return samples


# --- (c) the dispatcher and the Ably fake ------------------------------------------------------


async def _no_kick(*_: object) -> None:
    """Stands in for the commit hook's kick: rows wait for the dispatcher's sweep."""


async def measure_ably(scratch: Path, args: argparse.Namespace) -> tuple[Samples, Samples, float]:
    fake = TimedAbly(scratch / "tls")
    await fake.start()
    saved_cert = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(fake.cert.cert_path)  # httpx reads it per client
    woken, swept = Samples(), Samples()
    try:
        stack = await open_stack(
            f"sqlite:///{scratch}/ably.sqlite3",
            scratch,
            ably_api_key=fake.key,
            ably_rest_host="127.0.0.1",
            ably_rest_port=fake.port,
            ably_tls=True,
        )
        try:
            dispatcher = stack.container.dispatcher
            sweep_seconds = dispatcher.config.sweep_seconds
            sid = (await both_at_stage1(stack))["session_id"]
            toggle, post = PauseResume(sid), rest_post(stack, "bob")
            observers = {ABLY: fake.arrivals}
            for _ in range(args.warmup):
                await timed_write(post, toggle, observers, args.wait_seconds)
            for round_ in range(args.rounds):
                for _ in range(share(args.writes, args.rounds, round_)):
                    woken.add(await timed_write(post, toggle, observers, args.wait_seconds))
                dispatcher.kick = _no_kick
                try:
                    for _ in range(share(args.swept, args.rounds, round_)):
                        # A write lands anywhere in the sweep's cycle, not just after a sweep.
                        await asyncio.sleep(random.uniform(0, sweep_seconds))
                        swept.add(await timed_write(post, toggle, observers, args.wait_seconds))
                finally:
                    del dispatcher.kick  # the commit hook's kick again
        finally:
            await close_stack(stack)
    finally:
        if saved_cert is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved_cert
        await fake.stop()
    return woken, swept, sweep_seconds


def share(total: int, rounds: int, index: int) -> int:
    """Round `index`'s part of `total` writes spread over `rounds`."""
    return total // rounds + (1 if index < total % rounds else 0)


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    logging.getLogger("mwf.outbox").setLevel(logging.ERROR)
    server = postgres_server_url()
    postgres = await answers(server)
    sse: dict[str, Samples] = {}
    rates: dict[str, dict[int, list[float]]] = {}
    two: Samples | None = None
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        (scratch / "sse").mkdir()
        sse["SQLite"] = await measure_sse(
            f"sqlite:///{scratch}/sse/bench.sqlite3", scratch / "sse", args
        )
        if postgres:
            async with fresh_postgres(server) as url:
                sse["PostgreSQL"] = await measure_sse(url, scratch, args)
            async with fresh_postgres(server) as url:
                two = await measure_two_processes(
                    url, scratch, args.writes, args.warmup, args.wait_seconds
                )
        woken, swept, sweep_seconds = await measure_ably(scratch, args)
        throughput = (args.sessions, args.rows, args.throughput_rounds, args.vendor_ms)
        rates["SQLite"] = await measure_throughput(
            f"sqlite:///{scratch}/throughput.sqlite3", *throughput
        )
        if postgres:
            async with fresh_postgres(server) as url:
                rates["PostgreSQL"] = await measure_throughput(url, *throughput)
    elapsed = time.perf_counter() - started

    print(f"Delivery latency: request sent -> REST answer, -> event (ms; {os.cpu_count()} CPUs)")
    if not postgres:
        where = urlsplit(server)._replace(netloc=urlsplit(server).netloc.rpartition("@")[2])
        print(
            f"PostgreSQL: SKIPPED - no server answers at {urlunsplit(where)} ((b), and the "
            "PostgreSQL lines of (a) and (d))"
        )
    print("(a) SSE subscriber on the writer's stack (one process, in-process client)")
    header((REST, SSE))
    for database, samples in sse.items():
        line(database, samples, (REST, SSE))
    for database, samples in sse.items():
        ratio_line(f"{database} SSE/REST", (samples, SSE), (samples, REST))
    if two is not None:
        columns = (REST, "same process", "other process")
        print("(b) two `mwf serve` processes, one PostgreSQL database, writes alternating")
        header(columns)
        line("PostgreSQL", two, columns)
        ratio_line("other/same process (NOTIFY)", (two, "other process"), (two, "same process"))
        ratio_line("same process/REST", (two, "same process"), (two, REST))
    print(
        f"(c) Ably loopback fake via the outbox dispatcher, SQLite (sweep every "
        f"{sweep_seconds:g} s)"
    )
    header((REST, ABLY))
    line("woken by the commit hook", woken, (REST, ABLY))
    line("sweep only (hook off)", swept, (REST, ABLY))
    ratio_line("swept/woken Ably", (swept, ABLY), (woken, ABLY))
    ratio_line("woken Ably/REST", (woken, ABLY), (woken, REST))
    print(
        f"(d) dispatcher throughput, {args.rows} rows to a sink answering in "
        f"{args.vendor_ms:g} ms, median of {args.throughput_rounds} rounds (rows/s)"
    )
    for database, by_count in rates.items():
        one, many = (statistics.median(by_count[n]) for n in (1, args.sessions))
        print(
            f"  {database:<11} 1 session {one:>7.0f}   {args.sessions} sessions {many:>7.0f}"
            f"   ratio {many / one:.2f}x"
        )
    print(
        f"({elapsed:.0f} s in all; nearest-rank percentiles; a ratio compares the same percentile)"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--writes", type=int, default=40, help="measured writes per line ((a), (b), woken (c))"
    )
    parser.add_argument(
        "--swept",
        type=int,
        default=10,
        help="measured sweep-only writes in (c) (each waits for the sweep)",
    )
    parser.add_argument("--warmup", type=int, default=4, help="unmeasured writes first")
    parser.add_argument("--rounds", type=int, default=5, help="woken/swept alternations in (c)")
    parser.add_argument(
        "--wait-seconds",
        type=float,
        default=15.0,
        help="seconds to wait for one event before giving up",
    )
    parser.add_argument("--sessions", type=int, default=8, help="sessions in (d)")
    parser.add_argument("--rows", type=int, default=80, help="rows per drain in (d)")
    parser.add_argument("--throughput-rounds", type=int, default=3, help="drains per cell in (d)")
    parser.add_argument(
        "--vendor-ms", type=float, default=10.0, help="the recording sink's answer time in (d)"
    )
    args = parser.parse_args()
    counts = (args.writes, args.swept, args.rounds, args.rows, args.throughput_rounds)
    if min(counts) < 1 or args.sessions < 2 or args.warmup < 0 or args.vendor_ms < 0:
        parser.error("counts must be positive and --sessions at least 2")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main(parse_args()))
