"""Pooled PostgreSQL connections: one the server dropped while idle never reaches a request."""

import time

import psycopg
import pytest
from sqlalchemy import exc, text

from app import create_app
from app.extensions import db
from tests.conftest import base_config


def _backend_pid() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()
    db.session.remove()  # back to the pool
    return pid


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):
            gone = admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))
            if gone.fetchone() is None:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} did not end")


def _app(url: str, idle_seconds: float):
    return create_app({**base_config(url), "DB_PING_AFTER_IDLE_SECONDS": idle_seconds})


def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_database):
    app = _app(postgres_database, 0)
    with app.app_context():
        pid = _backend_pid()
        _terminate(postgres_database, pid)
        assert _backend_pid() != pid
        db.engine.dispose()


def test_a_connection_in_steady_use_is_not_tested(postgres_database):
    """The other side of the bargain (and proof the test above can fail): within the idle
    threshold nothing is tested, so a connection dropped that moment fails its query."""
    app = _app(postgres_database, 3600)
    with app.app_context():
        pid = _backend_pid()
        _terminate(postgres_database, pid)
        with pytest.raises(exc.OperationalError):
            _backend_pid()
        db.session.rollback()
        db.session.remove()
        assert _backend_pid() != pid  # the pool threw the dead one away
        db.engine.dispose()


@pytest.mark.dialects("sqlite")
def test_sqlite_commits_to_the_wal_without_an_fsync_each(app):
    """WAL + synchronous=NORMAL (1): durable across a crash of the app, one fsync per
    checkpoint rather than per commit; foreign keys on, writers wait for the lock."""
    connection = db.session.connection()
    pragma = {
        name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 30000,
    }
