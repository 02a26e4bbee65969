"""The write every delivery measurement times, and the samples it leaves.

Bob pauses and resumes the session in turn: each is one REST request that commits exactly one
session event (session.paused / session.resumed), cheap and repeatable without end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench.arrivals import Arrivals

REST = "REST answer"
Post = Callable[[str, object], Awaitable[object]]  # (path under /api, JSON body)


class PauseResume:
    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.paused = False

    def next(self) -> tuple[str, object, str]:
        """(path, body, the event it commits), alternating pause and resume."""
        self.paused = not self.paused
        if self.paused:
            return f"/sessions/{self.session_id}/pause", {"reason": "tea"}, "session.paused"
        return f"/sessions/{self.session_id}/resume", None, "session.resumed"


async def timed_write(
    post: Post, toggle: PauseResume, observers: dict[str, Arrivals], wait_seconds: float
) -> dict[str, float]:
    """Seconds from sending the request to its REST answer and to the event at each observer."""
    path, body, name = toggle.next()
    marks = {key: arrivals.mark() for key, arrivals in observers.items()}
    started = time.perf_counter()
    await post(path, body)
    sample = {REST: time.perf_counter() - started}
    for key, arrivals in observers.items():
        sample[key] = await arrivals.wait_for(name, marks[key], wait_seconds) - started
    return sample


@dataclass
class Samples:
    by_column: dict[str, list[float]] = field(default_factory=dict)

    def add(self, sample: dict[str, float]) -> None:
        for key, seconds in sample.items():
            self.by_column.setdefault(key, []).append(seconds)

    def count(self) -> int:
        return max((len(values) for values in self.by_column.values()), default=0)

    def pct(self, column: str, q: float) -> float:
        """Nearest-rank percentile, in ms."""
        values = sorted(self.by_column.get(column, []))
        if not values:
            return math.nan
        return values[max(0, math.ceil(q * len(values)) - 1)] * 1000


# --- printing -------------------------------------------------------------------------------


def ratio(top: float, bottom: float) -> str:
    return f"{top / bottom:.2f}x" if bottom > 0 and not math.isnan(top) else "-"


def line(label: str, samples: Samples, columns: tuple[str, ...]) -> None:
    cells = "  ".join(f"{samples.pct(c, 0.5):>9.2f} /{samples.pct(c, 0.95):>8.2f}" for c in columns)
    print(f"  {label:<34} {samples.count():>4}  {cells}")


def header(columns: tuple[str, ...]) -> None:
    names = "  ".join(f"{c + ' p50/p95':>19}" for c in columns)
    print(f"  {'':<34} {'n':>4}  {names}")


def ratio_line(label: str, top: tuple[Samples, str], bottom: tuple[Samples, str]) -> None:
    (ts, tc), (bs, bc) = top, bottom
    print(
        f"  {label:<34}       p50 {ratio(ts.pct(tc, 0.5), bs.pct(bc, 0.5)):>8}"
        f"   p95 {ratio(ts.pct(tc, 0.95), bs.pct(bc, 0.95)):>8}"
    )
