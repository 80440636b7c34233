"""Sign-ins are throttled on every path; disabling ends everything; admins cannot lock out."""

import re

import pytest

from app import create_app
from app.accounts.models import AuthToken
from app.config import check_production_safety
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.helpers.forms import with_csrf

TOKEN = "/api/v1/auth/token"


@pytest.fixture
def strict(app):
    app.config.update(LOGIN_LIMIT_PER_ACCOUNT="3 per hour", LOGIN_LIMIT_PER_ADDRESS="5 per hour")
    return app


def token(client, username, password=TEST_PASSWORD, address="10.1.1.1"):
    return client.post(
        TOKEN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_sign_ins_lock_the_account_even_with_the_right_password(strict, client, make_user):
    make_user("cleaner", username="lin")
    for _ in range(3):
        assert token(client, "lin", "wrong-password").status_code == 401
    refused = token(client, "lin")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json["code"] == 429
    # Another account from another address is not held back.
    make_user("cleaner", username="wang")
    assert token(client, "wang", address="10.2.2.2").status_code == 200


def test_one_address_guessing_many_accounts_is_throttled(strict, client, make_user):
    make_user("cleaner", username="zhao")
    for n in range(5):
        assert token(client, f"nobody{n}", "x").status_code == 401
    assert token(client, "zhao").status_code == 429
    assert token(client, "zhao", address="10.9.9.9").status_code == 200


def test_the_staff_sign_in_shares_the_same_throttle(strict, client, areas, make_user):
    make_user("supervisor", ["D"], username="duban")
    for _ in range(3):
        token(client, "duban", "wrong-password")
    page = client.post(
        "/console/login",
        data=with_csrf(client, {"username": "duban", "password": TEST_PASSWORD}),
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert page.status_code == 429 and "登录失败次数过多" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) > 0


def test_a_disabled_user_hears_the_same_as_a_wrong_password(client, make_user, admin_headers):
    user = make_user("cleaner", username="qian")
    client.patch(f"/api/v1/users/{user.id}", json={"active": False}, headers=admin_headers)
    right = token(client, "qian")
    wrong = token(client, "qian", "wrong-password")
    assert right.status_code == wrong.status_code == 401
    assert right.json["message"] == wrong.json["message"] == "wrong username or password"


def test_disabling_revokes_every_token_and_session_for_good(
    client, areas, make_user, admin_headers
):
    user = make_user("supervisor", ["D"], username="sun")
    pair = token(client, "sun").json
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    signed_in = client.post(
        "/console/login", data=with_csrf(client, {"username": "sun", "password": TEST_PASSWORD})
    )
    assert signed_in.status_code == 303 and client.get("/dashboard").status_code == 200
    off = client.patch(f"/api/v1/users/{user.id}", json={"active": False}, headers=admin_headers)
    assert off.status_code == 200
    on = client.patch(f"/api/v1/users/{user.id}", json={"active": True}, headers=admin_headers)
    assert on.status_code == 200
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401
    assert client.get("/dashboard").status_code == 302
    db.session.expire_all()
    assert all(
        t.revoked_at is not None for t in db.session.query(AuthToken).filter_by(user_id=user.id)
    )
    assert token(client, "sun").status_code == 200  # signing in again works


def test_an_admin_cannot_disable_themselves_nor_the_last_admin(client, make_user, auth):
    root = make_user("admin", username="root")
    headers = auth(root)
    own = client.patch(f"/api/v1/users/{root.id}", json={"active": False}, headers=headers)
    assert own.status_code == 422 and "active" in own.json["errors"]["json"]
    other = make_user("admin", username="second")
    assert (
        client.patch(
            f"/api/v1/users/{other.id}", json={"active": False}, headers=headers
        ).status_code
        == 200
    )
    # second is disabled: root is the last active admin, and someone with a token of a
    # re-enabled second admin still cannot take root down while root is the only one.
    from app.accounts.service import set_active
    from app.core.errors import Invalid

    with pytest.raises(Invalid, match="last active admin"):
        set_active(root, False, by=None)


def test_production_refuses_per_process_rate_limits():
    base = {"JIEFEN_ENV": "production", "SECRET_KEY": "s" * 32}
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        check_production_safety({**base, "RATELIMIT_STORAGE_URI": "memory://"})
    one = {**base, "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_SINGLE_PROCESS": True}
    check_production_safety(one)
    assert one["SESSION_COOKIE_SECURE"] is True
    shared = {**base, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    check_production_safety(shared)
    assert shared["SESSION_COOKIE_SECURE"] is True


def test_production_app_will_not_start_with_memory_storage(database_url):
    with pytest.raises(RuntimeError, match="memory://"):
        create_app(
            {"JIEFEN_ENV": "production", "SECRET_KEY": "s" * 32, "DATABASE_URL": database_url}
        )


def test_login_sets_no_session_without_a_csrf_token(client, areas, make_user):
    make_user("supervisor", ["D"], username="zhou")
    forged = client.post("/console/login", data={"username": "zhou", "password": TEST_PASSWORD})
    assert forged.status_code == 400
    assert client.get("/dashboard").status_code == 302
    page = client.get("/console/login").get_data(as_text=True)
    assert re.search(r'name="csrf_token" value="[^"]+"', page)
