"""Retry delays: exponential with a cap, and jitter so retries of many rows spread out."""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff_seconds(
    attempts: int,
    base_ms: int,
    max_ms: int,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """The wait after the `attempts`-th failed attempt (1-based): min(max, base * 2^(n-1))
    scaled by a random factor in [0.5, 1]."""
    exponent = min(max(attempts, 1) - 1, 62)  # 2**62 ms is far beyond any cap
    capped = min(max_ms, base_ms * (2**exponent))
    return capped * uniform(0.5, 1.0) / 1000.0
