"""The receipt check: Expo confirms a push only in a receipt, available ~15 minutes after the
ticket. A DeviceNotRegistered receipt clears the token (if unchanged); a checked receipt, or
one still missing after a day, is forgotten."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .directory import PushDirectory
from .expo_sink import DEVICE_NOT_REGISTERED, INVALID_CREDENTIALS
from .transport import ExpoTransport

log = logging.getLogger("mwf.push")

POLL_SECONDS = 60.0
BATCH = 1000  # Expo's limit per getReceipts call
GIVE_UP_AFTER = timedelta(hours=24)


class ReceiptPoller:
    def __init__(
        self,
        transport: ExpoTransport,
        directory: PushDirectory,
        interval: float = POLL_SECONDS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._transport = transport
        self._directory = directory
        self._interval = interval
        self._now = now
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin polling on the running loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="expo-receipts")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("push receipts: check failed (tried again later)")
            await asyncio.sleep(self._interval)

    async def poll_once(self) -> int:
        """Check the due receipts once; returns how many were settled."""
        now = self._now()
        due = await self._directory.due_receipts(now, BATCH)
        if not due:
            return 0
        receipts = {r.id: r for r in await self._transport.receipts(due)}
        settled: list[str] = []
        for pending in due:
            receipt = receipts.get(pending.id)
            if receipt is None:
                if pending.created_at <= now - GIVE_UP_AFTER:
                    settled.append(pending.id)
                continue
            settled.append(pending.id)
            if receipt.is_success():
                continue
            error = (receipt.details or {}).get("error")
            if error == DEVICE_NOT_REGISTERED:
                await self._directory.clear_token(pending.user_id, pending.token)
            elif error == INVALID_CREDENTIALS:
                log.error(
                    "push receipt %s: InvalidCredentials - check the app's FCM/APNs "
                    "credentials in Expo; the token is kept",
                    pending.id,
                )
            else:
                log.warning("push receipt %s: %s %s", pending.id, error, receipt.message)
        await self._directory.delete_receipts(settled)
        return len(settled)


class NoReceipts:
    """Stands in for the poller when pushes are only logged."""

    def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def poll_once(self) -> int:
        return 0
