"""Two `mwf serve` processes on one PostgreSQL database: an event caused through process A
reaches an SSE subscriber on process B through LISTEN/NOTIFY (the safety poll is set to a
minute, so only a notification can bring it within the test's timeout), and when B's LISTEN
connection is killed, B reconnects and nothing is lost."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from mwf_core.adapters.auth import mint_dev_token

from .test_cli import MWF, _env, _free_port, _wait_healthy

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]

SECRET = "two-processes-secret-0123456789abcdefghij"
# Well under the heartbeat (15 s, when a quiet watcher reads the log anyway) and the safety
# poll (60 s here): an event seen within it came by NOTIFY and a poke.
NOTIFIED_WITHIN = 12.0


def _serve(tmp_path: Path, name: str, database_url: str) -> tuple[subprocess.Popen, int]:
    rest, grpc_port = _free_port(), _free_port()
    workdir = tmp_path / name
    workdir.mkdir()
    env = _env(DATABASE_URL=database_url, PORT=str(rest), GRPC_PORT=str(grpc_port),
               MWF_DEV_TOKEN_SECRET=SECRET, MWF_STREAM_POLL_SECONDS="60")
    process = subprocess.Popen(MWF + ["serve"], cwd=workdir, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return process, rest


class Client:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    @staticmethod
    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_dev_token(SECRET, user, name=user.title())}"}

    async def ok(self, method: str, path: str, user: str, body: Any = None) -> Any:
        async with self.http.request(method, self.base + path, headers=self.auth(user),
                                     json=body) as response:
            payload = await response.json()
            assert response.status in (200, 201), (method, path, payload)
            return payload["data"]


async def _next_event(stream: aiohttp.ClientResponse, name: str,
                      seconds: float) -> dict[str, str]:
    """The next event called `name` (earlier ones, e.g. the tail of the setup, are passed)."""
    async with asyncio.timeout(seconds):
        while True:
            block = (await stream.content.readuntil(b"\n\n")).decode()
            fields = dict(line.split(": ", 1) for line in block.strip().split("\n")
                          if line and not line.startswith(":") and ": " in line)
            if fields.get("event") == name and "id" in fields:
                return fields


async def _listener_pids(database_url: str, process_pid: int) -> list[int]:
    database = urllib.parse.urlsplit(database_url).path.lstrip("/")
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
            database, f"mwf-listener-{process_pid}")
        return [row["pid"] for row in rows]
    finally:
        await connection.close()


async def _kill_listener(database_url: str, process_pid: int) -> None:
    pids: list[int] = []
    async with asyncio.timeout(30):
        while not pids:
            pids = await _listener_pids(database_url, process_pid)
            await asyncio.sleep(0.1)
    connection = await asyncpg.connect(database_url)
    try:
        for pid in pids:
            await connection.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()


async def test_an_event_through_a_reaches_sse_on_b(postgres_url: str, tmp_path: Path) -> None:
    migrate = await asyncio.to_thread(
        subprocess.run, MWF + ["migrate"], cwd=tmp_path, text=True, capture_output=True,
        env=_env(DATABASE_URL=postgres_url))
    assert migrate.returncode == 0, migrate.stderr
    a, a_port = _serve(tmp_path, "a", postgres_url)
    b, b_port = _serve(tmp_path, "b", postgres_url)
    outputs: dict[str, str] = {}
    try:
        await asyncio.to_thread(_wait_healthy, f"http://127.0.0.1:{a_port}/health", a)
        await asyncio.to_thread(_wait_healthy, f"http://127.0.0.1:{b_port}/health", b)
        async with aiohttp.ClientSession() as http:
            via_a = Client(http, f"http://127.0.0.1:{a_port}/api")
            created = await via_a.ok("POST", "/sessions", "alice",
                                     {"inviteName": "Bob", "context": "Chores again."})
            sid, invitation = created["session"]["id"], created["invitationId"]
            for path, body in (("/compact/sign", {"agreed": True}), ("/topic-frame/confirm",
                               None), ("/invitation/confirm", None)):
                await via_a.ok("POST", f"/sessions/{sid}{path}", "alice", body)
            await via_a.ok("POST", f"/invitations/{invitation}/accept", "bob")
            await via_a.ok("POST", f"/sessions/{sid}/compact/sign", "bob", {"agreed": True})

            stream = await http.get(f"http://127.0.0.1:{b_port}/api/sessions/{sid}/events",
                                    headers=Client.auth("alice"))
            try:
                assert stream.status == 200
                assert await stream.content.readuntil(b"\n\n") == b"retry: 3000\n\n"
                opening = await stream.content.readuntil(b"\n\n")
                assert opening.startswith(b": keep-alive\nid: ")  # with the stream's cursor

                await via_a.ok("POST", f"/sessions/{sid}/pause", "bob", {"reason": "tea"})
                paused = await _next_event(stream, "session.paused", NOTIFIED_WITHIN)
                assert json.loads(paused["data"])["sessionId"] == sid

                # B's LISTEN connection dies; an event committed meanwhile is not lost.
                await _kill_listener(postgres_url, b.pid)
                await via_a.ok("POST", f"/sessions/{sid}/resume", "bob")
                resumed = await _next_event(stream, "session.resumed", NOTIFIED_WITHIN)
                assert int(resumed["id"]) == int(paused["id"]) + 1  # gap-free, nothing lost

                await via_a.ok("POST", f"/sessions/{sid}/pause", "alice", {"reason": "later"})
                again = await _next_event(stream, "session.paused", NOTIFIED_WITHIN)
                assert int(again["id"]) == int(resumed["id"]) + 1  # listening again
            finally:
                stream.close()
    finally:
        for name, process in (("a", a), ("b", b)):
            process.terminate()
            outputs[name] = process.communicate(timeout=60)[0]
    assert a.returncode == 0 and b.returncode == 0, outputs
    assert "LISTEN connection restored" in outputs["b"], outputs["b"]
