"""The benchmark harness: percentiles, median of runs, a results table, wrk, and app servers."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
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


def points_in_district(url: str, count: int, seed: int) -> np.ndarray:
    """Random points spread evenly over the district's polygon, as an (n, 2) lon/lat array."""
    import psycopg
    import shapely

    from bench.district import sample_points

    with psycopg.connect(psycopg_url(url)) as conn:
        query = "SELECT ST_AsBinary(geom) FROM areas WHERE level = 'district'"
        row = conn.execute(query).fetchone()
    if row is None:
        raise SystemExit("no district in the database: run python -m bench.generate first")
    district = np.array([shapely.from_wkb(bytes(row[0]))])
    x, y, _ = sample_points(district, np.array([count]), np.random.default_rng(seed))
    return np.column_stack([x, y])


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
            print(textwrap.fill(note, 96, initial_indent="   ", subsequent_indent="   "))
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
    command = [
        sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        app_spec,
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with _running(name, command, env, cwd) as (process, log_path):
        _wait_ready(base + ready_path, process, log_path, timeout)
        yield Server(name, base, process, log_path)


@contextmanager
def _running(
    name: str, command: list[str], env: dict[str, str], cwd: Path
) -> Iterator[tuple[subprocess.Popen, Path]]:
    """`command` in its own process group, output to a temporary log; stopped afterwards."""
    fd, log_name = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
    with os.fdopen(fd, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process, Path(log_name)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def background(
    name: str, command: list[str], env: dict[str, str], settle_s: float = 4
) -> Iterator[Path]:
    """A helper process beside the servers (the pre-sorter), stopped afterwards; its log path."""
    with _running(name, command, env, ROOT) as (_process, log_path):
        time.sleep(settle_s)  # its start-up (importing the app) is not the load's CPU
        yield log_path


def service_env(database_url: str, **env: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", "FLASK_APP": "wsgi", **env}


def service_server(database_url: str, workers: int = 2, **env: str):
    """The real service (wsgi:app) on the given database, as production runs it."""
    return gunicorn(
        "service",
        "wsgi:app",
        service_env(database_url, **env),
        "/readyz",
        workers,
    )


# baseline_app.py creates this table as it is imported; two workers importing it at once
# race (CREATE TABLE IF NOT EXISTS is not safe against itself), so it is made beforehand.
BASELINE_TABLE = (
    "CREATE TABLE IF NOT EXISTS baseline_reports ("
    " id bigserial PRIMARY KEY, description text NOT NULL,"
    " location geometry(Point, 4326) NOT NULL, area_id bigint,"
    " created_at timestamptz NOT NULL DEFAULT now())"
)


def baseline_server(database_url: str, workers: int = 2, **env: str):
    """../shared/bench/baseline_app.py on our schema (its documented environment)."""
    import psycopg

    with psycopg.connect(psycopg_url(database_url), autocommit=True) as conn:
        conn.execute(BASELINE_TABLE)
    env = {
        "DATABASE_URL": psycopg_url(database_url),
        "AREA_TABLE": "areas",
        "AREA_GEOM": "geom",
        "AREA_ID": "id",
        **env,
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


def write_lines(lines: Sequence[str], suffix: str = ".txt") -> Path:
    """A temporary file of lines for the Lua script (the caller deletes it)."""
    fd, name = tempfile.mkstemp(prefix="bench-", suffix=suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)
    return Path(name)


def write_bodies(bodies: Sequence[dict]) -> Path:
    """One JSON body per line, for the Lua script to send in turn."""
    return write_lines([json.dumps(b, ensure_ascii=False) for b in bodies], ".jsonl")


def staff_token(base_url: str, username: str, password: str) -> str:
    """An access token from the service's own login endpoint."""
    request = urllib.request.Request(
        base_url + "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]


def run_wrk(
    url: str,
    *,
    method: str = "GET",
    bodies: Path | None = None,
    paths: Path | None = None,
    headers: dict[str, str] | None = None,
    connections: int = 8,
    threads: int = 2,
    duration_s: int = 10,
    rate: float | None = None,
    timeout_s: int = 5,
) -> WrkResult:
    """Run wrk with bench/wrk/bench.lua; `rate` (requests/s in total) paces the connections.

    `bodies`: a file of JSON bodies sent in turn; `paths`: a file of paths to GET in turn.

    The script prints a JSON summary (latency percentiles in µs) as its last line.
    """
    threads = min(threads, connections)
    args = [
        f"method={method}",
        f"bodies={bodies or ''}",
        f"paths={paths or ''}",
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


@dataclass
class LoadFigures:
    """An endpoint under load: its best rate, and latency when offered 70% of it."""

    max_rps: float
    paced_rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    def add_to(self, results: Results, label: str, runs: int) -> None:
        detail = f"median of {runs} runs"
        results.add(f"{label} max rate", self.max_rps, "req/s", detail)
        results.add(f"{label} p50 @70%", self.p50_ms, "ms", f"at {self.paced_rps:,.0f} req/s")
        results.add(f"{label} p99 @70%", self.p99_ms, "ms", f"at {self.paced_rps:,.0f} req/s")
        if self.errors:
            results.notes.append(f"{label}: {self.errors} errors or non-2xx answers")


LOAD_METHOD = (
    "max rate: wrk closed loop (each connection sends as soon as it has an answer), the best "
    "of {counts} connections; latency: wrk paced by bench/wrk/bench.lua's delay() to 70% of "
    "that rate, so requests are not queued behind each other and the figure is the service's "
    "own time (wrk2 is not packaged; unlike wrk2 this does not charge a stall to the requests "
    "that would have been sent during it)"
)


def measure_load(
    url: str,
    *,
    runs: int = 3,
    duration_s: int = 8,
    connection_counts: Sequence[int] = (2, 4, 8),
    paced_connections: int = 8,
    threads: int = 1,
    **wrk_args,
) -> LoadFigures:
    """Median over runs of: max rate, then p50/p99 latency at 70% of that run's max rate."""
    per_run = []
    errors = 0
    for _ in range(runs):
        best = max_rate(url, connection_counts, duration_s=duration_s, threads=threads, **wrk_args)
        paced = run_wrk(
            url,
            connections=paced_connections,
            threads=threads,
            duration_s=duration_s,
            rate=0.7 * best.rps,
            **wrk_args,
        )
        errors += best.errors + best.non_2xx + paced.errors + paced.non_2xx
        per_run.append(
            {
                "max_rps": best.rps,
                "paced_rps": paced.rps,
                "p50_ms": paced.latency_ms["p50"],
                "p99_ms": paced.latency_ms["p99"],
            }
        )
    median = median_of_runs(per_run)
    return LoadFigures(errors=errors, **median)
