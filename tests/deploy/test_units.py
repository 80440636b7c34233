"""The systemd units in deploy/systemd: well-formed (systemd-analyze), and every command they
start is one the app has."""

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from tests.conftest import base_config
from tests.deploy.processes import DEPLOY, REPO

UNITS = sorted((DEPLOY / "systemd").iterdir())
SERVICES = [unit for unit in UNITS if unit.suffix == ".service"]
ROLES = {
    "jiefen-web.service": "gunicorn",
    "jiefen-presort.service": "triage presort",
    "jiefen-webhooks.service": "outbox deliver",
    "jiefen-sweep.service": "sla sweep",
    "jiefen-anonymise.service": "reports anonymise",
}


def _exec_start(unit: Path) -> list[str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(unit)
    return shlex.split(parser["Service"]["ExecStart"])


def test_every_role_has_a_unit_and_every_timer_a_service():
    assert {unit.name for unit in SERVICES} == set(ROLES)
    for timer in (unit for unit in UNITS if unit.suffix == ".timer"):
        assert timer.with_suffix(".service") in SERVICES


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # --help needs no database: a SQLite file that is never written.
    return create_app(base_config(f"sqlite:///{tmp_path_factory.mktemp('units') / 'x.db'}"))


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_the_command_exists(app, unit):
    command = _exec_start(unit)
    assert command[0].startswith("/srv/jiefen/.venv/bin/")
    if command[0].endswith("/gunicorn"):
        assert command[1:] == ["-c", "/srv/jiefen/deploy/gunicorn.conf.py", "wsgi:app"]
        assert (REPO / "deploy" / "gunicorn.conf.py").exists() and (REPO / "wsgi.py").exists()
        return
    assert command[0].endswith("/flask") and " ".join(command[1:3]) == ROLES[unit.name]
    shown = app.test_cli_runner().invoke(args=[*command[1:], "--help"])
    assert shown.exit_code == 0, shown.output


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path):
    # Installed paths point at this checkout and its virtualenv, nothing else changes.
    bin_dir = Path(sys.executable).parent
    for unit in UNITS:
        text = unit.read_text().replace("/srv/jiefen/.venv/bin/", f"{bin_dir}/")
        (tmp_path / unit.name).write_text(text.replace("/srv/jiefen", str(REPO)))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    problems = [line for line in done.stderr.splitlines() if "/etc/jiefen.env" not in line]
    assert done.returncode == 0 and not problems, done.stderr
