"""BedrockLanguageModel with the real boto3 client against the loopback Bedrock fake:
error classification, retries and throttling, the circuit breaker, and the retry policy."""

from __future__ import annotations

import random

import pytest

from mwf_core.adapters.llm.bedrock import BedrockLanguageModel, RetryPolicy, make_bedrock_client
from mwf_core.adapters.llm.circuit_breaker import BreakerPolicy, CircuitBreaker, CircuitState
from mwf_core.ports.llm import LlmError, ModelRole
from tests.fakes.bedrock import FakeBedrock, error, serve_fake_bedrock, text
from tests.integration.llm.bedrock_helpers import (
    HAIKU,
    SONNET,
    FakeClock,
    MakeModel,
    collect,
    request,
)

# --- errors and retries ------------------------------------------------------------------------


async def test_throttling_is_retried_then_succeeds(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(error(429, "ThrottlingException"), error(429, "ThrottlingException"), text("ok"))
    result = await model.complete(request())
    assert result.text == "ok"
    assert len(fake.requests_for("converse")) == 3


async def test_throttling_beyond_the_bound_raises_a_retryable_error(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model()
    fake.script(*[error(429, "ThrottlingException")] * 3, text("never reached"))
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert info.value.retryable is True
    assert info.value.code == "throttled"
    assert len(fake.requests) == 3  # max_attempts=3, and botocore itself never retried
    assert fake.pending == 1


async def test_validation_error_is_not_retried(fake: FakeBedrock, make_model: MakeModel) -> None:
    model = make_model()
    fake.script(error(400, "ValidationException", "messages: must start with user"), text("no"))
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == ("validation", False)
    assert "must start with user" in str(info.value)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_type", "code", "retryable"),
    [
        (503, "ServiceUnavailableException", "unavailable", True),
        (429, "ModelNotReadyException", "unavailable", True),
        (500, "InternalServerException", "unavailable", True),
        (502, "BadGateway", "unavailable", True),
        (408, "ModelTimeoutException", "timeout", True),
        (403, "AccessDeniedException", "access_denied", False),
        (404, "ResourceNotFoundException", "not_found", False),
    ],
)
async def test_error_classification(
    fake: FakeBedrock,
    make_model: MakeModel,
    status: int,
    error_type: str,
    code: str,
    retryable: bool,
) -> None:
    model = make_model(retry=RetryPolicy(max_attempts=1))
    fake.script(error(status, error_type))
    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == (code, retryable)


async def test_connection_refused_is_retryable_unavailable() -> None:
    async with serve_fake_bedrock() as gone:
        url = gone.base_url  # the port is free again once the fake has stopped
    client = make_bedrock_client(
        region="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    model = BedrockLanguageModel(
        mediator_model_id=SONNET,
        mechanic_model_id=HAIKU,
        client=client,
        retry=RetryPolicy(max_attempts=2, base_delay_seconds=0.001),
    )
    try:
        with pytest.raises(LlmError) as info:
            await model.complete(request())
        assert (info.value.code, info.value.retryable) == ("unavailable", True)
    finally:
        model.close()


# --- circuit breaker ---------------------------------------------------------------------------


def test_breaker_opens_after_n_failures_and_half_opens_after_the_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=3, cooldown_seconds=30), clock=clock)
    for _ in range(2):
        assert breaker.try_acquire() is not None
        breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.try_acquire() is not None
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    assert breaker.try_acquire() is None
    assert breaker.retry_after() == pytest.approx(30)

    clock.advance(29.9)
    assert breaker.try_acquire() is None
    clock.advance(0.1)
    assert breaker.state is CircuitState.HALF_OPEN
    trial = breaker.try_acquire()
    assert trial is not None and trial.trial is not None
    assert breaker.try_acquire() is None  # one trial at a time
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.consecutive_failures == 0


def test_breaker_failed_trial_reopens_and_abandoned_trial_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, cooldown_seconds=10), clock=clock)
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    clock.advance(10)
    trial = breaker.try_acquire()
    assert trial is not None
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    assert breaker.try_acquire() is None
    clock.advance(10)
    trial = breaker.try_acquire()
    assert trial is not None
    breaker.release(trial)  # cancelled: no verdict
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.try_acquire() is not None


def test_a_success_resets_the_consecutive_count() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=2), clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED


async def test_model_circuit_opens_per_role_and_half_opens_after_the_cooldown(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    clock = FakeClock()
    model = make_model(
        retry=RetryPolicy(max_attempts=1),
        breaker=BreakerPolicy(failure_threshold=3, cooldown_seconds=30),
        clock=clock,
    )
    fake.script(*[error(503, "ServiceUnavailableException")] * 3, model=SONNET)
    for _ in range(3):
        with pytest.raises(LlmError) as info:
            await model.complete(request())
        assert info.value.code == "unavailable"
    assert len(fake.requests) == 3

    with pytest.raises(LlmError) as info:
        await model.complete(request())
    assert (info.value.code, info.value.retryable) == ("circuit_open", True)
    with pytest.raises(LlmError) as info:
        await collect(model, request())
    assert info.value.code == "circuit_open"
    assert len(fake.requests) == 3  # failed fast: nothing sent

    # The mechanic's breaker is its own.
    assert (await model.complete(request(role=ModelRole.MECHANIC))).model_id == HAIKU

    clock.advance(30)
    fake.script(error(503, "ServiceUnavailableException"), model=SONNET)
    with pytest.raises(LlmError) as info:
        await model.complete(request())  # the half-open trial fails...
    assert info.value.code == "unavailable"
    with pytest.raises(LlmError) as info:
        await model.complete(request())  # ...so the circuit is open again
    assert info.value.code == "circuit_open"

    clock.advance(30)
    fake.script(text("back"), model=SONNET)
    assert (await model.complete(request())).text == "back"
    assert model.breakers[ModelRole.MEDIATOR].state is CircuitState.CLOSED
    assert (await model.complete(request())).text == "Okay."  # the fake's default reply


async def test_validation_errors_do_not_trip_the_breaker(
    fake: FakeBedrock, make_model: MakeModel
) -> None:
    model = make_model(breaker=BreakerPolicy(failure_threshold=2), clock=FakeClock())
    fake.script(*[error(400, "ValidationException")] * 3)
    for _ in range(3):
        with pytest.raises(LlmError) as info:
            await model.complete(request())
        assert info.value.code == "validation"
    assert model.breakers[ModelRole.MEDIATOR].state is CircuitState.CLOSED


# --- retry policy ------------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay_seconds=0.1, max_delay_seconds=0.5)
    rng = random.Random(1)
    for retry, cap in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (5, 0.5)]:
        delays = {policy.delay(retry, rng) for _ in range(50)}
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(delays) > 1  # jittered
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
