"""The district at scale, on one machine: a database host, a replica host, two app hosts.

* db: PostgreSQL (a fresh instance made here with initdb) and Redis, each bound to the host's
  address;
* replica: a streaming replica of it made with pg_basebackup;
* app1, app2: each runs what an app server runs in production — gunicorn serving the app,
  the pre-sorter, the webhook deliverer and the deadline sweep — configured only by the
  environment, as the README says;
* client: where the test's residents, cleaners and webhook receiver sit.

Every process is started in a session of its own and ended by its process group, so a
failing test still leaves nothing running (see `Cluster.stop`).
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.scale.netns import Network

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
SECRET_KEY = "scale-test-secret-key"
APP_PORT = 8000
ADDRESSES = {"db": 1, "replica": 5, "app1": 2, "app2": 3, "client": 4}
AS_POSTGRES = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]


def available() -> str | None:
    missing = [p for p in ("initdb", "postgres", "pg_basebackup") if not (PG_BIN / p).exists()]
    if missing:
        return f"PostgreSQL 15 server binaries missing: {missing}"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    return None


@dataclass
class Cluster:
    network: Network = field(default_factory=Network)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="jiefen-scale-")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def address(self, host: str) -> str:
        return self.network.hosts[host]

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@{self.address('db')}:5432/jiefen"

    @property
    def replica_url(self) -> str:
        return f"postgresql://postgres@{self.address('replica')}:5432/jiefen"

    def app_url(self, host: str) -> str:
        return f"http://{self.address(host)}:{APP_PORT}"

    # -- processes ---------------------------------------------------------------------

    def start(self, name: str, host: str, argv: list[str], env: dict | None = None, cwd=None):
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            self.network.command(host, argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
        log.close()
        return self.processes[name]

    def run(self, host: str, argv: list[str], env: dict | None = None, timeout: float = 120):
        """Run a command on a host to its end; its output on failure."""
        result = subprocess.run(
            self.network.command(host, argv),
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=REPO,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{argv} on {host} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def signal(self, name: str, sig: int) -> None:
        process = self.processes.get(name)
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)

    def kill_host(self, host: str) -> None:
        """The host dies: its cable first, so nothing it had open is closed politely (the
        database never hears from its sessions again), then every process on it."""
        self.network.unplug(host)
        for name in [n for n in self.processes if n.startswith(f"{host}-")]:
            self.signal(name, signal.SIGKILL)
        for name in [n for n in self.processes if n.startswith(f"{host}-")]:
            self.processes[name].wait(timeout=10)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        # The reverse of the start: app hosts, then the replica, Redis, the primary.
        names = list(reversed(self.processes))
        for name in names:
            if name.endswith("-pg"):
                # Only the postmaster: its children each take SIGINT as something else.
                process = self.processes[name]
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.pid, signal.SIGINT)  # fast shutdown
            else:
                self.signal(name, signal.SIGTERM)
        deadline = time.monotonic() + 8
        for name in names:
            process = self.processes[name]
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.signal(name, signal.SIGKILL)
                process.wait(timeout=10)
        self.network.destroy()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- the hosts -----------------------------------------------------------------------

    def build(self) -> None:
        self.network.create()
        for host, number in ADDRESSES.items():
            self.network.add_host(host, number)
        os.chmod(self.workdir, 0o755)
        self._start_primary()
        self.start(
            "db-redis",
            "db",
            ["redis-server", "--bind", self.address("db"), "--port", "6379", "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
        )  # fmt: skip
        self._wait_for_postgres("db")
        self.run("db", self._psql("db", "CREATE DATABASE jiefen"))
        # The schema as production gets it: the migrations, then the demo district.
        self.run("app1", [sys.executable, "-m", "flask", "db", "upgrade"], self.app_env())
        self.run("app1", [sys.executable, "-m", "flask", "demo", "load"], self.app_env())
        self._start_replica()
        for host in ("app1", "app2"):
            self.start_app_host(host)

    def _postgres(self, name: str, host: str, datadir: Path) -> None:
        # The socket outside the data directory, or pg_basebackup would copy its lock file.
        sockets = self.workdir / f"{name}-socket"
        sockets.mkdir()
        shutil.chown(sockets, "postgres", "postgres")
        self.start(
            name,
            host,
            [*AS_POSTGRES, str(PG_BIN / "postgres"), "-D", str(datadir),
             "-c", f"listen_addresses={self.address(host)}", "-c", "port=5432",
             "-c", f"unix_socket_directories={sockets}", "-c", "max_connections=300",
             "-c", "fsync=off", "-c", "synchronous_commit=on", "-c", "full_page_writes=off",
             # A host that dies mid-transaction never says so: its sessions would hold their
             # row locks until TCP gives up (hours). docs/SCALING.md: production sets this too.
             "-c", "idle_in_transaction_session_timeout=5s",
             "-c", "tcp_keepalives_idle=10", "-c", "tcp_keepalives_interval=5",
             "-c", "tcp_keepalives_count=3"],
        )  # fmt: skip

    def _start_primary(self) -> None:
        datadir = self.workdir / "primary"
        datadir.mkdir()
        shutil.chown(datadir, "postgres", "postgres")
        self.run(
            "db",
            [*AS_POSTGRES, str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
        )  # fmt: skip
        with open(datadir / "pg_hba.conf", "a") as hba:
            hba.write(
                f"host all all {self.network.hosts['db'].rsplit('.', 1)[0]}.0/24 trust\n"
                f"host replication all {self.network.hosts['db'].rsplit('.', 1)[0]}.0/24 trust\n"
            )
        self._postgres("db-pg", "db", datadir)

    def _start_replica(self) -> None:
        datadir = self.workdir / "replica"
        datadir.mkdir(mode=0o700)
        shutil.chown(datadir, "postgres", "postgres")
        self.run(
            "replica",
            [*AS_POSTGRES, str(PG_BIN / "pg_basebackup"), "-h", self.address("db"),
             "-U", "postgres", "-D", str(datadir), "-R", "-X", "stream", "--checkpoint=fast"],
        )  # fmt: skip
        self._postgres("replica-pg", "replica", datadir)
        self._wait_for_postgres("replica")

    def _psql(self, host: str, sql: str, database: str = "postgres") -> list[str]:
        return [str(PG_BIN / "psql"), "-h", self.address(host), "-U", "postgres", "-d", database,
                "-v", "ON_ERROR_STOP=1", "-Atc", sql]  # fmt: skip

    def sql(self, host: str, sql: str) -> str:
        return self.run(host, self._psql(host, sql, "jiefen")).strip()

    def _wait_for_postgres(self, host: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            probe = subprocess.run(
                self.network.command(
                    host, [str(PG_BIN / "pg_isready"), "-h", self.address(host), "-q"]
                ),
                timeout=10,
            )
            if probe.returncode == 0:
                return
            time.sleep(0.3)
        raise RuntimeError(f"PostgreSQL on {host} did not start:\n{self.log(host + '-pg')}")

    def app_env(self, host: str = "app1") -> dict[str, str]:
        return {
            "FLASK_APP": "wsgi",
            "JIEFEN_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": self.database_url,
            "STATS_DATABASE_URL": self.replica_url,
            "RATELIMIT_STORAGE_URI": f"redis://{self.address('db')}:6379/0",
            "PRESORT_AT_INTAKE": "false",
            "PHOTO_STORAGE_DIR": str(self.workdir / host / "photos"),
            "PUBLIC_BASE_URL": "http://jiefen.example",
            "LOG_LEVEL": "WARNING",
            "PASSWORD_HASH_TIME_COST": "1",
            "PASSWORD_HASH_MEMORY_KIB": "8192",
            # Residents all come from the client host's one address: only the page limit
            # is low, to watch it being shared.
            "RATE_LIMIT_REPORTS_PER_ADDRESS": "100000 per hour",
            "RATE_LIMIT_REPORTS_PER_CODE": "100000 per hour",
            "RATE_LIMIT_PAGES_PER_ADDRESS": "15 per hour",
            "WEBHOOK_RETRY_BASE_SECONDS": "1",
            "ESCALATE_RED_AFTER_HOURS": "10000",
        }

    def _gunicorn(self, host: str, env: dict[str, str]) -> list[str]:
        """The web server as production starts it: with deploy/'s settings when they are there."""
        bind = f"{self.address(host)}:{APP_PORT}"
        if GUNICORN_CONF.exists():
            env.update(
                GUNICORN_BIND=bind,
                GUNICORN_WORKERS="2",
                PROMETHEUS_MULTIPROC_DIR=str(self.workdir / host / "metrics"),
            )
            return [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "wsgi:app"]
        return [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", bind, "wsgi:app"]

    def start_app_host(self, host: str) -> None:
        env = self.app_env(host)
        flask = [sys.executable, "-m", "flask"]
        self.start(f"{host}-web", host, self._gunicorn(host, env), env, REPO)
        self.start(
            f"{host}-presort", host, [*flask, "triage", "presort", "--every", "1"], env, REPO
        )
        self.start(f"{host}-deliver", host, [*flask, "outbox", "deliver", "--interval", "0.3"],
                   env, REPO)  # fmt: skip
        self.start(f"{host}-sweep", host, [*flask, "sla", "sweep", "--every", "1"], env, REPO)
