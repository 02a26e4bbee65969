"""What every use case needs, and the transaction runner that retries serialization conflicts."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mwf_core.domain.errors import ConcurrencyConflict, field_error
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.repositories import UnitOfWork, UnitOfWorkFactory
from mwf_core.ports.system import Clock, IdGenerator

T = TypeVar("T")

# Two partners acting at the same instant may collide; a handful of retries with jitter is
# enough because each transaction is short.
MAX_ATTEMPTS = 6


@dataclass(frozen=True, slots=True)
class Dependencies:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    app_url: str = "http://localhost:3000"


async def in_transaction(
    factory: UnitOfWorkFactory, work: Callable[[UnitOfWork], Awaitable[T]]
) -> T:
    """Run `work` in one transaction and commit; retry the whole of it on a conflict."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            async with factory() as uow:
                result = await work(uow)
                await uow.commit()
                return result
        except ConcurrencyConflict:
            if attempt == MAX_ATTEMPTS - 1:
                raise
            await asyncio.sleep(random.uniform(0.005, 0.02) * 2**attempt)
    raise AssertionError("unreachable")


REQUEST_ID_MAX = 128


def check_request_id(request_id: str) -> None:
    if len(request_id) > REQUEST_ID_MAX:
        raise field_error("request_id", f"request id must be at most {REQUEST_ID_MAX} characters")


def fingerprint(payload: dict[str, Any]) -> str:
    """Stable hash of a request body, to tell a retry from a different request."""
    encoded = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def new_event(
    deps: Dependencies, channel: str, name: str, session_id: str | None, payload: dict[str, Any]
) -> OutboxEvent:
    """An outbox event; every payload carries sessionId and an epoch-ms timestamp."""
    now = deps.clock.now()
    body = {"sessionId": session_id, "timestamp": int(now.timestamp() * 1000), **payload}
    return OutboxEvent(
        id=deps.ids.new_id(),
        session_id=session_id,
        channel=channel,
        name=name,
        payload=body,
        created_at=now,
    )
