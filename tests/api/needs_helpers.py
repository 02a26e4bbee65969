"""Helpers for the stage-3 needs API tests: reading what the server stored and published."""

from __future__ import annotations

import json
from typing import Any

from mwf_core.domain.records import Message, OutboxEvent, StageProgress

from .harness import Stack
from .journey import Pair, deps_of
from .journey import outbox as outbox_events


async def outbox(stack: Stack, session_id: str) -> list[OutboxEvent]:
    del stack  # the outbox table is bound to the stack's engine
    return await outbox_events(session_id)


async def progress(stack: Stack, session_id: str) -> list[StageProgress]:
    async with deps_of(stack).uow() as uow:
        return await uow.progress.for_session(session_id)


async def lane(stack: Stack, session_id: str, user_id: str) -> list[Message]:
    async with deps_of(stack).uow() as uow:
        return await uow.messages.lane(session_id, user_id, 500, oldest_first=True)


def need(text: str, category: str = "SAFETY", **extra: Any) -> dict[str, Any]:
    return {"need": text, "category": category, "description": text, "evidence": [], **extra}


async def capture(stack: Stack, pair: Pair, user: str, *texts: str) -> list[dict[str, Any]]:
    data = await stack.ok("POST", pair.path("/needs/capture"), user,
                          {"needs": [need(t) for t in texts]}, status=201)
    return list(data["needs"])


async def confirm_all(stack: Stack, pair: Pair, user: str) -> list[str]:
    listed = await stack.ok("GET", pair.path("/needs"), user)
    ids = [n["id"] for n in listed["needs"]]
    await stack.ok("POST", pair.path("/needs/confirm"), user, {"needIds": ids})
    return ids


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)
