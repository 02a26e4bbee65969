"""How much the REST gateway adds on top of gRPC, measured side by side in one run.

The same read (GetSessionState for a session with both people at stage 1) is issued directly
through the gRPC stub and through the REST gateway, interleaved in rounds so both see the same
machine noise. Reports the median latency of each and their ratio; this machine is shared, so
only the ratio means anything.

    .venv/bin/python -m bench.gateway_overhead [--rounds 30] [--calls 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from mwf.v1 import sessions_pb2 as pb
from tests.api.conftest import close_stack, open_stack
from tests.api.harness import both_at_stage1


async def _time(call, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def main(rounds: int, calls: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        stack = await open_stack(f"sqlite:///{scratch}/bench.sqlite3", Path(scratch))
        try:
            ids = await both_at_stage1(stack)
            sid = ids["session_id"]
            metadata = stack.metadata("alice")

            async def direct() -> None:
                await stack.stub.GetSessionState(pb.GetSessionStateRequest(session_id=sid),
                                                 metadata=metadata)

            async def through_gateway() -> None:
                await stack.ok("GET", f"/api/sessions/{sid}/state", "alice")

            await _time(direct, calls)  # warm both paths before measuring
            await _time(through_gateway, calls)
            grpc_samples: list[float] = []
            rest_samples: list[float] = []
            for _ in range(rounds):
                grpc_samples += await _time(direct, calls)
                rest_samples += await _time(through_gateway, calls)
        finally:
            await close_stack(stack)
    grpc_median = statistics.median(grpc_samples) * 1000
    rest_median = statistics.median(rest_samples) * 1000
    print(f"GetSessionState, {rounds * calls} calls each, SQLite, one process")
    print(f"  gRPC direct      median {grpc_median:.2f} ms")
    print(f"  REST via gateway median {rest_median:.2f} ms")
    print(f"  ratio REST/gRPC  {rest_median / grpc_median:.2f}x "
          f"(gateway adds {rest_median - grpc_median:.2f} ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.calls))
