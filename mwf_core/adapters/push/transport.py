"""The Expo SDK on threads of its own, with a deadline that a late call cannot outlive.

`exponent-server-sdk` is synchronous (requests), so each call runs on a dedicated pool with a
`requests.Session` per thread and a finite timeout (the SDK's default is to wait forever); the
event loop never blocks on Expo. Sends get one thread per stream the dispatcher delivers at once
(`workers`, from DispatcherConfig.max_streams: push/factory.py), so a push never queues behind
others from the same dispatcher; the receipt check has a thread of its own, so a slow receipt
call never holds up a send.

A call carries a deadline: the time left in the caller's budget, which starts when the sink is
handed the row and ends no later than the dispatcher's deadline for it. A job that waited in the
queue starts only if its caller still waits and has time left, and its request may take only
that time. A caller that gives up (its deadline, or the dispatcher cancelling it) abandons the
job; a job not yet started then never starts. Without that, a push queued behind slow ones would
go out after the dispatcher had counted it as failed, and again on the retry: twice on the
phone. Only a request already on the wire when the caller gives up can still reach Expo (Expo
has no idempotency key; the push carries `data.eventId` for the app to drop a repeat).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests
from exponent_server_sdk import PushClient, PushMessage, PushReceipt, PushTicket

log = logging.getLogger("mwf.push")

# The longest one request may take (the deadline may leave it less).
DEFAULT_TIMEOUT_S = 8.0
# A job with less time than this left is not started: an Expo send usually answers well within
# it, so a request begun later would likely be cut off by the deadline after Expo had sent it.
MIN_REQUEST_S = 1.0
# close() waits this long beyond the request timeout for requests in flight to finish.
CLOSE_GRACE_S = 1.0

T = TypeVar("T")


class CallerGaveUp(TimeoutError):
    """The job was not started: its caller had given up, or too little time was left."""


class _Job:
    """One SDK call waiting for a worker thread. `start` (in the thread) and `abandon` (in the
    caller) decide under one lock, so a job either starts while its caller waits or never."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._lock = threading.Lock()
        self._started = False
        self._finished = False
        self._abandoned = False

    def start(self) -> float:
        """The seconds left for the request; CallerGaveUp if the job must not run."""
        with self._lock:
            left = self.deadline - time.monotonic()
            if self._abandoned or left < MIN_REQUEST_S:
                self._abandoned = True
                raise CallerGaveUp("not sent: the caller gave up or too little time was left")
            self._started = True
            return left

    def finish(self) -> None:
        with self._lock:
            self._finished = True

    def abandon(self) -> bool:
        """Give up on the job; True if its request is in flight (its answer will be dropped)."""
        with self._lock:
            self._abandoned = True
            return self._started and not self._finished


class ExpoTransport:
    """The SDK on its own threads: one PushClient (and requests.Session) per worker thread."""

    def __init__(
        self,
        host: str | None,
        access_token: str | None,
        *,
        workers: int,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._host = host
        self._token = access_token
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="expo")
        self._receipt_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="expo-receipts")
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _client(self) -> PushClient:
        client = getattr(self._local, "client", None)
        if client is None:
            session = requests.Session()
            # A custom session gets none of the SDK's default headers: set them all here.
            session.headers.update(
                {
                    "accept": "application/json",
                    "accept-encoding": "gzip, deflate",
                    "content-type": "application/json",
                }
            )
            if self._token:
                session.headers["authorization"] = f"Bearer {self._token}"
            client = PushClient(host=self._host, session=session, timeout=self._timeout)
            self._local.client = client
            with self._lock:
                self._sessions.append(session)
        return client

    def _run_job(self, job: _Job, call: Callable[[PushClient], T]) -> T:
        """In a worker thread."""
        left = job.start()
        try:
            client = self._client()
            # The client is this thread's own, so its timeout can be set per call.
            client.timeout = min(self._timeout, left)
            return call(client)
        finally:
            job.finish()

    async def _call(
        self, pool: ThreadPoolExecutor, call: Callable[[PushClient], T], deadline: float
    ) -> T:
        job = _Job(deadline)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(pool, self._run_job, job, call)
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
                return await future
        except (TimeoutError, asyncio.CancelledError):
            # Our deadline, or the dispatcher cancelling us: a job still queued never starts.
            if job.abandon():
                log.info("expo: gave up on a request in flight; its answer is dropped")
            raise

    async def publish(self, message: PushMessage, deadline: float) -> PushTicket:
        """Send one push, or raise (TimeoutError once `deadline`, a time.monotonic(), passes)."""
        return await self._call(self._pool, lambda client: client.publish(message), deadline)

    async def receipts(self, tickets: Sequence[Any]) -> list[PushReceipt]:
        deadline = time.monotonic() + self._timeout
        return await self._call(
            self._receipt_pool,
            lambda client: client.check_receipts_multiple(list(tickets)),
            deadline,
        )

    async def close(self) -> None:
        """Drop the jobs not started and let requests in flight finish (within their timeout),
        so a push being sent is not cut off half-way; then close the HTTP sessions."""

        def shutdown_pools() -> None:
            pools = (self._pool, self._receipt_pool)
            for pool in pools:
                pool.shutdown(wait=False, cancel_futures=True)
            for pool in pools:
                pool.shutdown(wait=True)

        shutdown = asyncio.to_thread(shutdown_pools)
        try:
            async with asyncio.timeout(self._timeout + CLOSE_GRACE_S):
                await shutdown
        except TimeoutError:
            log.warning(
                "expo: requests still running after %.0f s at close", self._timeout + CLOSE_GRACE_S
            )
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
