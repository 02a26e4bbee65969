"""A small circuit breaker: fail fast while a dependency is down, probe it after a cool-down.

CLOSED → OPEN after `failure_threshold` consecutive failures; OPEN → HALF_OPEN once
`cooldown_seconds` have passed (checked lazily, on the next call); in HALF_OPEN exactly one
trial call is let through: its success closes the breaker, its failure re-opens it for another
cool-down. A call that ends with no verdict (cancelled, the client went away) hands its
`Permit` back with `release`, which frees the trial slot if it held it.

Confined to one event loop (no locks); the clock is injectable for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """N consecutive failures open the breaker for `cooldown_seconds`."""

    failure_threshold: int = 5
    cooldown_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if self.cooldown_seconds < 0:
            raise ValueError("cooldown_seconds must not be negative")


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to make one call; `trial` is set for the half-open probe."""

    trial: int | None = None


class CircuitBreaker:
    def __init__(
        self,
        policy: BreakerPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        name: str = "",
    ) -> None:
        self.policy = policy or BreakerPolicy()
        self.name = name
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial: int | None = None  # the id of the half-open trial in flight
        self._trials = 0

    @property
    def state(self) -> CircuitState:
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self.policy.cooldown_seconds
        ):
            self._state = CircuitState.HALF_OPEN
            self._trial = None
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def retry_after(self) -> float:
        """Seconds until the breaker lets a trial call through (0 unless OPEN)."""
        if self.state is not CircuitState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.policy.cooldown_seconds - self._clock())

    def try_acquire(self) -> Permit | None:
        """A permit when a call may go ahead now, else None. In HALF_OPEN one trial at a time."""
        state = self.state
        if state is CircuitState.CLOSED:
            return Permit()
        if state is CircuitState.HALF_OPEN and self._trial is None:
            self._trials += 1
            self._trial = self._trials
            return Permit(trial=self._trial)
        return None

    def record_success(self) -> None:
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._trial = None

    def record_failure(self) -> None:
        self._failures += 1
        state = self.state
        if state is CircuitState.HALF_OPEN or (
            state is CircuitState.CLOSED and self._failures >= self.policy.failure_threshold
        ):
            self._open()

    def release(self, permit: Permit) -> None:
        """The admitted call ended with no verdict: free the half-open trial slot it held."""
        if permit.trial is not None and permit.trial == self._trial:
            self._trial = None

    def _open(self) -> None:
        self._state = CircuitState.OPEN
        self._opened_at = self._clock()
        self._trial = None
