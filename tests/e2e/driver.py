"""Driving two people through the gateway in e2e tests, recording everything each one receives,
and scanning it for words that must never reach them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mwf_core.domain.records import OutboxEvent
from tests.api.harness import Stack
from tests.api.test_conversation_rest import sse


def text_of(blob: Any) -> str:
    """`blob` as lower-case text to search (JSON for anything but a string)."""
    return blob.lower() if isinstance(blob, str) else json.dumps(blob, default=str).lower()


def leaks(blob: Any, words: tuple[str, ...]) -> list[str]:
    """The `words` found in `blob` (case-insensitive)."""
    text = text_of(blob)
    return [word for word in words if word.lower() in text]


def drain(queue: asyncio.Queue[OutboxEvent]) -> list[OutboxEvent]:
    """The broker events waiting in `queue`, oldest first."""
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


class Journey:
    """Two people talking through the gateway, with everything each one receives recorded
    (and, given a broker `queue`, the events published on the way)."""

    def __init__(self, stack: Stack, session_id: str, ids: dict[str, str],
                 queue: asyncio.Queue[OutboxEvent] | None = None) -> None:
        self.stack, self.sid, self.ids, self.queue = stack, session_id, ids, queue
        self.received: dict[str, list[Any]] = {"alice": [], "bob": []}
        self.events: list[OutboxEvent] = []

    def path(self, rest: str) -> str:
        return f"/api/sessions/{self.sid}{rest}"

    async def ok(self, method: str, rest: str, user: str, body: Any = None,
                 status: int = 200) -> dict[str, Any]:
        data = await self.stack.ok(method, self.path(rest), user, body, status=status)
        self.received[user].append(data)
        return data

    async def error(self, method: str, rest: str, user: str, body: Any = None, *,
                    status: int, code: str) -> dict[str, Any]:
        got = await self.stack.error(method, self.path(rest), user, body, status=status,
                                     code=code)
        self.received[user].append(got)
        return got

    async def say(self, user: str, text: str) -> dict[str, Any]:
        got = await sse(self.stack, self.sid, user, {"content": text})
        assert got.names()[-1] == "complete", got.events
        self.received[user].append(got.events)
        return dict(got.first("complete")["metadata"])

    async def talk_until(self, user: str, lines: tuple[str, ...], key: str) -> dict[str, Any]:
        """Send lines until the mediator's captured state carries `key`; at most all lines."""
        for line in lines:
            metadata = await self.say(user, line)
            if metadata.get(key):
                return metadata
        raise AssertionError(f"{user}: the mediator never captured {key}")

    async def settle(self) -> None:
        """Wait for the background analyses, then collect what the broker published."""
        await self.stack.container.reconciler.drain()
        await asyncio.sleep(0)
        self.collect()

    def collect(self) -> None:
        if self.queue is not None:
            self.events.extend(drain(self.queue))

    def seen_by(self, user: str) -> list[Any]:
        """Everything `user` was sent: responses and the events on channels they listen to."""
        self.collect()
        channels = (f"session:{self.sid}", f"user:{self.ids[user]}")
        return [*self.received[user],
                *[(e.name, e.payload) for e in self.events if e.channel in channels]]

    async def lane(self, user: str) -> list[dict[str, Any]]:
        data = await self.ok("GET", "/messages?limit=500", user)
        return list(data["messages"])

    async def status(self, user: str) -> dict[str, Any]:
        return await self.ok("GET", "/empathy/status", user)

    async def attempt_status(self, user: str) -> str:
        return str((await self.status(user))["myAttempt"]["status"])

    async def stage(self, user: str) -> int:
        return int((await self.ok("GET", "/progress", user))["myProgress"]["stage"])

    async def share_statement(self, user: str, content: str) -> dict[str, Any]:
        await self.ok("POST", "/empathy/draft", user, {"content": content, "readyToShare": True})
        shared = await self.ok("POST", "/empathy/consent", user, {"consent": True})
        assert shared["consented"] is True
        return shared
