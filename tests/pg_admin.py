"""The test suite's way into PostgreSQL, on this machine's preset server or on Debian's defaults.

`TEST_PG_ADMIN_DSN` (default postgresql://postgres@127.0.0.1:5432/test) names a role that may
create databases and the PostGIS extension. Where that fails — Debian's own PostgreSQL asks for
a password over TCP (scram) and lets only the `postgres` OS user in over the socket (peer) — the
suite becomes that OS user (`TEST_PG_OS_USER`, default postgres; empty turns this off; needs
root) and, over the socket, creates a login role `TEST_PG_ROLE` (default jiefen_test) with a
fresh random password, then uses it over TCP like any client. Throw-away databases are named
`TEST_DB_PREFIX` (default jiefen_test_) and a random suffix, so parallel runs do not collide.
"""

import functools
import os
import pwd
import secrets
import shutil
import subprocess
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
DB_PREFIX = os.environ.get("TEST_DB_PREFIX", "jiefen_test_")


class Unreachable(Exception):
    pass


def _reachable(dsn: str) -> str | None:
    """None when the DSN connects, else why not."""
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _as_os_user(os_user: str, port: int, role: str) -> str:
    """Over the socket as `os_user` (peer auth): a superuser login role with a new password."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        raise Unreachable(f"becoming the {os_user} OS user needs root")
    try:
        pwd.getpwnam(os_user)
    except KeyError as error:
        raise Unreachable(f"no {os_user} OS user") from error
    password = secrets.token_urlsafe(24)
    # SUPERUSER: the suite creates the PostGIS extension in each throw-away database.
    sql = (
        f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} LOGIN SUPERUSER; END IF; END$$;"
        f"ALTER ROLE {role} LOGIN SUPERUSER PASSWORD '{password}';"
    )
    done = subprocess.run(
        ["runuser", "-u", os_user, "--", "psql", "-X", "-q", "-p", str(port), "-d", "postgres",
         "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, timeout=30, cwd="/",
    )  # fmt: skip
    if done.returncode != 0:
        raise Unreachable(f"psql as {os_user}: {done.stderr.strip()}")
    return password


@functools.cache
def admin_dsn() -> str:
    """A DSN of a role that may create databases; raises Unreachable with the reasons."""
    dsn = os.environ.get("TEST_PG_ADMIN_DSN", DEFAULT_ADMIN_DSN)
    problem = _reachable(dsn)
    if problem is None:
        return dsn
    os_user = os.environ.get("TEST_PG_OS_USER", "postgres")
    if not os_user:
        raise Unreachable(f"{dsn}: {problem}")
    parts = urlsplit(dsn)
    role = os.environ.get("TEST_PG_ROLE", "jiefen_test")
    try:
        password = _as_os_user(os_user, parts.port or 5432, role)
    except (Unreachable, OSError, subprocess.TimeoutExpired) as error:
        raise Unreachable(f"{dsn}: {problem}; {error}") from error
    host = parts.hostname or "127.0.0.1"
    fallback = urlunsplit(
        (parts.scheme, f"{role}:{password}@{host}:{parts.port or 5432}", "/postgres", "", "")
    )
    problem_again = _reachable(fallback)
    if problem_again is not None:
        raise Unreachable(f"{dsn}: {problem}; as {role}: {problem_again}")
    return fallback


def database_url(name: str) -> str:
    parts = urlsplit(admin_dsn())
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def create_database(postgis: bool = False) -> str:
    name = f"{DB_PREFIX}{secrets.token_hex(5)}"
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    if postgis:
        with psycopg.connect(database_url(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
