"""Telemetry sinks: the database one (queued, batched, never in the caller's way) and an
in-memory one for tests.

    sink = DatabaseTelemetrySink(engine)
    sink.start()                 # inside the running event loop
    sink.record(activity)        # returns at once, never raises
    await sink.flush()           # everything recorded so far is written (or given up on)
    await sink.stop()            # flushes, then ends the writer task

`record` puts the row on a bounded in-memory queue; when the queue is full the OLDEST row is
dropped (counted in `dropped`, with a warning log) so a slow database can never block a model
call. A background task writes batches, each in a transaction of its own - never the caller's
unit of work, even when `record` is called inside one: the writer runs in an empty context, so
Piccolo's current-transaction variable is unset there. A failed write is retried a few times
with backoff, then the batch's rows are tried one by one (one bad row must not sink the rest);
a row that still fails is logged without its prompt and response text, counted in `failed` and
dropped. Nothing ever propagates to the caller.

Rows are lost if the process dies with rows still queued: telemetry is best effort.
`record` must be called from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
from collections import deque
from collections.abc import Coroutine, Sequence
from typing import Any

from piccolo.engine.base import Engine

from mwf_core.adapters.db.telemetry_repository import PiccoloTelemetryRepository
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWork
from mwf_core.domain.telemetry import BrainActivity

log = logging.getLogger(__name__)

DEFAULT_MAX_QUEUE = 10_000
DEFAULT_BATCH_SIZE = 200
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_DELAY_S = 0.2
# A full queue logs its first drop, then one line per this many drops (not one per row).
DROP_LOG_EVERY = 100


def loggable(activity: BrainActivity) -> dict[str, Any]:
    """The row's fields for a log line: never the prompt or the response text."""
    fields = dataclasses.asdict(activity)
    fields.pop("prompt", None)
    fields.pop("response", None)
    return fields


class DatabaseTelemetrySink:
    """`TelemetrySink` writing to the `brain_activity` table from a background task."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_delay_s: float = DEFAULT_RETRY_DELAY_S,
    ) -> None:
        if max_queue < 1 or batch_size < 1 or max_attempts < 1:
            raise ValueError("max_queue, batch_size and max_attempts must be at least 1")
        self._engine = engine
        self._repository = PiccoloTelemetryRepository()
        self._max_queue = max_queue
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._retry_delay_s = retry_delay_s
        self._queue: deque[BrainActivity] = deque()
        self._writing = 0  # rows taken off the queue and not yet written or given up on
        self._wakeup = asyncio.Event()
        self._drained = asyncio.Event()  # set <=> queue empty and nothing being written
        self._drained.set()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0  # rows pushed out of a full queue
        self.failed = 0  # rows given up on after write errors
        self.written = 0

    @property
    def pending(self) -> int:
        return len(self._queue) + self._writing

    # -- the port ------------------------------------------------------------------------

    def record(self, activity: BrainActivity) -> None:
        try:
            if len(self._queue) >= self._max_queue:
                oldest = self._queue.popleft()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % DROP_LOG_EVERY == 0:
                    log.warning(
                        "telemetry queue full (%d rows): dropped the oldest row %s "
                        "(%d dropped so far)",
                        self._max_queue,
                        oldest.id,
                        self.dropped,
                    )
            self._queue.append(activity)
            self._drained.clear()
            self._wakeup.set()
        except Exception:  # never let telemetry break the call it describes
            log.exception("telemetry: could not queue a row")

    async def flush(self) -> None:
        while self._queue or self._writing:
            if self._running():
                await self._drained.wait()
            else:
                # No writer task (not started, or stopped): write here, still outside the
                # caller's transaction.
                await _in_empty_context(self._drain())

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer task (idempotent); call from inside the running event loop."""
        if self._running():
            return
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="telemetry-writer", context=contextvars.Context()
        )
        if self._queue:
            self._wakeup.set()

    async def stop(self) -> None:
        """Write what is queued, then end the writer task."""
        await self.flush()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # we are being cancelled ourselves, not just the writer

    def _running(self) -> bool:
        return self._task is not None and not self._task.done()

    # -- writing -------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            try:
                await self._drain()
            except Exception:  # a bug here must not end the writer (flush would wait forever)
                log.exception("telemetry writer: unexpected error")

    async def _drain(self) -> None:
        try:
            while self._queue:
                count = min(self._batch_size, len(self._queue))
                batch = [self._queue.popleft() for _ in range(count)]
                self._writing += count
                try:
                    await self._write(batch)
                finally:
                    self._writing -= count
        finally:
            if not self._queue and not self._writing:
                self._drained.set()

    async def _write(self, batch: Sequence[BrainActivity]) -> None:
        error: Exception | None = None
        for attempt in range(1, self._max_attempts + 1):
            try:
                await self._insert(batch)
            except Exception as exc:
                error = exc
                log.warning(
                    "telemetry: writing %d rows failed (attempt %d of %d): %r",
                    len(batch),
                    attempt,
                    self._max_attempts,
                    exc,
                )
                if attempt < self._max_attempts:
                    await asyncio.sleep(self._retry_delay_s * 2 ** (attempt - 1))
            else:
                self.written += len(batch)
                return
        if len(batch) == 1:
            self._give_up(batch[0], error)
            return
        for activity in batch:  # isolate the row(s) at fault: one try each
            try:
                await self._insert([activity])
            except Exception as exc:
                self._give_up(activity, exc)
            else:
                self.written += 1

    async def _insert(self, batch: Sequence[BrainActivity]) -> None:
        async with PiccoloUnitOfWork(self._engine) as uow:
            await self._repository.insert_many(batch)
            await uow.commit()

    def _give_up(self, activity: BrainActivity, error: Exception | None) -> None:
        self.failed += 1
        log.error(
            "telemetry: dropped a row that could not be written (%r): %s",
            error,
            loggable(activity),
        )


async def _in_empty_context(coro: Coroutine[Any, Any, None]) -> None:
    await asyncio.get_running_loop().create_task(coro, context=contextvars.Context())


class InMemoryTelemetrySink:
    """`TelemetrySink` keeping rows in a list, for tests of the core and of the wrapper."""

    def __init__(self) -> None:
        self.activities: list[BrainActivity] = []

    def record(self, activity: BrainActivity) -> None:
        self.activities.append(activity)

    async def flush(self) -> None:
        return None
