"""Wrapping servicer methods: domain errors become rich statuses, surprises become INTERNAL."""

from __future__ import annotations

import functools
import logging
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
        try:
            return await method(self, request, context)
        except DomainError as error:
            status = status_for(error)
        except Exception:
            log.exception("rpc %s failed (request_id=%s)", method.__name__, request_id.get())
            status = internal_status()
        # Aborting raises; it must happen outside the `except` blocks above so it is not caught.
        await context.abort_with_status(status)

    return wrapper
