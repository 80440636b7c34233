"""The suite on a PostgreSQL set up exactly as Debian ships it: peer over the socket, scram over
TCP, no `test` database, no trust. The test makes such a cluster itself (pg_createcluster, on a
free port), runs the PostGIS side of a few test modules against it, and drops it."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.deploy.processes import REPO, free_port

pytestmark = pytest.mark.slow

# Modules whose PostGIS cases touch what differs on such a server (creating databases, roles and
# the extension, spatial SQL, pg_dump and pg_restore with a password), kept few so the check
# stays short. The whole suite runs there too:
# TEST_PG_ADMIN_DSN=postgresql://postgres@127.0.0.1:PORT/postgres make test
MODULES = [
    "tests/core/test_database.py",
    "tests/areas/test_locate.py",
    "tests/backups/test_backup_restore.py",
]


def _postgis_version() -> str | None:
    """The newest PostgreSQL major version with PostGIS installed."""
    versions = [
        path.parent.parent.name
        for path in Path("/usr/share/postgresql").glob("*/extension/postgis.control")
    ]
    return max(versions, key=int) if versions else None


@pytest.fixture
def debian_cluster():
    version = _postgis_version()
    if not (shutil.which("pg_createcluster") and version and os.geteuid() == 0):
        if os.environ.get("CI"):
            pytest.fail("CI needs root, pg_createcluster and PostGIS to try Debian's defaults")
        pytest.skip("needs root, postgresql-common and PostGIS")
    name, port = f"jiefen_{secrets.token_hex(4)}", free_port()
    subprocess.run(
        ["pg_createcluster", version, name, "-p", str(port), "--",
         "--auth-local=peer", "--auth-host=scram-sha-256"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    try:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        yield port
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=60)


def test_suite_on_debian_default_postgresql(debian_cluster):
    dsn = f"postgresql://postgres@127.0.0.1:{debian_cluster}/postgres"
    # What the suite used to assume does not hold here: TCP wants a password.
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(dsn, connect_timeout=3).close()
    env = {
        **os.environ,
        "TEST_PG_ADMIN_DSN": dsn,
        "TEST_DB_PREFIX": "jiefen_debian_",
        "REQUIRE_POSTGIS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "-k", "postgresql",
         *MODULES],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    tail = done.stdout[-3000:]
    assert done.returncode == 0, tail
    passed = re.search(r"(\d+) passed", tail)
    assert passed and int(passed.group(1)) >= 5 and "skipped" not in tail, tail
