"""The journey over real HTTP: gunicorn with 2 workers, 16 concurrent clients."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.bench import driver
from tests.bench.inprocess import percentile
from tests.bench.journeys import ROOT, Journey
from tests.bench.setup import PASSWORD


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def start_gunicorn(config: dict[str, str], workers: int = 2) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn on a free port, with the benchmark's configuration."""
    port = _free_port()
    env = {**os.environ, **config}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "webapp:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    _wait_for(port)
    return process, port


def _processes() -> Iterator[tuple[str, str]]:
    """(stat, status) text of every process still there to be read."""
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                yield (child / "stat").read_text(), (child / "status").read_text()
            except OSError:
                continue


def _is_worker(status: str, master: subprocess.Popen[bytes]) -> bool:
    return f"PPid:\t{master.pid}\n" in status


def worker_rss_mb(master: subprocess.Popen[bytes]) -> float:
    """Peak resident memory (VmHWM) of the largest gunicorn worker, in MB."""
    peaks = [
        int(line.split()[1]) / 1024
        for _, status in _processes()
        if _is_worker(status, master)
        for line in status.splitlines()
        if line.startswith("VmHWM:")
    ]
    return max(peaks) if peaks else float("nan")


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(master: subprocess.Popen[bytes]) -> dict[str, float]:
    """CPU time so far of the web workers, of every PostgreSQL process, and of this process (the
    load generator's threads), in seconds."""
    spent = {"web worker": 0.0, "PostgreSQL": 0.0}
    for stat, status in _processes():
        name, fields = stat.split("(", 1)[1].rsplit(")", 1)
        seconds = sum(int(value) for value in fields.split()[11:13]) / _TICKS  # utime, stime
        if _is_worker(status, master):
            spent["web worker"] += seconds
        elif name.startswith("postgres"):
            spent["PostgreSQL"] += seconds
    own = resource.getrusage(resource.RUSAGE_SELF)
    spent["load generator"] = own.ru_utime + own.ru_stime
    return spent


def _schedule(began: float, client: int, clients: int, rate: float) -> Callable[[], float]:
    """The pace of one of `clients` clients that together offer `rate` completions per second: it
    sleeps until the client's next request is due and returns the time it was due."""
    turn = iter(range(10**9))

    def pace() -> float:
        due = began + (client + next(turn) * clients) / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        return due

    return pace


def run(
    port: int,
    journey: Journey,
    clients: int,
    cases_per_client: int,
    first_case: int,
    rate: float | None = None,
    server: subprocess.Popen[bytes] | None = None,
) -> dict[str, Any]:
    """`clients` threads, each with its own connection: all start their cases (start request and
    attachment uploads), then all complete them, so that completions per second counts a time in
    which the server does nothing else.

    Without `rate` each client sends its next completion as soon as the last one is answered (the
    server's capacity). With `rate` the clients together offer that many completions per second,
    each on a fixed schedule, and a completion's latency counts from the time it was due.
    With `server` (gunicorn's master), also the CPU per completion of each process group."""
    send = driver.http_transport("127.0.0.1", port)
    tokens = driver.login(send, driver.users_of(journey), PASSWORD)
    timings: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    phases = threading.Barrier(clients + 1)
    completing = 0.0

    def client(index: int) -> None:
        own_send = driver.http_transport("127.0.0.1", port)
        mine: list[float] = []
        cases = range(first_case + index * cases_per_client, first_case + (index + 1) * cases_per_client)
        try:
            started = [driver.start_case(own_send, tokens, journey) for _ in cases]
            phases.wait()
            phases.wait()
            pace = _schedule(completing, index, clients, rate) if rate else None
            for case, (body, files) in zip(cases, started, strict=True):
                driver.finish_case(own_send, tokens, journey, case, body, files, mine, pace=pace)
        except BaseException as exc:  # reported below: a benchmark must not hide failures
            errors.append(exc)
            phases.abort()
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    spent: dict[str, float] = {}
    try:
        phases.wait()  # every case started
        spent = cpu_seconds(server) if server else {}
        completing = time.perf_counter()
        phases.wait()
    except threading.BrokenBarrierError:
        completing = time.perf_counter()
    for thread in threads:
        thread.join()
    finished = time.perf_counter()
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed: {errors[0]!r}")
    if server:
        after = cpu_seconds(server)
        spent = {group: (after[group] - spent[group]) * 1000 / len(timings) for group in after}
    return {
        "cpu_ms": spent,
        "instances_per_s": clients * cases_per_client / (finished - began),
        "completions_per_s": len(timings) / (finished - completing),
        "p50_ms": percentile(timings, 0.5) * 1000,
        "p95_ms": percentile(timings, 0.95) * 1000,
        "p99_ms": percentile(timings, 0.99) * 1000,
    }


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and its workers."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
