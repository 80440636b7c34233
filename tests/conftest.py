"""Fixtures: every database test runs on SpatiaLite and on PostGIS (required in CI)."""

import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from app import create_app
from app.accounts.models import User
from app.accounts.service import create_user
from app.accounts.tokens import issue_pair
from app.areas.importer import import_feature_collection
from app.categories.seed import seed_categories
from app.extensions import db
from app.triage.seed import seed_rules
from app.units.service import create_unit
from tests import pg_admin
from tests.geometry import TEST_AREAS

# Fixtures shared by the browser tests (Chromium, a live server).
pytest_plugins = ["tests.browser"]

TEST_PASSWORD = "correct-horse-9"


def base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "LOG_JSON": False,
        "LOG_LEVEL": "WARNING",
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "SECRET_KEY": "test-secret",
        # The limiter stays on, but no test is held back by accident; tests of 429 lower these.
        "RATE_LIMIT_REPORTS_PER_ADDRESS": "10000 per minute",
        "RATE_LIMIT_REPORTS_PER_CODE": "10000 per minute",
        "RATE_LIMIT_PAGES_PER_ADDRESS": "10000 per minute",
        "RATE_LIMIT_TRACKING_WRITES_PER_ADDRESS": "10000 per minute",
    }


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostGIS database for this test session, dropped at the end."""
    _require_postgres()
    name = pg_admin.create_database(postgis=True)
    yield pg_admin.database_url(name)
    pg_admin.drop_database(name)


def _require_postgres() -> None:
    """PostgreSQL as tests/pg_admin.py finds it (TEST_PG_ADMIN_DSN, or Debian's defaults)."""
    try:
        pg_admin.admin_dsn()
    except pg_admin.Unreachable as error:
        if os.environ.get("REQUIRE_POSTGIS") == "1":
            pytest.fail(f"REQUIRE_POSTGIS=1 but PostgreSQL is not reachable: {error}")
        pytest.skip("PostgreSQL not reachable (set REQUIRE_POSTGIS=1 to make this a failure)")


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[Callable[[str], str]]:
    """Make brand-new, empty databases (no schema, no PostGIS extension yet)."""
    created: list[str] = []

    def make(dialect: str) -> str:
        if dialect == "sqlite":
            return f"sqlite:///{tmp_path / f'fresh-{len(created)}.db'}"
        _require_postgres()
        created.append(pg_admin.create_database())
        return pg_admin.database_url(created[-1])

    yield make
    for name in created:
        pg_admin.drop_database(name)


def empty_database_url(dialect: str, request, tmp_path_factory) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'jiefen.db'}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    """A database with the schema, one per dialect for the whole session."""
    url = empty_database_url(request.param, request, tmp_path_factory)
    app = create_app(base_config(url))
    with app.app_context():
        db.create_all()
        db.session.commit()
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def app(database_url):
    app = create_app(base_config(database_url))
    with app.app_context():
        _empty_tables()
        seed_categories()
        seed_rules()
        db.session.commit()
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def dialect(app) -> str:
    return db.engine.dialect.name


@pytest.fixture
def areas(app) -> dict:
    """The small test geography of tests/geometry.py, with one unit per sub-district."""
    import_feature_collection(TEST_AREAS)
    for code, name in (("S1", "一号街道"), ("S2", "二号街道")):
        create_unit(f"unit-{code}", f"{name}综治中心", "subdistrict", code)
    create_unit("unit-D", "测试区社会治理中心", "district", "D")
    db.session.commit()
    return TEST_AREAS


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str = "admin", areas: list[str] | None = None, unit: str | None = None, **kw):
        user = create_user(
            kw.pop("username", f"{role}{next(counter)}"),
            TEST_PASSWORD,
            [role],
            areas or [],
            unit,
            kw.pop("display_name", ""),
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def auth(app) -> Callable[[User], dict[str, str]]:
    """Authorization headers for a user, without going through the login endpoint."""

    def headers(user: User) -> dict[str, str]:
        pair = issue_pair(user)
        db.session.commit()
        return {"Authorization": f"Bearer {pair.access_token}"}

    return headers


@pytest.fixture
def admin_headers(make_user, auth) -> dict[str, str]:
    return auth(make_user("admin", username="root"))
