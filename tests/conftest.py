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
from app.extensions import db, limiter
from app.triage.seed import seed_rules
from app.units.service import create_unit
from tests import pg_admin
from tests.helpers.geometry import TEST_AREAS
from tests.helpers.isolation import needs_real_commits, rollback_isolation

# Fixtures shared by the browser tests (Chromium, a live server).
pytest_plugins = ["tests.browser"]

TEST_PASSWORD = "correct-horse-9"
DIALECTS = ("sqlite", "postgresql")
# A commit in a test joined to the outer transaction only releases a savepoint.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


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


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "dialects(*names): run this test on these databases only (sqlite, postgresql); "
        "for tests of no database behaviour. Default: both.",
    )
    config.addinivalue_line(
        "markers",
        "postgresql: the test uses PostgreSQL without a PostgreSQL fixture or parameter "
        "(kept by --postgresql-only)",
    )
    config.addinivalue_line(
        "markers",
        "commits: the test needs real commits (other connections, threads, a live server); "
        "found by itself for the usual cases, see needs_real_commits.",
    )


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--postgresql-only",
        action="store_true",
        help="run only the tests that use PostgreSQL (.ci/run's second run, on a cluster "
        "configured as Debian ships it: scripts/debian-postgres.sh)",
    )


def uses_postgresql(item) -> bool:
    """A test run on PostgreSQL: the PostgreSQL case of a dialect-parametrized test, one using a
    PostgreSQL fixture, or one marked `postgresql`."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec else ()
    return (
        any(isinstance(value, str) and value == "postgresql" for value in params)
        or bool({"postgres_database", "fresh_database"} & set(item.fixturenames))
        or item.get_closest_marker("postgresql") is not None
    )


def pytest_collection_modifyitems(config, items) -> None:
    if not config.getoption("--postgresql-only"):
        return
    kept = [item for item in items if uses_postgresql(item)]
    dropped = [item for item in items if not uses_postgresql(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_generate_tests(metafunc) -> None:
    """GeoAlchemy2's pattern: every test on a database runs once per dialect it is marked for."""
    if "database_url" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("dialects")
    names = list(marker.args) if marker else list(DIALECTS)
    unknown = set(names) - set(DIALECTS)
    if unknown:
        raise pytest.UsageError(f"unknown dialect(s) {sorted(unknown)}; use {DIALECTS}")
    metafunc.parametrize("database_url", names, indirect=True, scope="session")


@pytest.fixture(scope="session")
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


def _seed() -> None:
    """What every test starts from: the categories and the triage rules, nothing else."""
    seed_categories()
    seed_rules()
    db.session.commit()


class SessionApp:
    """One app per dialect for the whole run: building one (the OpenAPI document above all)
    was most of every test's setup. A test that adds a route or a handler gets it on the
    shared app; the app is then built again for the tests after it."""

    def __init__(self, url: str):
        self.url = url
        self.app = self._build()

    def _build(self):
        app = create_app(base_config(self.url))
        with app.app_context():
            _empty_tables()
            _seed()
            db.session.remove()
        return app

    def checkout(self):
        # Flask refuses new routes once an app has served a request; a test may still add one.
        self.app._got_first_request = False
        return self.app, self._setup_of(self.app)

    def checkin(self, app, setup) -> None:
        if self._setup_of(app) != setup:
            with app.app_context():
                db.engine.dispose()
            self.app = self._build()

    @staticmethod
    def _setup_of(app) -> tuple:
        # Flask keeps these in defaultdicts that serving a request fills with empty entries:
        # only what is registered counts.
        handlers = {
            (blueprint, code, kind): handler
            for blueprint, codes in app.error_handler_spec.items()
            for code, kinds in codes.items()
            for kind, handler in kinds.items()
        }
        hooks = [
            {name: tuple(funcs) for name, funcs in registry.items() if funcs}
            for registry in (
                app.before_request_funcs,
                app.after_request_funcs,
                app.teardown_request_funcs,
            )
        ]
        return (len(app.url_map._rules), tuple(app.view_functions), handlers, *hooks)

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def session_app(database_url) -> Iterator[SessionApp]:
    apps = SessionApp(database_url)
    yield apps
    apps.close()


@pytest.fixture
def app(session_app, request):
    """The app in an app context, with categories and rules seeded and every other table empty.

    Most tests run inside one outer transaction that is rolled back at the end (their commits
    only release savepoints). Tests that need real commits get them and the tables are emptied
    and seeded again afterwards. The app's config and rate-limit counts are restored too.
    """
    shared, setup = session_app.checkout()
    config = dict(shared.config)
    try:
        with shared.app_context():
            limiter.reset()
            if needs_real_commits(request):
                yield from _committing(shared)
            else:
                yield from _rolled_back(shared)
    finally:
        shared.config.clear()
        shared.config.update(config)
        session_app.checkin(shared, setup)


def _committing(app):
    try:
        yield app
    finally:
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        _seed()
        db.session.remove()


def _rolled_back(app):
    engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    # Flask-SQLAlchemy's session asks `db.engines` for its bind: every session in this app
    # context now joins the outer transaction and turns its commits into savepoints.
    engines[None] = connection  # type: ignore[index]
    rollback_isolation.active = True
    try:
        yield app
    finally:
        rollback_isolation.active = False
        db.session.remove()
        engines[None] = engine  # type: ignore[index]
        outer.rollback()
        connection.close()


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
