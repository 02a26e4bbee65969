"""The server's own overhead of a conversation turn, with a model that answers instantly.

For SQLite and PostgreSQL, over REST (server-sent events through the gateway) and direct gRPC
(ConversationService.SendMessage), at each concurrency level: the time from sending a message
to its first `chunk` event and to its `complete` event. With `bench.instant_model` in place of
the mediator, that is database writes (the turn's transactions and its telemetry rows), reading the
lane, prompt building, the crisis check and the gRPC/SSE framing - nothing else.

Concurrency c means c streams in flight at once, each on a session of its own (a closed loop of
c workers; worker i always sends in session i, as its two people in turn), for the whole time
any measured turn runs. Sessions are set up beforehand (both people at stage 1), outside the
timed part; lanes grow during the run (a turn reads at most the last 60 messages). REST and
gRPC rounds are interleaved within one run so both see the same machine noise; the databases
run one after the other (the tables bind to one engine per process). Client, gateway and gRPC
server share one process and one event loop, as in the API tests: figures are for comparing,
and this machine is shared, so the ratios mean more than the milliseconds. Nothing is
asserted.

    .venv/bin/python -m bench.turn_overhead [--turns 40] [--warmup 5] [--concurrency 1,20]

PostgreSQL: TEST_DATABASE_URL (a server URL whose user may CREATE DATABASE), else
postgresql://postgres@127.0.0.1:5432/postgres; a fresh database `mwf_bench_<hex>` is created
and dropped at the end. Skipped, with a line saying so, when no server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import math
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.instant_model import instant_model_for
from mwf.v1 import conversation_service_pb2 as conv
from mwf.v1 import conversation_service_pb2_grpc as conv_grpc
from mwf_core.adapters.db.engine import POOL_MAX_SIZE
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import Stack, both_at_stage1

LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TRANSPORTS = ("gRPC", "REST")
SQLITE_SYNC = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
MESSAGE = "Nobody at home notices what I do, and I am tired of asking for help."


@dataclass
class Sample:
    first_chunk: float
    complete: float


@dataclass
class Cell:
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def pct(self, attribute: str, q: float) -> float:
        """Nearest-rank percentile, in ms."""
        values = sorted(getattr(s, attribute) for s in self.samples)
        if not values:
            return math.nan
        return values[max(0, math.ceil(q * len(values)) - 1)] * 1000


Lane = tuple[str, str]  # (session id, user)
Turn = Callable[[Lane], Awaitable[Sample]]


# --- one turn over each transport ---------------------------------------------------------


def grpc_turn(stack: Stack) -> Turn:
    stub = conv_grpc.ConversationServiceStub(stack.channel)

    async def turn(lane: Lane) -> Sample:
        session_id, user = lane
        request = conv.SendMessageRequest(session_id=session_id, content=MESSAGE,
                                          request_id=uuid.uuid4().hex)
        started = time.perf_counter()
        first = done = None
        call = stub.SendMessage(request, metadata=stack.metadata(user))
        async for reply in call:
            kind = reply.WhichOneof("event")
            if kind == "chunk" and first is None:
                first = time.perf_counter()
            elif kind == "complete":
                done = time.perf_counter()
            elif kind == "error":
                raise RuntimeError(f"error event: {reply.error.message}")
        if first is None or done is None:
            raise RuntimeError("stream ended without chunk and complete")
        return Sample(first - started, done - started)

    return turn


def rest_turn(stack: Stack) -> Turn:
    async def turn(lane: Lane) -> Sample:
        session_id, user = lane
        body = json.dumps({"content": MESSAGE, "requestId": uuid.uuid4().hex})
        headers = {**stack.auth(user), "Content-Type": "application/json"}
        started = time.perf_counter()
        first = done = None
        response = await stack.http.post(f"/api/sessions/{session_id}/messages/stream",
                                         data=body, headers=headers)
        try:
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {await response.text()}")
            event = ""
            async for raw in response.content:  # one line at a time, as the frames arrive
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    if event == "chunk" and first is None:
                        first = time.perf_counter()
                    elif event == "complete":
                        done = time.perf_counter()
                    elif event == "error":
                        raise RuntimeError(f"error event: {line}")
                    json.loads(line.removeprefix("data: "))  # a client decodes every frame
        finally:
            response.release()
        if first is None or done is None:
            raise RuntimeError("stream ended without chunk and complete")
        return Sample(first - started, done - started)

    return turn


# --- rounds -------------------------------------------------------------------------------


async def run_round(turn: Turn, lanes: list[list[Lane]], concurrency: int, count: int,
                    cell: Cell | None) -> None:
    """`count` measured turns with exactly `concurrency` streams in flight throughout.

    A closed loop: worker i sends in session i (its two people in turn) again and again.
    With c > 1 each worker's first turn only fills the pipeline, and workers keep sending
    unmeasured turns until the last measured one is complete, so no measured turn runs with
    fewer than c streams around it. Samples go to `cell` (None: warm-up)."""
    state = {"started": 0, "done": 0}
    finished = asyncio.Event()

    async def worker(index: int) -> None:
        own = itertools.cycle(lanes[index])
        filling = concurrency > 1
        while not finished.is_set():
            measured = not filling and state["started"] < count
            filling = False
            if measured:
                state["started"] += 1
            try:
                sample = await turn(next(own))
            except Exception as error:  # reported, never hidden
                sample = None
                if measured and cell is not None:
                    cell.failures.append(repr(error))
            if not measured:
                continue
            if sample is not None and cell is not None:
                cell.samples.append(sample)
            state["done"] += 1
            if state["done"] >= count:
                finished.set()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))


async def measure(stack: Stack, levels: list[int], turns: int, warmup: int,
                  rounds: int) -> dict[tuple[int, str], Cell]:
    stack.container.conversation._llm = instant_model_for(stack.container)  # type: ignore[attr-defined]
    sessions = max(levels)
    lanes: list[list[Lane]] = []
    for i in range(sessions):  # setup, not timed
        inviter, invitee = f"bench-a{i}", f"bench-b{i}"
        ids = await both_at_stage1(stack, inviter, invitee)
        lanes.append([(ids["session_id"], inviter), (ids["session_id"], invitee)])
    do = {"gRPC": grpc_turn(stack), "REST": rest_turn(stack)}
    for c in levels:
        for name in TRANSPORTS:
            await run_round(do[name], lanes, c, max(warmup, c), None)

    cells = {(c, name): Cell() for c in levels for name in TRANSPORTS}
    # Per level: rounds of at least c measured turns; REST and gRPC alternate, and which
    # goes first alternates too.
    plan: dict[int, tuple[int, int]] = {}
    for c in levels:
        size = max(c, math.ceil(turns / rounds))
        plan[c] = (size, math.ceil(turns / size))
    for r in range(max(n for _, n in plan.values())):
        order = TRANSPORTS if r % 2 == 0 else TRANSPORTS[::-1]
        for c in levels:
            size, needed = plan[c]
            if r >= needed:
                continue
            for name in order:
                await run_round(do[name], lanes, c, size, cells[(c, name)])
    await stack.container.telemetry.flush()
    return cells


# --- databases ----------------------------------------------------------------------------


def postgres_server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or LOCAL_POSTGRES_URL


async def answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except Exception:
        return False
    await connection.close()
    return True


async def admin(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(server_url, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


Result = tuple[str, dict[tuple[int, str], Cell]]  # (settings that matter, cells)


async def bench_sqlite(args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory() as scratch:
        path = f"{scratch}/bench.sqlite3"
        stack = await open_stack(f"sqlite:///{path}", Path(scratch))
        try:
            with closing(sqlite3.connect(path)) as db:  # what each new connection gets
                journal = db.execute("PRAGMA journal_mode").fetchone()[0]
                sync = SQLITE_SYNC.get(db.execute("PRAGMA synchronous").fetchone()[0], "?")
            about = (f"SQLite {sqlite3.sqlite_version}, journal_mode={journal}, "
                     f"synchronous={sync}, local temp file")
            return about, await measure(stack, args.levels, args.turns, args.warmup, args.rounds)
        finally:
            await close_stack(stack)


async def bench_postgres(server_url: str, args: argparse.Namespace) -> Result:
    name = f"mwf_bench_{uuid.uuid4().hex[:16]}"
    await admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
        with tempfile.TemporaryDirectory() as scratch:
            stack = await open_stack(url, Path(scratch))
            try:
                connection = await asyncpg.connect(url, timeout=10)
                try:
                    shown = [await connection.fetchval(f"SHOW {setting}")
                             for setting in ("server_version", "fsync", "synchronous_commit")]
                finally:
                    await connection.close()
                host = urlsplit(server_url).hostname
                about = (f"PostgreSQL {shown[0].split()[0]} at {host}, fsync={shown[1]}, "
                         f"synchronous_commit={shown[2]}, pool of {POOL_MAX_SIZE}")
                return about, await measure(stack, args.levels, args.turns, args.warmup,
                                            args.rounds)
            finally:
                await close_stack(stack)
    finally:
        await admin(server_url,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
                    f'DROP DATABASE IF EXISTS "{name}"')


# --- report -------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 and not math.isnan(a) else "-"


def report(results: dict[str, dict[tuple[int, str], Cell]], levels: list[int]) -> None:
    """One line per (database, concurrency, transport), then the ratios of the same
    percentile: REST/gRPC under each block, PostgreSQL/SQLite at the end."""
    metrics = (("first_chunk", "first chunk"), ("complete", "complete"))
    head = "  ".join(f"{label + ' p50/p95':>22}" for _, label in metrics)
    print(f"{'database':<10} {'conc':>4} {'transport':<11} {'n':>4}  {head}")

    def figures(cell: Cell) -> str:
        return "  ".join(
            f"{cell.pct(m, 0.5):>10.2f} /{cell.pct(m, 0.95):>8.2f} ms" for m, _ in metrics)

    def ratios(top: Cell, bottom: Cell) -> str:
        return "  ".join(
            f"{ratio(top.pct(m, 0.5), bottom.pct(m, 0.5)):>10} /"
            f"{ratio(top.pct(m, 0.95), bottom.pct(m, 0.95)):>8}   " for m, _ in metrics)

    for database, cells in results.items():
        for c in levels:
            for name in TRANSPORTS:
                cell = cells[(c, name)]
                print(f"{database:<10} {c:>4} {name:<11} {len(cell.samples):>4}  "
                      f"{figures(cell)}")
            print(f"{'':<10} {c:>4} {'REST/gRPC':<11} {'':>4}  "
                  f"{ratios(cells[(c, 'REST')], cells[(c, 'gRPC')])}")
    if "SQLite" in results and "PostgreSQL" in results:
        for c in levels:
            for name in TRANSPORTS:
                print(f"{'PG/SQLite':<10} {c:>4} {name:<11} {'':>4}  "
                      f"{ratios(results['PostgreSQL'][(c, name)], results['SQLite'][(c, name)])}")
    for database, cells in results.items():
        for (c, name), cell in cells.items():
            if cell.failures:
                print(f"{database} c={c} {name}: {len(cell.failures)} failed turns, first: "
                      f"{cell.failures[0]}")


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    results: dict[str, dict[tuple[int, str], Cell]] = {}
    about: list[str] = []
    about_sqlite, results["SQLite"] = await bench_sqlite(args)
    about.append(about_sqlite)
    server = postgres_server_url()
    if not await answers(server):
        where = urlsplit(server)._replace(netloc=urlsplit(server).netloc.rpartition("@")[2])
        about.append(f"PostgreSQL: SKIPPED - no server answers at {urlunsplit(where)} "
                     "(set TEST_DATABASE_URL to a server whose user may CREATE DATABASE)")
    else:
        about_postgres, results["PostgreSQL"] = await bench_postgres(server, args)
        about.append(about_postgres)
    elapsed = time.perf_counter() - started
    print("Turn overhead with an instant model: request -> first `chunk` and -> `complete`")
    print(f"{args.turns} measured turns per cell after max({args.warmup}, c) warm-up; "
          "c streams in flight on c sessions;")
    print(f"client, gateway and gRPC server in one process on {os.cpu_count()} CPUs")
    for line in about:
        print(f"  {line}")
    report(results, args.levels)
    print(f"({elapsed:.0f} s in all; nearest-rank percentiles; a ratio compares the same "
          "percentile,")
    print(" below 1x the first named is faster)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=40, help="measured turns per cell")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured turns per cell")
    parser.add_argument("--rounds", type=int, default=4,
                        help="REST/gRPC alternations per cell (fewer when a round must "
                             "hold at least `concurrency` turns)")
    parser.add_argument("--concurrency", default="1,20",
                        help="comma-separated concurrency levels")
    args = parser.parse_args()
    args.levels = sorted({int(part) for part in args.concurrency.split(",") if part.strip()})
    if not args.levels or min(args.levels) < 1 or args.turns < 1 or args.rounds < 1:
        parser.error("--concurrency levels, --turns and --rounds must be positive")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main(parse_args()))
