"""Wrapping servicer methods: one log line per call, domain errors become rich statuses,
surprises become INTERNAL."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from mwf_core.domain.errors import DomainError

from .errors import internal_status, status_for
from .interceptors import request_id

log = logging.getLogger("mwf.grpc")

Servicer = TypeVar("Servicer")
Method = Callable[[Servicer, Any, grpc.aio.ServicerContext], Awaitable[Any]]


def unary(method: Method) -> Method:
    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        started = time.perf_counter()
        try:
            response = await method(self, request, context)
            _log(method.__name__, "OK", started)
            return response
        except DomainError as error:
            status = status_for(error)
            _log(method.__name__, error.code.value, started)
        except Exception:
            log.exception("rpc %s failed (request_id=%s)", method.__name__, request_id.get())
            status = internal_status()
        # Aborting raises; it must happen outside the `except` blocks above so it is not caught.
        await context.abort_with_status(status)

    return wrapper


def _log(method: str, outcome: str, started: float) -> None:
    # Never the request or response: they carry people's private words.
    log.info("rpc %s %s %.1f ms request_id=%s", method, outcome,
             (time.perf_counter() - started) * 1000, request_id.get())
