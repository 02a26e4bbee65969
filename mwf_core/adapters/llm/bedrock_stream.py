"""The thread bridge for `converse_stream`: boto3 blocks, the event loop must not.

One `StreamPump` per attempt owns one short-lived daemon thread ("bedrock-stream-N") that
opens the stream and iterates the botocore `EventStream`, handing each event to an
`asyncio.Queue` through `loop.call_soon_threadsafe`.

`stop()` (from the loop: the consumer went away, an error, a deadline) must not block the
loop, and `EventStream.close()` can: it waits for the buffered-reader lock the blocked read
holds. So `stop()` only shuts the socket down (urllib3's `HTTPResponse.shutdown()`, a plain
syscall), which makes the blocked read return at once; the thread then sees it was stopped,
closes the stream (the connection is dropped, the server sees the client go away) and ends.
The one wait `stop()` cannot cut short is a request whose response headers have not arrived
yet: that thread ends by itself at the client's read timeout, or when the answer comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any

THREAD_NAME_PREFIX = "bedrock-stream-"
_numbers = itertools.count(1)


class Item(Enum):
    EVENT = "event"  # payload: one parsed event dict
    ERROR = "error"  # payload: the exception raised in the thread
    END = "end"  # payload: None; the stream was read to its end


def wake_reader(stream: Any) -> None:
    """Shut the socket under a botocore EventStream down, so a read blocked on it returns.

    Non-blocking. Needs urllib3 >= 2.3 (`HTTPResponse.shutdown`); without it the reader wakes
    at the next chunk or at the read timeout instead.
    """
    shutdown = getattr(getattr(stream, "_raw_stream", None), "shutdown", None)
    if shutdown is not None:
        # Fails once the response is released or closed: then no read is blocked on it.
        with contextlib.suppress(Exception):
            shutdown()


def close_event_stream(stream: Any) -> None:
    """Drop the connection under a botocore EventStream (call from the reading thread)."""
    # A broken stream may fail to close; it is gone either way.
    with contextlib.suppress(Exception):
        stream.close()


class StreamPump:
    def __init__(self, loop: asyncio.AbstractEventLoop, open_stream: Callable[[], Any]) -> None:
        """`open_stream()` runs in the thread and returns the `converse_stream` response."""
        self.queue: asyncio.Queue[tuple[Item, Any]] = asyncio.Queue()
        self._loop = loop
        self._open_stream = open_stream
        self._lock = threading.Lock()
        self._stopped = False
        self._finished = False
        self._stream: Any = None
        self.thread = threading.Thread(
            target=self._run, name=f"{THREAD_NAME_PREFIX}{next(_numbers)}", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Idempotent and non-blocking; safe from the loop before, during or after the read."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            stream = None if self._finished else self._stream
        if stream is not None:
            wake_reader(stream)

    def _emit(self, kind: Item, payload: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(self.queue.put_nowait, (kind, payload))
        except RuntimeError:  # the loop is closed: nobody is listening any more
            with self._lock:
                self._stopped = True

    def _fail(self, exc: BaseException) -> None:
        if not self._stopped:
            self._emit(Item.ERROR, exc)

    def _run(self) -> None:
        try:
            stream = self._open_stream()["stream"]
        except BaseException as exc:  # everything must reach the consumer
            self._fail(exc)
            return
        with self._lock:
            self._stream = stream
            left_already = self._stopped
        if left_already:  # the consumer went away while we were connecting
            close_event_stream(stream)
            return
        completed = False
        try:
            for event in stream:
                if self._stopped:
                    break
                self._emit(Item.EVENT, event)
            else:
                completed = True
        except BaseException as exc:
            self._fail(exc)
        if completed:
            with self._lock:
                self._finished = True  # urllib3 has handed the connection back to its pool
            self._emit(Item.END, None)
        else:  # stopped, failed, or the loop went away: drop the connection
            close_event_stream(stream)
