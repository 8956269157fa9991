"""`make bench` runs end to end at tiny scale and prints every figure with its target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_prints_the_whole_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    for label in (
        "engine limit",
        "in-process API",
        "HTTP task completions/s",
        "CPU per completion then",
        "HTTP completion p95 at that rate",
        "HTTP completion p95 when offered",
        "inbox p95 ratio",
        "correction loop",
        "timers",
        "peak RSS",
        "storage per completed registration",
    ):
        assert label in table, label
    assert "met" in table
