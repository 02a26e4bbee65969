"""Helpers of the empathy-exchange API tests.

Deciding that a shared statement is READY is the reconciler's job (it runs in the background
after consent). Tests of what comes after - the reveal, validation, refining - do not depend on
its verdict: `reveal_both` waits for the reconciler to settle, sets both attempts to READY
through the attempt repository (compare-and-set, like production writes), then runs the
production `reveal_if_ready` in a locked transaction.
"""

from __future__ import annotations

from typing import Any

from mwf_core.adapters.system import SystemClock
from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.ports.repositories import UnitOfWork
from mwf_core.usecases.empathy_reveal import reveal_if_ready
from mwf_core.usecases.runtime import in_transaction
from mwf_core.usecases.session_view import load_locked_context

from .harness import Stack
from .journey import Pair, deps_of
from .journey import outbox as outbox_events


async def share(stack: Stack, pair: Pair, user: str, text: str) -> dict[str, Any]:
    await stack.ok("POST", pair.path("/empathy/draft"), user,
                   {"content": text, "readyToShare": True})
    return await stack.ok("POST", pair.path("/empathy/consent"), user, {"consent": True})


async def force_status(stack: Stack, pair: Pair, uid: str, status: EmpathyStatus) -> None:
    """Test set-up only: put one attempt into `status` (see the module docstring); a status
    before the reveal (REFINING included) clears the reveal time the reconciler may have set."""
    await stack.container.reconciler.drain()

    async def work(uow: UnitOfWork) -> None:
        attempt = await uow.empathy_attempts.by_author(pair.session_id, uid)
        assert attempt is not None
        expected = attempt.status_version
        attempt.status, attempt.status_version = status, expected + 1
        # Statuses before the reveal (REFINING included) come without a reveal time.
        revealed = status in (EmpathyStatus.REVEALED, EmpathyStatus.VALIDATED)
        attempt.revealed_at = (attempt.revealed_at or SystemClock().now()) if revealed else None
        assert await uow.empathy_attempts.update(attempt, expected)

    await in_transaction(deps_of(stack).uow, work)


async def reveal_both(stack: Stack, pair: Pair) -> None:
    for uid in (pair.inviter_id, pair.invitee_id):
        await force_status(stack, pair, uid, EmpathyStatus.READY)
    deps = deps_of(stack)

    async def work(uow: UnitOfWork) -> bool:
        viewer = await uow.users.get(pair.inviter_id)
        assert viewer is not None
        context = await load_locked_context(uow, pair.session_id, viewer)
        return await reveal_if_ready(uow, deps, context)

    assert await in_transaction(deps.uow, work)


async def both_revealed(stack: Stack, pair: Pair, a_text: str, b_text: str) -> None:
    await share(stack, pair, pair.inviter, a_text)
    await share(stack, pair, pair.invitee, b_text)
    await reveal_both(stack, pair)


async def outbox(session_id: str) -> list[dict[str, Any]]:
    """The session's events as `{channel, name, payload}` dicts (JSON-dumpable), oldest first."""
    return [{"channel": e.channel, "name": e.name, "payload": e.payload}
            for e in await outbox_events(session_id)]


async def status_of(stack: Stack, pair: Pair, user: str) -> dict[str, Any]:
    return await stack.ok("GET", pair.path("/empathy/status"), user)
