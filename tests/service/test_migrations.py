"""Migrations applied to an empty database give exactly the schema the models describe.

Runs the real commands (`flask db upgrade`, `flask db check`) in a fresh interpreter: GeoAlchemy2
edits table metadata while other tests create schemas, so an in-process comparison would lie.
"""

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.categories.seed import CATEGORIES
from app.core.database import database_uri, engine_options
from app.reports.models import REPORTS_FILLFACTOR, SELDOM_SET_KEYS
from tests.helpers.commands import flask

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
# Column types are code the migrations may share; rows of data they must not.
ALLOWED_APP_IMPORTS = {"app.core.types"}


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
        if dialect == "postgresql":
            # A storage parameter `db check` does not compare: the models' create_all sets it too.
            options = connection.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'reports'")
            ).scalar()
            assert f"fillfactor={REPORTS_FILLFACTOR}" in options
        # Nor does it compare a partial index's condition.
        for column in SELDOM_SET_KEYS:
            assert f"{column} IS NOT NULL" in _index_sql(
                connection, dialect, f"ix_reports_{column}"
            )
    engine.dispose()


def _index_sql(connection, dialect: str, name: str) -> str:
    if dialect == "postgresql":
        query = "SELECT pg_get_indexdef(CAST(:name AS regclass))"
    else:
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    return connection.execute(text(query), {"name": name}).scalar_one()


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


def _app_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "app":
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.split(".")[0] == "app"}
    return names


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.name)
def test_a_migration_owns_its_data_and_is_named_for_what_it_does(path):
    """Seed rows are written out in the migration: editing a live seed never rewrites history."""
    assert _app_imports(path) <= ALLOWED_APP_IMPORTS
    revision = re.search(r"^revision = ['\"]([^'\"]+)", path.read_text(), re.M).group(1)
    assert path.name.startswith(revision) and re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", path.name)


def test_the_renamed_deadlines_migration_keeps_its_place_in_the_chain():
    """0005's file got a name; Alembic follows revision ids, so 0006 still revises it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(VERSIONS.parent))
    scripts = ScriptDirectory.from_config(config)
    deadlines = scripts.get_revision("0005")
    assert Path(deadlines.path).name == "0005_deadlines_cards_and_calendar.py"
    assert deadlines.down_revision == "0004"
    assert scripts.get_revision("0006").down_revision == "0005"
