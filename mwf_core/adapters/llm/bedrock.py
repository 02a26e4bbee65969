"""The Bedrock adapter of the `LanguageModel` port (Claude through the Converse API).

    model = BedrockLanguageModel(
        mediator_model_id=env["BEDROCK_SONNET_MODEL_ID"],
        mechanic_model_id=env["BEDROCK_HAIKU_MODEL_ID"],
        region=env.get("AWS_REGION", "us-east-1"),
    )
    ...
    model.close()  # at shutdown

* boto3 is blocking, so every call runs off the event loop: `converse` on the adapter's own
  thread pool (the loop's default executor has only min(32, cpus + 4) workers and is shared),
  each `converse_stream` attempt on its own short-lived thread (see `bedrock_stream`).
* Retries are ours, not botocore's (the client makes exactly one attempt): bounded
  (`RetryPolicy.max_attempts` in all), with jittered exponential backoff, only for retryable
  errors, only before any text reached the caller, and never past the call's deadline. Each
  retry is logged.
* `Timeouts.deadline_seconds` bounds a whole call (all attempts; for a stream, until its
  StreamFinished). Hitting it raises `LlmError(code="timeout", retryable=True)`.
* One circuit breaker per role: after N consecutive failed calls (throttled, unavailable,
  timeout - not validation errors, which prove the service answered) calls fail fast with
  `LlmError(code="circuit_open", retryable=True)` until the cool-down has passed; then one
  trial call decides.
* Prompt caching: a cache point right after `system_static` (see `bedrock_mapping`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
from botocore.config import Config

from mwf_core.adapters.llm.bedrock_mapping import (
    SERVICE_FAILURE_CODES,
    StreamAssembler,
    check_request,
    converse_kwargs,
    parse_converse,
    to_llm_error,
)
from mwf_core.adapters.llm.bedrock_stream import Item, StreamPump
from mwf_core.adapters.llm.circuit_breaker import BreakerPolicy, CircuitBreaker, Permit
from mwf_core.ports.llm import (
    LlmError,
    LlmRequest,
    LlmResult,
    ModelRole,
    StreamFinished,
    StreamItem,
    TextDelta,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

CONVERSE_THREAD_PREFIX = "bedrock-converse"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """connect/read go to botocore (per socket operation); the deadline bounds a whole call.

    For `converse` the read timeout must cover the whole generation (the response comes in
    one piece), so keep it generous; it also bounds how long a worker thread can outlive a
    call that already failed on its deadline.
    """

    connect_seconds: float = 5.0
    read_seconds: float = 60.0
    deadline_seconds: float = 90.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`max_attempts` in all (1 = no retry); backoff base·2^(n-1), capped, with jitter."""

    max_attempts: int = 3
    base_delay_seconds: float = 0.25
    max_delay_seconds: float = 4.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, retry_number: int, rng: random.Random) -> float:
        """The pause before retry `retry_number` (1-based): half fixed, half random."""
        cap = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (retry_number - 1))
        return cap / 2 + rng.uniform(0, cap / 2)


def make_bedrock_client(
    *,
    region: str,
    endpoint_url: str | None = None,
    timeouts: Timeouts | None = None,
    max_pool_connections: int = 16,
    **session_kwargs: Any,
) -> Any:
    """A bedrock-runtime client that never retries by itself.

    `endpoint_url=None` lets boto3 use AWS_ENDPOINT_URL_BEDROCK_RUNTIME when set.
    `session_kwargs` (e.g. aws_access_key_id=..., aws_secret_access_key=...) go to the
    boto3 Session; without them the default credential chain applies.
    """
    timeouts = timeouts or Timeouts()
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=timeouts.connect_seconds,
        read_timeout=timeouts.read_seconds,
        max_pool_connections=max_pool_connections,
    )
    session = boto3.session.Session(**session_kwargs)
    return session.client(
        "bedrock-runtime", region_name=region, endpoint_url=endpoint_url, config=config
    )


class BedrockLanguageModel:
    """Implements `mwf_core.ports.llm.LanguageModel` on Amazon Bedrock."""

    def __init__(
        self,
        *,
        mediator_model_id: str,
        mechanic_model_id: str,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerPolicy | None = None,
        max_concurrency: int = 16,
        client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        """`client`: a pre-built bedrock-runtime client (tests); when given, `region`,
        `endpoint_url` and the connect/read timeouts are the client's business.
        `max_concurrency`: worker threads for `converse` and HTTP connections in the pool.
        `clock` drives the circuit breakers (deadlines use the event loop's clock)."""
        if not mediator_model_id or not mechanic_model_id:
            raise ValueError("both model ids are required (BEDROCK_SONNET/HAIKU_MODEL_ID)")
        self._model_ids = {
            ModelRole.MEDIATOR: mediator_model_id,
            ModelRole.MECHANIC: mechanic_model_id,
        }
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._owns_client = client is None
        self._client = client or make_bedrock_client(
            region=region,
            endpoint_url=endpoint_url,
            timeouts=self._timeouts,
            max_pool_connections=max_concurrency,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=max_concurrency, thread_name_prefix=CONVERSE_THREAD_PREFIX
        )
        self.breakers = {
            role: CircuitBreaker(breaker, clock=clock, name=f"bedrock-{role.value}")
            for role in ModelRole
        }

    def model_id(self, role: ModelRole) -> str:
        return self._model_ids[ModelRole(role)]

    def close(self) -> None:
        """Release the worker threads (and the HTTP pool of a client we built)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._owns_client:
            self._client.close()

    # --- complete ---

    async def complete(self, request: LlmRequest) -> LlmResult:
        check_request(request)
        model_id = self.model_id(request.role)
        kwargs = converse_kwargs(request, model_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeouts.deadline_seconds
        breaker, permit = self._admit(request.role)

        call = functools.partial(self._client.converse, **kwargs)

        async def attempt() -> Any:
            try:
                future = loop.run_in_executor(
                    self._executor, functools.partial(contextvars.copy_context().run, call)
                )
                return await asyncio.wait_for(future, self._remaining(loop, deadline))
            except TimeoutError:
                raise self._deadline_error("Converse") from None
            except LlmError:
                raise
            except Exception as exc:
                raise to_llm_error(exc, "Converse") from exc

        try:
            response = await self._with_retries(attempt, loop, deadline, request)
        except LlmError as error:
            self._settle(breaker, permit, error)
            raise
        except BaseException:
            breaker.release(permit)
            raise
        breaker.record_success()
        return parse_converse(response, model_id)

    async def _with_retries(
        self,
        attempt: Callable[[], Awaitable[T]],
        loop: asyncio.AbstractEventLoop,
        deadline: float,
        request: LlmRequest,
    ) -> T:
        number = 1
        while True:
            try:
                return await attempt()
            except LlmError as error:
                if not await self._backoff(error, number, loop, deadline, request):
                    raise
                number += 1

    async def _backoff(
        self,
        error: LlmError,
        attempt: int,
        loop: asyncio.AbstractEventLoop,
        deadline: float,
        request: LlmRequest,
    ) -> bool:
        """Sleep before another attempt and return True, or return False: give up."""
        if not error.retryable or attempt >= self._retry.max_attempts:
            return False
        delay = self._retry.delay(attempt, self._rng)
        if loop.time() + delay >= deadline:
            return False
        log.warning(
            "bedrock %s call %s attempt %d/%d failed (%s); retrying in %.2fs",
            request.role.value,
            request.call_type,
            attempt,
            self._retry.max_attempts,
            error.code,
            delay,
        )
        await asyncio.sleep(delay)
        return True

    # --- stream ---

    async def stream(self, request: LlmRequest) -> AsyncGenerator[StreamItem, None]:
        check_request(request)
        model_id = self.model_id(request.role)
        kwargs = converse_kwargs(request, model_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeouts.deadline_seconds
        breaker, permit = self._admit(request.role)
        open_stream = functools.partial(self._client.converse_stream, **kwargs)
        attempt = 0
        try:
            while True:
                attempt += 1
                pump = StreamPump(loop, open_stream)
                assembler = StreamAssembler()
                text_sent = False
                try:
                    pump.start()
                    while True:
                        kind, payload = await self._next_item(pump, loop, deadline)
                        if kind is Item.END:
                            break
                        if kind is Item.ERROR:
                            raise to_llm_error(payload, "ConverseStream") from payload
                        text = assembler.feed(payload)
                        if text:
                            text_sent = True
                            yield TextDelta(text)
                    result = assembler.result(model_id)
                except LlmError as error:
                    # Once text has reached the caller a retry would repeat it: the caller
                    # decides what to do with a half answer.
                    if text_sent or not await self._backoff(
                        error, attempt, loop, deadline, request
                    ):
                        raise
                    continue
                finally:
                    pump.stop()
                break
        except LlmError as error:
            self._settle(breaker, permit, error)
            raise
        except BaseException:  # GeneratorExit (aclose), CancelledError: no verdict
            breaker.release(permit)
            raise
        breaker.record_success()
        yield StreamFinished(result)

    async def _next_item(
        self, pump: StreamPump, loop: asyncio.AbstractEventLoop, deadline: float
    ) -> tuple[Item, Any]:
        try:
            return await asyncio.wait_for(pump.queue.get(), self._remaining(loop, deadline))
        except TimeoutError:
            raise self._deadline_error("ConverseStream") from None

    # --- shared ---

    def _admit(self, role: ModelRole) -> tuple[CircuitBreaker, Permit]:
        breaker = self.breakers[ModelRole(role)]
        permit = breaker.try_acquire()
        if permit is None:
            raise LlmError(
                f"Bedrock {role.value} circuit open: {breaker.consecutive_failures} "
                f"consecutive failures; next trial in {breaker.retry_after():.1f}s",
                retryable=True,
                code="circuit_open",
            )
        return breaker, permit

    @staticmethod
    def _settle(breaker: CircuitBreaker, permit: Permit, error: LlmError) -> None:
        if error.code in SERVICE_FAILURE_CODES:
            breaker.record_failure()
        elif error.code in {"validation", "model_error", "not_found"}:
            breaker.record_success()  # the service answered; the request was at fault
        else:
            breaker.release(permit)

    @staticmethod
    def _remaining(loop: asyncio.AbstractEventLoop, deadline: float) -> float:
        return max(0.0, deadline - loop.time())

    def _deadline_error(self, operation: str) -> LlmError:
        limit = self._timeouts.deadline_seconds
        return LlmError(
            f"Bedrock {operation}: no complete answer within {limit:g}s",
            retryable=True,
            code="timeout",
        )
