"""How every Python benchmark here times a call: the median over `runs` runs
of `calls` back-to-back calls, in nanoseconds per call."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any, Awaitable, Callable


def per_call_ns(call: Callable[[], Any], calls: int, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        for _ in range(calls):
            call()
        samples.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(samples)


def per_await_ns(make: Callable[[], Awaitable[Any]], calls: int, runs: int) -> float:
    """The same for awaited calls, inside one event loop."""

    async def run() -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter_ns()
            for _ in range(calls):
                await make()
            samples.append((time.perf_counter_ns() - start) / calls)
        return statistics.median(samples)

    return asyncio.run(run())
