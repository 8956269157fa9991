"""The journey through the API in the same process (Flask test client)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from flask import Flask

from tests.bench import driver
from tests.bench.journeys import Journey
from tests.bench.setup import PASSWORD


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def run(app: Flask, journey: Journey, cases: int, first_case: int = 0) -> dict[str, Any]:
    """Complete `cases` instances one after the other; throughput and latency figures."""
    client = Client(app, journey)
    began = time.perf_counter()
    timings = client.complete_cases(cases, first_case)
    return figures(timings, cases, time.perf_counter() - began)


class Client:
    """The journey's people, logged in once, driving the API through the Flask test client."""

    def __init__(self, app: Flask, journey: Journey) -> None:
        self.journey = journey
        self.send = driver.flask_transport(app.test_client())
        self.tokens = driver.login(self.send, driver.users_of(journey), PASSWORD)

    def complete_cases(self, cases: int, first_case: int) -> list[float]:
        """Run `cases` instances one after the other; the latency of each completion."""
        timings: list[float] = []
        for case in range(first_case, first_case + cases):
            driver.run_case(self.send, self.tokens, self.journey, case, timings)
        return timings


def figures(timings: list[float], cases: int, elapsed: float) -> dict[str, Any]:
    """Throughput and latency of completions that took `elapsed` seconds of journeys in all."""
    return {
        "instances_per_s": cases / elapsed,
        "completions_per_s": len(timings) / sum(timings),
        "p50_ms": percentile(timings, 0.5) * 1000,
        "p95_ms": percentile(timings, 0.95) * 1000,
        "p99_ms": percentile(timings, 0.99) * 1000,
        "ms_per_completion": statistics.mean(timings) * 1000,
    }
