"""scripts/system-deps.sh: each command installs what it uses, and apt waits for the dpkg lock.

dpkg, id and apt-get are stand-ins on PATH here (nothing is installed): the script's choices
are what is tested, on a machine that has none of the packages.
"""

import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy.processes import REPO


def _fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def run(tmp_path: Path, role: str, uid: int) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "apt.log"
    _fake(bin_dir, "dpkg", "exit 1")  # nothing installed
    _fake(bin_dir, "id", f"echo {uid}")
    _fake(bin_dir, "apt-get", f'echo "$*" >> {log}')
    done = subprocess.run(
        ["bash", "scripts/system-deps.sh", role], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, timeout=30,
    )  # fmt: skip
    return done, log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize(
    ("role", "wanted", "unwanted"),
    [
        ("run", {"python3-venv", "libsqlite3-mod-spatialite", "fonts-wqy-microhei"},
         {"chromium", "wrk", "nginx", "libzbar0"}),
        ("test", {"python3-venv", "chromium", "nginx", "postgresql-15-postgis-3"}, {"wrk"}),
        ("bench", {"python3-venv", "wrk", "postgresql-15-postgis-3"}, {"chromium", "nginx"}),
    ],
)  # fmt: skip
def test_each_command_installs_what_it_uses(tmp_path, role, wanted, unwanted):
    done, apt = run(tmp_path, role, uid=1000)
    assert done.returncode == 1 and not apt  # not root: says what to run, runs nothing
    command = done.stderr.splitlines()[-1]
    packages = set(command.split("apt-get install -y ", 1)[1].split())
    assert wanted <= packages and not unwanted & packages, command


def test_as_root_apt_waits_for_the_dpkg_lock(tmp_path):
    done, apt = run(tmp_path, "run", uid=0)
    assert done.returncode == 0, done.stderr
    assert len(apt) == 2 and apt[0].endswith(" update") and " install " in apt[1]
    assert all("DPkg::Lock::Timeout=" in line for line in apt)
    assert "python3-venv" in apt[1] and "chromium" not in apt[1]
