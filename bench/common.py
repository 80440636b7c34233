"""The benchmark harness: percentiles, median of runs, a results table, wrk, and app servers."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
BASELINE_DIR = Path(os.environ.get("BENCH_BASELINE_DIR", ROOT.parent / "shared" / "bench"))
DEFAULT_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/jiefen_bench"
)
WRK = os.environ.get("WRK", "wrk")


def psycopg_url(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg:// spelling is not a libpq URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# --- statistics -------------------------------------------------------------------------


def percentiles(samples: Sequence[float], points: Sequence[float] = (50, 99)) -> dict[str, float]:
    """{"p50": …, "p99": …} of the samples (linear interpolation, as numpy does)."""
    values = np.percentile(np.asarray(samples, dtype=float), points)
    return {f"p{p:g}": float(v) for p, v in zip(points, values, strict=True)}


def median_of_runs(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over runs: one noisy run moves nothing."""
    return {key: float(np.median([run[key] for run in runs])) for key in runs[0]}


def spread(runs: Sequence[dict[str, float]], key: str) -> tuple[float, float]:
    values = [run[key] for run in runs]
    return min(values), max(values)


# --- reporting --------------------------------------------------------------------------


@dataclass
class Results:
    """Figures and ratios of one benchmark, printed as a table and kept as JSON."""

    title: str
    notes: list[str] = field(default_factory=list)
    rows: list[tuple[str, float, str, str]] = field(default_factory=list)

    def add(self, name: str, value: float, unit: str, detail: str = "") -> None:
        self.rows.append((name, value, unit, detail))

    def ratio(self, name: str, numerator: float, denominator: float, detail: str = "") -> float:
        value = numerator / denominator if denominator else float("nan")
        self.rows.append((name, value, "×", detail))
        return value

    def print(self) -> None:
        print(f"\n== {self.title}")
        for note in self.notes:
            print(f"   {note}")
        width = max((len(r[0]) for r in self.rows), default=10)
        for name, value, unit, detail in self.rows:
            figure = f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
            print(f"   {name:<{width}}  {figure:>12} {unit:<6} {detail}")

    def save(self, directory: Path = BENCH_DIR / "out") -> Path:
        directory.mkdir(exist_ok=True)
        path = directory / f"{re.sub(r'[^a-z0-9]+', '_', self.title.lower()).strip('_')}.json"
        rows = [dict(zip(("name", "value", "unit", "detail"), r, strict=True)) for r in self.rows]
        payload = {"title": self.title, "notes": self.notes, "rows": rows, "at": time.time()}
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1))
        return path


class Stopwatch:
    """Prints how long each phase of a long job took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        print(f"… {name}", flush=True)
        yield
        print(f"  {name}: {time.perf_counter() - start:.1f} s", flush=True)

    def total(self) -> float:
        return time.perf_counter() - self.started


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen
    log_path: Path


def _wait_ready(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s; see {log_path}")


@contextmanager
def gunicorn(
    name: str,
    app_spec: str,
    env: dict[str, str],
    ready_path: str,
    workers: int = 2,
    cwd: Path = ROOT,
    timeout: float = 60,
) -> Iterator[Server]:
    """Run `gunicorn -w N -b 127.0.0.1:PORT app_spec`, wait until ready_path answers 200, stop."""
    port = free_port()
    fd, log_name = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
    log = os.fdopen(fd, "w")
    command = [
        sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        app_spec,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base + ready_path, process, Path(log_name), timeout)
        yield Server(name, base, process, Path(log_name))
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def service_server(database_url: str, workers: int = 2, **env: str):
    """The real service (wsgi:app) on the given database, as production runs it."""
    return gunicorn(
        "service",
        "wsgi:app",
        {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", **env},
        "/readyz",
        workers,
    )


def baseline_server(database_url: str, workers: int = 2):
    """/work/shared/bench/baseline_app.py on our schema (its documented environment)."""
    env = {
        "DATABASE_URL": psycopg_url(database_url),
        "AREA_TABLE": "areas",
        "AREA_GEOM": "geom",
        "AREA_ID": "id",
    }
    return gunicorn("baseline", "baseline_app:app", env, "/hello", workers, cwd=BASELINE_DIR)


# --- wrk --------------------------------------------------------------------------------

WRK_SCRIPT = BENCH_DIR / "wrk" / "bench.lua"


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    rps: float
    latency_ms: dict[str, float]
    errors: int
    non_2xx: int

    def as_figures(self) -> dict[str, float]:
        return {"rps": self.rps, **{k: v for k, v in self.latency_ms.items()}}


def write_bodies(bodies: Sequence[dict], path: Path | None = None) -> Path:
    """One JSON body per line, for the Lua script to send in turn."""
    if path is None:
        fd, name = tempfile.mkstemp(prefix="bench-bodies-", suffix=".jsonl")
        os.close(fd)
        path = Path(name)
    path.write_text(
        "".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies), encoding="utf-8"
    )
    return path


def run_wrk(
    url: str,
    *,
    method: str = "GET",
    bodies: Path | None = None,
    headers: dict[str, str] | None = None,
    connections: int = 8,
    threads: int = 2,
    duration_s: int = 10,
    rate: float | None = None,
    timeout_s: int = 5,
) -> WrkResult:
    """Run wrk with bench/wrk/bench.lua; `rate` (requests/s in total) paces the connections.

    The script prints a JSON summary (latency percentiles in µs) as its last line.
    """
    threads = min(threads, connections)
    args = [
        f"method={method}",
        f"bodies={bodies or ''}",
        f"rate={(rate or 0) / threads:.6f}",
        *(f"header={k}: {v}" for k, v in (headers or {}).items()),
    ]
    command = [
        WRK, "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s",
        "--timeout", f"{timeout_s}s", "-s", str(WRK_SCRIPT), url, "--", *args,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    summary = None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            summary = json.loads(line)
            break
    if done.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    seconds = summary["duration_us"] / 1e6
    return WrkResult(
        requests=summary["requests"],
        duration_s=seconds,
        rps=summary["requests"] / seconds,
        latency_ms={k: v / 1000 for k, v in summary["latency_us"].items()},
        errors=sum(summary["errors"].values()) - summary["errors"]["status"],
        non_2xx=summary["errors"]["status"],
    )


def max_rate(url: str, connection_counts: Sequence[int] = (4, 8, 16), **wrk_args) -> WrkResult:
    """The best throughput over a few connection counts (closed loop, as fast as it answers)."""
    best = None
    for connections in connection_counts:
        result = run_wrk(url, connections=connections, **wrk_args)
        if best is None or result.rps > best.rps:
            best = result
    assert best is not None
    return best
