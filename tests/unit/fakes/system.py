"""`Clock` and `IdGenerator` fakes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta


class FakeClock:
    """`Clock`: a settable, advanceable aware-UTC time that never moves on its own."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
        self._check(self._now)

    @staticmethod
    def _check(value: datetime) -> None:
        if value.tzinfo is None or value.utcoffset() != timedelta(0):
            raise ValueError(f"FakeClock keeps aware UTC times only, not {value!r}")

    def now(self) -> datetime:
        return self._now

    def set(self, value: datetime) -> None:
        self._check(value)
        self._now = value

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class SequentialIds:
    """`IdGenerator`: "id-0001", "id-0002", ... (so ids also sort in creation order)."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"{self._prefix}-{next(self._counter):04d}"
