"""Part (b) of bench.delivery_latency: two `mwf serve` processes on one PostgreSQL database.

Alice watches the session's events on both processes at once; Bob's writes alternate between
them, so each write is seen by a subscriber on the writer's process (woken by its own
sequencer) and one on the other process (woken only by LISTEN/NOTIFY: the watchers' safety
poll is set to a minute, as in tests/e2e/test_two_processes.py).
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import aiohttp

from bench.arrivals import subscribe
from bench.delivery_writes import PauseResume, Samples, timed_write
from tests.e2e.test_cli import MWF, _env, _free_port, _wait_healthy
from tests.e2e.test_two_processes import SECRET, Client


def _serve(workdir: Path, database_url: str) -> tuple[subprocess.Popen, int]:
    """`mwf serve` with its output in a file (a pipe nobody reads would fill up and block)."""
    rest, grpc_port = _free_port(), _free_port()
    workdir.mkdir()
    env = _env(
        DATABASE_URL=database_url,
        PORT=str(rest),
        GRPC_PORT=str(grpc_port),
        MWF_DEV_TOKEN_SECRET=SECRET,
        MWF_STREAM_POLL_SECONDS="60",
    )
    with open(workdir / "serve.log", "w") as log:
        process = subprocess.Popen(
            MWF + ["serve"], cwd=workdir, env=env, text=True, stdout=log, stderr=subprocess.STDOUT
        )
    return process, rest


async def _set_up_session(client: Client) -> str:
    created = await client.ok(
        "POST", "/sessions", "alice", {"inviteName": "Bob", "context": "Chores again."}
    )
    sid, invitation = created["session"]["id"], created["invitationId"]
    for path, body in (
        ("/compact/sign", {"agreed": True}),
        ("/topic-frame/confirm", None),
        ("/invitation/confirm", None),
    ):
        await client.ok("POST", f"/sessions/{sid}{path}", "alice", body)
    await client.ok("POST", f"/invitations/{invitation}/accept", "bob")
    await client.ok("POST", f"/sessions/{sid}/compact/sign", "bob", {"agreed": True})
    return sid


async def measure_two_processes(
    database_url: str, scratch: Path, writes: int, warmup: int, wait_seconds: float
) -> Samples:
    migrate = await asyncio.to_thread(
        subprocess.run,
        MWF + ["migrate"],
        cwd=scratch,
        text=True,
        capture_output=True,
        env=_env(DATABASE_URL=database_url),
    )
    if migrate.returncode != 0:
        raise RuntimeError(f"mwf migrate failed: {migrate.stderr}")
    servers = [_serve(scratch / name, database_url) for name in ("a", "b")]
    samples = Samples()
    try:
        for process, port in servers:
            await asyncio.to_thread(_wait_healthy, f"http://127.0.0.1:{port}/health", process)
        bases = [f"http://127.0.0.1:{port}/api" for _, port in servers]
        async with aiohttp.ClientSession() as http:
            clients = [Client(http, base) for base in bases]
            sid = await _set_up_session(clients[0])
            watchers = [
                await subscribe(
                    lambda base=base: http.get(  # type: ignore[misc]
                        f"{base}/sessions/{sid}/events", headers=Client.auth("alice")
                    )
                )
                for base in bases
            ]
            try:
                toggle = PauseResume(sid)
                for index in range(warmup + writes):
                    writer = index % 2  # through A, then through B
                    client = clients[writer]

                    async def post(path: str, body: object, client: Client = client) -> None:
                        await client.ok("POST", path, "bob", body)

                    sample = await timed_write(
                        post,
                        toggle,
                        {
                            "same process": watchers[writer].arrivals,
                            "other process": watchers[1 - writer].arrivals,
                        },
                        wait_seconds,
                    )
                    if index >= warmup:
                        samples.add(sample)
            finally:
                for watcher in watchers:
                    await watcher.close()
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            await asyncio.to_thread(process.wait, 60)
    return samples
