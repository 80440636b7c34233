"""Which PostgreSQL the suite ran on, and that it got in the way that server allows.

`.ci/run` runs the suite twice over PostgreSQL: all of it on the machine's own server (here a
preset one that trusts `postgres` over TCP; on a fresh Debian, Debian's), then every PostgreSQL
test again on a cluster scripts/debian-postgres.sh makes as Debian ships one, with
TEST_PG_CONFIG=debian. This test runs in both and says which configuration was exercised."""

import os
from urllib.parse import urlsplit

import psycopg
import pytest

from tests import pg_admin


def hba_rules(dsn: str) -> list[tuple[str, list[str], list[str], str | None, str]]:
    """The server's pg_hba.conf as it parsed it: (type, databases, users, address, method)."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT type, database, user_name, address, auth_method FROM pg_hba_file_rules"
            " WHERE error IS NULL ORDER BY line_number"
        ).fetchall()


def tcp_method(rules) -> str | None:
    """The method the first rule for the suite's TCP connections (127.0.0.1) asks for."""
    for kind, _databases, _users, address, method in rules:
        if kind in ("host", "hostssl") and address in ("127.0.0.1", "all", "samehost"):
            return method
    return None


def test_the_suite_gets_into_postgresql_the_way_the_server_allows(postgres_database):
    requested = os.environ.get("TEST_PG_ADMIN_DSN", pg_admin.DEFAULT_ADMIN_DSN)
    admin = pg_admin.admin_dsn()
    rules = hba_rules(admin)
    with psycopg.connect(postgres_database) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert superuser.fetchone()[0], "the suite's role must create PostGIS in its databases"
    if admin == requested:
        # Let in as asked: trust, or a password in the DSN.
        assert tcp_method(rules) == "trust" or urlsplit(requested).password
    else:
        # Refused as asked: the suite made its own role over the socket, as the postgres OS user.
        parts = urlsplit(admin)
        assert parts.username == os.environ.get("TEST_PG_ROLE", "jiefen_test") and parts.password
        assert tcp_method(rules) in ("scram-sha-256", "md5", "password")


@pytest.mark.postgresql
def test_the_debian_run_is_on_debians_defaults():
    """Only in the run on scripts/debian-postgres.sh's cluster: it is configured as Debian ships
    PostgreSQL, and the suite did not get in the way the preset lets it."""
    if os.environ.get("TEST_PG_CONFIG") != "debian":
        pytest.skip("TEST_PG_CONFIG=debian is set by scripts/debian-postgres.sh (.ci/run)")
    requested = os.environ["TEST_PG_ADMIN_DSN"]
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(requested, connect_timeout=3, passfile="/dev/null").close()
    admin = pg_admin.admin_dsn()
    assert admin != requested
    rules = hba_rules(admin)
    methods = {(kind, method) for kind, _d, _u, _a, method in rules}
    assert {kind for kind, _ in methods} >= {"local", "host"}
    assert all(method == "peer" for kind, method in methods if kind == "local"), rules
    assert all(method == "scram-sha-256" for kind, method in methods if kind != "local"), rules
    with psycopg.connect(admin) as conn:
        assert conn.execute("SHOW password_encryption").fetchone()[0] == "scram-sha-256"
        databases = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
    assert "test" not in databases
