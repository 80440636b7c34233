"""`make run`'s server and background roles start together and stop together; links follow PORT."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import base_config
from tests.deploy.processes import REPO, free_port, wait_for_port

pytestmark = pytest.mark.slow

ROLES = {
    "sla sweep": "deadline sweep",
    "outbox deliver": "webhook deliverer",
    "triage presort": "pre-sorter",
    "flask run": "server",
}


def _children(pid: int) -> dict[int, str]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found[int(stat.parent.name)] = cmdline
        except (OSError, ValueError, IndexError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has stopped already; only its parent has not read its status.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_links_follow_host_and_port():
    def base_url(*args, **env):
        environ = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"} | env
        done = subprocess.run(
            ["make", "-s", "base-url", *args], cwd=REPO, env=environ, capture_output=True,
            text=True, timeout=30,
        )  # fmt: skip
        return done.stdout.strip()

    assert base_url() == "http://127.0.0.1:5000"
    assert base_url("PORT=5080") == "http://127.0.0.1:5080"
    assert base_url("HOST=127.0.0.5", "PORT=5080") == "http://127.0.0.5:5080"
    assert base_url("PORT=5080", PUBLIC_BASE_URL="https://jiefen.example.cn") == (
        "https://jiefen.example.cn"
    )


def test_serve_starts_and_stops_every_role(tmp_path):
    url = f"sqlite:///{tmp_path / 'jiefen.db'}"
    app = create_app(base_config(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "PY": sys.executable,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SWEEP_EVERY": "60",
        "PRESORT_AT_INTAKE": "false",
        "DATABASE_URL": url,
        "FLASK_APP": "wsgi",
        "SECRET_KEY": "serve-test",
        "LOG_LEVEL": "WARNING",
    }
    script = subprocess.Popen(
        ["bash", "scripts/serve.sh"], cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, script)
        children = _children(script.pid)
        started = {role for role in ROLES if any(role in cmd for cmd in children.values())}
        assert started == set(ROLES), children
        assert all(_alive(pid) for pid in children)
        script.send_signal(signal.SIGTERM)
        script.wait(20)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [children[pid] for pid in children if _alive(pid)]
    finally:
        # Whatever is left of the group (nothing, when the script did its job).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(script.pid, signal.SIGKILL)
        script.wait(5)
