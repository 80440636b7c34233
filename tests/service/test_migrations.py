"""Migrations applied to an empty database give exactly the schema the models describe.

Runs the real commands (`flask db upgrade`, `flask db check`) in a fresh interpreter: GeoAlchemy2
edits table metadata while other tests create schemas, so an in-process comparison would lie.
"""

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from app.categories.seed import CATEGORIES
from app.core.database import database_uri, engine_options


def flask(args: list[str], url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url, FLASK_APP="wsgi", LOG_JSON="0")
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_migrations_match_models(dialect, fresh_database):
    url = fresh_database(dialect)
    upgraded = flask(["db", "upgrade"], url)
    assert upgraded.returncode == 0, upgraded.stderr
    checked = flask(["db", "check"], url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr

    uri = database_uri({"DATABASE_URL": url}, "")
    engine = create_engine(uri, **engine_options(uri, {}))
    if dialect == "sqlite":
        from app.core.database import configure_sqlite_engine

        configure_sqlite_engine(engine, "mod_spatialite")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM categories")).scalar() == len(
            CATEGORIES
        )
    engine.dispose()


def test_check_notices_a_model_the_migrations_lack(fresh_database, tmp_path):
    """The check above can fail: a column missing from the migrated schema is reported."""
    url = fresh_database("sqlite")
    assert flask(["db", "upgrade"], url).returncode == 0
    uri = database_uri({"DATABASE_URL": url}, "")
    engine = create_engine(uri, **engine_options(uri, {}))
    from app.core.database import configure_sqlite_engine

    configure_sqlite_engine(engine, "mod_spatialite")
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_units_area_code"))
    engine.dispose()
    checked = flask(["db", "check"], url)
    assert checked.returncode != 0
    assert "ix_units_area_code" in checked.stdout + checked.stderr
