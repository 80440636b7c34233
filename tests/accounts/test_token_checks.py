"""Staff token checks kept per process (issue 19): trusted while the number of the user's
bucket of sign-ins stands.

Each request runs in its own app context and session, as on a server (tests.helpers.
concurrency); a second app on the same database is a second worker with its own kept checks.
"Kept" below means the check read none of the tables it covers.
"""

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, insert, select, text, update

from app import create_app
from app.accounts.models import AuthToken, User, UserRole
from app.accounts.service import update_user
from app.accounts.token_checks import Found, TokenChecks
from app.accounts.tokens import issue_pair, revoke_family, user_for_access_token
from app.core import clock, signin_sql, versions
from app.core.database import configure_sqlite_engine, database_uri, engine_options
from app.core.signin_sql import row_of
from app.core.version_sql import ROUTING
from app.extensions import db
from tests.conftest import TEST_PASSWORD, base_config
from tests.helpers.auth import bearer
from tests.helpers.commands import flask
from tests.helpers.concurrency import fresh
from tests.helpers.statements import statements_sent

COVERED = ("auth_tokens", "users", "user_roles", "user_areas")


def reads_of_covered_tables(app):
    """The SELECTs naming a table the kept check covers, sent on `app`'s engine meanwhile."""

    def covered_read(statement: str) -> bool:
        return statement.lstrip().upper().startswith("SELECT") and any(
            t in statement for t in COVERED
        )

    with app.app_context():
        engine = db.engine
    return statements_sent(engine, covered_read)


def sign_in(app, username="wang", password=TEST_PASSWORD) -> dict:
    body = {"username": username, "password": password}
    response = fresh(app, lambda c: c.post("/api/v1/auth/token", json=body))
    assert response.status_code == 200, response.json
    return response.json


def me(app, access_token: str):
    return fresh(app, lambda c: c.get("/api/v1/auth/me", headers=bearer(access_token)))


def me_kept(app, access_token: str):
    """/me, asserting that its token check was kept (read no covered table)."""
    with reads_of_covered_tables(app) as reads:
        response = me(app, access_token)
    assert response.status_code == 200, response.json
    assert reads == []
    return response


@pytest.fixture
def wang(areas, make_user) -> User:
    return make_user("grid_worker", ["G1"], username="wang")


@pytest.fixture
def second_worker(database_url):
    """Another process's app on the same database: its own kept checks."""
    other = create_app(base_config(database_url))
    yield other
    with other.app_context():
        db.engine.dispose()


def test_a_second_check_reads_no_covered_table(app, wang):
    tokens = sign_in(app)
    with reads_of_covered_tables(app) as reads:
        assert me(app, tokens["access_token"]).status_code == 200
    assert reads, "the first check reads the token"
    body = me_kept(app, tokens["access_token"]).json
    assert body["username"] == "wang" and body["roles"] == ["grid_worker"]
    assert body["area_codes"] == ["G1"]


@pytest.mark.parametrize("how", ["logout", "refresh"])
def test_a_sign_out_or_refresh_on_another_worker_is_refused_on_the_next_request(
    app, wang, second_worker, how
):
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    me_kept(app, tokens["access_token"])
    if how == "logout":
        answer = fresh(
            second_worker,
            lambda c: c.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])),
        )
        assert answer.status_code == 204
    else:
        answer = fresh(
            second_worker,
            lambda c: c.post(
                "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            ),
        )
        assert answer.status_code == 200
        assert me(app, answer.json["access_token"]).status_code == 200
    refused = me(app, tokens["access_token"])
    assert refused.status_code == 401 and "revoked" in refused.json["message"]


def test_a_revocation_on_another_connection_is_refused_on_the_next_request(app, wang):
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    me_kept(app, tokens["access_token"])
    revoke = update(AuthToken).where(AuthToken.user_id == wang.id).values(revoked_at=clock.now())
    db.session.commit()  # SQLite: the test's session holds no lock the writer waits for
    with db.engine.begin() as connection:
        connection.execute(revoke)
    assert me(app, tokens["access_token"]).status_code == 401


def test_a_user_disabled_on_another_connection_is_refused_at_once(app, wang):
    """The users' own row moves the number (the admin screen also revokes the tokens)."""
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    me_kept(app, tokens["access_token"])
    disable = update(User).where(User.id == wang.id).values(active=False)
    db.session.commit()  # SQLite: the test's session holds no lock the writer waits for
    with db.engine.begin() as connection:
        connection.execute(disable)
    refused = me(app, tokens["access_token"])
    assert refused.status_code == 401 and "disabled" in refused.json["message"]


def change_wang(app, **changes) -> None:
    """What the admin screen's user form does, in its own request."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "wang")).one()
        fields = {
            "roles": user.roles,
            "area_codes": user.area_codes,
            "unit_code": user.unit_code,
            "display_name": user.display_name,
        }
        update_user(user, None, **{**fields, **changes})
        db.session.commit()


@pytest.mark.parametrize(
    ("changes", "field", "seen"),
    [
        ({"roles": ["cleaner"]}, "roles", ["cleaner"]),
        ({"area_codes": ["C1"]}, "area_codes", ["C1"]),
        ({"display_name": "王网格"}, "display_name", "王网格"),
    ],
)
def test_a_change_to_the_user_is_seen_at_once(app, wang, second_worker, changes, field, seen):
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    me_kept(app, tokens["access_token"])
    change_wang(second_worker, **changes)
    assert me(app, tokens["access_token"]).json[field] == seen


def test_a_removed_role_is_refused_at_once(app, areas, make_user):
    make_user("admin", username="root")  # the last admin could not be demoted
    make_user("admin", username="wang")
    tokens = sign_in(app)
    users = "/api/v1/users"
    assert (
        fresh(app, lambda c: c.get(users, headers=bearer(tokens["access_token"]))).status_code
        == 200
    )
    me_kept(app, tokens["access_token"])
    change_wang(app, roles=["grid_worker"], area_codes=["G1"])
    refused = fresh(app, lambda c: c.get(users, headers=bearer(tokens["access_token"])))
    assert refused.status_code == 403


def test_a_moved_area_gives_its_new_path_at_once(app, wang):
    """The scope's paths come from the areas: the routing number is part of the key."""
    tokens = sign_in(app)

    def paths() -> list[str | None]:
        with app.app_context():
            user, _ = user_for_access_token(tokens["access_token"])
            return [row.area_path for row in user.area_rows]

    assert paths() == paths() == ["/D/S1/C1/G1/"]
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE areas SET path = '/D/S2/C1/G1/' WHERE code = 'G1'"))
    assert paths() == ["/D/S2/C1/G1/"]


def test_a_kept_check_sends_one_statement_the_change_versions_read(app, wang):
    """Rows 1-3 and the user's bucket, the read intake shares; not the other 63 buckets."""
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    sent: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

        def note(_conn, _cursor, statement, parameters, *_args):
            if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE
                sent.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", note)
        try:
            user_for_access_token(tokens["access_token"])
            versions.current(ROUTING, db.session.connection())  # intake's ask: no new read
        finally:
            event.remove(engine, "before_cursor_execute", note)
    assert len(sent) == 1, sent
    [(statement, parameters)] = sent
    assert "FROM routing_version WHERE id <" in statement
    assert row_of(wang.id) in (parameters.values() if isinstance(parameters, dict) else parameters)


def test_expiry_is_honoured_by_a_kept_check(app, wang):
    with clock.frozen_at(clock.now()) as ticker:
        tokens = sign_in(app)
        me(app, tokens["access_token"])
        ticker.advance(timedelta(minutes=14))
        me_kept(app, tokens["access_token"])
        ticker.advance(timedelta(minutes=1, seconds=1))
        with reads_of_covered_tables(app) as reads:
            refused = me(app, tokens["access_token"])
    assert refused.status_code == 401 and "expired" in refused.json["message"]
    assert reads == []


def test_a_request_may_change_its_own_user(app, wang):
    """A password change through a kept check: the user it gets is in the request's session."""
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    me_kept(app, tokens["access_token"])
    new = "battery-staple-7"
    with reads_of_covered_tables(app) as reads:
        changed = fresh(
            app,
            lambda c: c.post(
                "/api/v1/auth/password",
                headers=bearer(tokens["access_token"]),
                json={"current_password": TEST_PASSWORD, "new_password": new},
            ),
        )
    assert changed.status_code == 204, changed.json
    assert not [r for r in reads if "auth_tokens" in r and "JOIN" in r.upper()]
    assert me(app, tokens["access_token"]).status_code == 200  # this login goes on
    sign_in(app, password=new)


def test_a_kept_check_gives_a_user_whose_roles_and_areas_can_be_replaced(app, areas, make_user):
    """An admin editing their own user in the request: the revived collections flush."""
    make_user("admin", ["G1"], username="wang")
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    with app.app_context():
        with reads_of_covered_tables(app) as reads:
            user, _ = user_for_access_token(tokens["access_token"])
        assert reads == []
        fields = {"unit_code": None, "display_name": "王"}
        update_user(user, user, roles=["admin", "supervisor"], area_codes=["C1"], **fields)
        db.session.commit()
    body = me(app, tokens["access_token"]).json
    assert body["roles"] == ["admin", "supervisor"] and body["area_codes"] == ["C1"]
    with app.app_context():
        rows = db.session.execute(text("SELECT area_code FROM user_areas")).scalars().all()
    assert rows == ["C1"]


def test_a_request_never_changes_the_kept_copy(app, wang):
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    with app.app_context():
        user, _ = user_for_access_token(tokens["access_token"])
        user.display_name = "改过"
        user.role_rows.clear()
        db.session.rollback()
    body = me_kept(app, tokens["access_token"]).json
    assert body["display_name"] == "wang" and body["roles"] == ["grid_worker"]


def test_a_rolled_back_revocation_locks_nobody_out(app, wang):
    tokens = sign_in(app)
    me(app, tokens["access_token"])
    with app.app_context():
        _, row = user_for_access_token(tokens["access_token"])
        revoke_family(row.family)
        db.session.rollback()
    me_kept(app, tokens["access_token"])


def test_a_sign_in_keeps_the_number_and_a_revocation_moves_it(app, wang):
    connection = db.session.connection()
    before = versions.current(row_of(wang.id), connection)
    pair = issue_pair(wang)
    db.session.flush()
    assert before is not None and versions.current(row_of(wang.id), connection) == before
    _, row = user_for_access_token(pair.access_token)
    revoke_family(row.family)
    assert versions.current(row_of(wang.id), connection) != before


def bucket_mate(of: User, username: str) -> User:
    """A grid worker whose id falls in the bucket of `of` (inserted with that id)."""
    values = {"id": of.id + signin_sql.BUCKETS, "username": username}
    db.session.execute(insert(User).values(**values, password_hash=of.password_hash))
    db.session.execute(insert(UserRole).values(user_id=values["id"], role="grid_worker"))
    db.session.commit()
    return db.session.get(User, values["id"])


@pytest.mark.parametrize("how", ["logout", "refresh"])
def test_a_sign_out_or_refresh_drops_only_the_checks_of_its_users_bucket(
    app, areas, make_user, second_worker, how
):
    """300 phones refresh every 15 minutes: one's refresh must not make every other phone's
    next check read the tables again."""
    a = make_user("grid_worker", ["G1"], username="wang")
    b = make_user("grid_worker", ["G1"], username="li")
    mate = bucket_mate(a, "zhao")
    assert row_of(a.id) == row_of(mate.id) != row_of(b.id)
    tokens = {name: sign_in(app, name) for name in ("wang", "li", "zhao")}
    for name in tokens:
        me(app, tokens[name]["access_token"])
        me_kept(app, tokens[name]["access_token"])
    headers = bearer(tokens["wang"]["access_token"])
    if how == "logout":
        answer = fresh(second_worker, lambda c: c.post("/api/v1/auth/logout", headers=headers))
    else:
        body = {"refresh_token": tokens["wang"]["refresh_token"]}
        answer = fresh(second_worker, lambda c: c.post("/api/v1/auth/refresh", json=body))
    assert answer.status_code in (200, 204)
    me_kept(app, tokens["li"]["access_token"])  # another bucket: still kept
    with reads_of_covered_tables(app) as reads:
        assert me(app, tokens["zhao"]["access_token"]).status_code == 200
    assert reads, "the bucket-mate's check is read again"
    me_kept(app, tokens["zhao"]["access_token"])
    assert me(app, tokens["wang"]["access_token"]).status_code == 401


def every_number() -> dict[int, int]:
    """Every row of routing_version as the test's transaction sees it."""
    return dict(db.session.execute(text("SELECT id, version FROM routing_version")).tuples().all())


def test_a_statement_moves_the_buckets_of_the_users_it_touched_and_no_other(app, areas, make_user):
    a, b, c = (make_user("grid_worker", ["G1"], username=n) for n in ("wang", "li", "zhang"))
    assert len({row_of(u.id) for u in (a, b, c)}) == 3
    for user in (a, b, c):
        issue_pair(user)
        issue_pair(user)  # two rows of one user in one statement: the bucket is moved once
    db.session.commit()
    before = every_number()
    db.session.execute(
        update(AuthToken).where(AuthToken.user_id.in_([a.id, b.id])).values(revoked_at=clock.now())
    )
    after = every_number()
    moved = {row for row in before if after.get(row) != before[row]}
    assert moved == {row_of(a.id), row_of(b.id)}


def test_emptying_the_tokens_moves_every_bucket(app, wang):
    issue_pair(wang)
    db.session.commit()
    before = every_number()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE auth_tokens"))  # names no row: every bucket moves
        buckets = range(signin_sql.FIRST, signin_sql.FIRST + signin_sql.BUCKETS)
    else:
        db.session.execute(text("DELETE FROM auth_tokens"))  # SQLite: a row trigger per row
        buckets = [row_of(wang.id)]
    after = every_number()
    assert all(after[row] != before.get(row) for row in buckets)
    assert after[ROUTING] == before[ROUTING]


def found(number: int, user_id: int = 7) -> Found:
    return Found((number, 0), user_id, clock.now(), (), (), (), (), ())


def seen(numbers: dict[int, int]):
    """The numbers a transaction sees, by user id, routing at 0."""
    return lambda user_id: (numbers[user_id], 0)


def test_the_kept_checks_are_bounded_least_recently_used_first():
    checks = TokenChecks(size=2)
    checks.put("a", found(1))
    checks.put("b", found(1))
    assert checks.get("a", seen({7: 1})) is not None  # "b" is now the least recently used
    checks.put("c", found(1, user_id=8))
    assert len(checks) == 2 and checks.get("b", seen({7: 1})) is None
    assert checks.get("a", seen({7: 2, 8: 1})) is None  # its user's number moved: forgotten
    assert len(checks) == 1
    assert checks.get("c", seen({7: 2, 8: 1})) is not None  # another user's moved


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_migrations_make_the_sign_ins_numbers_too(dialect, fresh_database):
    """The frozen triggers of 0031: every bucket has a number; a user moves their bucket's and
    no other, a new token moves none, a revoked one its user's; PostgreSQL's TRUNCATE moves
    every bucket (tests/service/test_migrations.py compares tables, not triggers)."""
    url = fresh_database(dialect)
    upgraded = flask(["db", "upgrade"], url)
    assert upgraded.returncode == 0, upgraded.stderr
    uri = database_uri({"DATABASE_URL": url}, "")
    engine = create_engine(uri, **engine_options(uri, {}))
    if dialect == "sqlite":
        configure_sqlite_engine(engine, "mod_spatialite")
    read = text(f"SELECT id, version FROM routing_version WHERE id >= {signin_sql.FIRST}")
    steps = []
    try:
        with engine.begin() as connection:

            def step():
                steps.append(dict(connection.execute(read).tuples().all()))

            step()
            user_id = connection.execute(
                insert(User).values(username="wang", password_hash="x").returning(User.id)
            ).scalar_one()
            step()
            token = {"user_id": user_id, "kind": "access", "family": "f", "token_hash": "h"}
            connection.execute(insert(AuthToken).values(**token, expires_at=clock.now()))
            step()
            connection.execute(update(AuthToken).values(revoked_at=clock.now()))
            step()
            if dialect == "postgresql":
                connection.execute(text("TRUNCATE auth_tokens"))
                step()
    finally:
        engine.dispose()

    def moved(before, after):
        return {row for row in before if after[row] != before[row]}

    first, after_user, after_token, after_revocation, *truncated = steps
    assert len(first) == signin_sql.BUCKETS
    assert moved(first, after_user) == {row_of(user_id)}
    assert moved(after_user, after_token) == set()
    assert moved(after_token, after_revocation) == {row_of(user_id)}
    if truncated:
        assert moved(after_revocation, truncated[0]) == set(first)
