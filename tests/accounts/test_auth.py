"""Sign-in, tokens (expiry, revocation, refresh rotation), roles and area scopes."""

from datetime import timedelta

import pytest

from app.accounts.models import User
from app.core import clock
from app.core.auth import require_scope, scope_of
from app.core.errors import Forbidden
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.helpers.auth import bearer


def login(client, username, password=TEST_PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_login_returns_bearer_token_and_user(client, make_user):
    make_user("cleaner", username="qing")
    body = login(client, "qing").json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"]["username"] == "qing" and body["user"]["roles"] == ["cleaner"]
    assert "password" not in body["user"]
    assert client.get("/api/v1/auth/me", headers=bearer(body["access_token"])).status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("qing", "wrong-password"), ("nobody", "x" * 9)]
)
def test_wrong_credentials_are_401(client, make_user, username, password):
    make_user("cleaner", username="qing")
    response = login(client, username, password)
    assert response.status_code == 401
    assert response.json["message"] == "wrong username or password"


def test_missing_field_is_422_naming_it(client):
    response = client.post("/api/v1/auth/token", json={"username": "a"})
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_no_token_or_garbage_token_is_401(client):
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer("garbage")).status_code == 401


def test_access_token_expires(client, make_user):
    make_user("cleaner", username="qing")
    with clock.frozen_at(clock.now()) as ticker:
        token = login(client, "qing").json["access_token"]
        assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
        ticker.advance(timedelta(minutes=16))
        response = client.get("/api/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401 and "expired" in response.json["message"]


def test_logout_revokes_access_and_refresh(client, make_user):
    make_user("cleaner", username="qing")
    body = login(client, "qing").json
    assert (
        client.post("/api/v1/auth/logout", headers=bearer(body["access_token"])).status_code == 204
    )
    assert client.get("/api/v1/auth/me", headers=bearer(body["access_token"])).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_login(client, make_user):
    make_user("grid_worker", username="wang")
    first = login(client, "wang").json
    second = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    ).json
    assert second["access_token"] != first["access_token"]
    assert client.get("/api/v1/auth/me", headers=bearer(first["access_token"])).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(second["access_token"])).status_code == 200
    # The spent refresh token comes back later (a stolen copy): the whole login is revoked.
    with clock.frozen_at(clock.now() + timedelta(minutes=5)):
        reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert reuse.status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(second["access_token"])).status_code == 401


def test_disabled_user_tokens_stop_at_once(client, make_user, admin_headers):
    user = make_user("grid_worker", username="wang")
    body = login(client, "wang").json
    response = client.patch(
        f"/api/v1/users/{user.id}", json={"active": False}, headers=admin_headers
    )
    assert response.status_code == 200 and response.json["active"] is False
    assert client.get("/api/v1/auth/me", headers=bearer(body["access_token"])).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}
        ).status_code
        == 401
    )
    assert login(client, "wang").status_code == 401


def test_role_check_is_403(client, make_user, auth):
    cleaner = make_user("cleaner")
    response = client.get("/api/v1/users", headers=auth(cleaner))
    assert response.status_code == 403
    assert "admin" in response.json["message"]


def test_admin_creates_user_with_scope(client, areas, admin_headers):
    response = client.post(
        "/api/v1/users",
        json={
            "username": "li",
            "password": "long-enough",
            "roles": ["responder"],
            "area_codes": ["S1"],
            "unit_code": "unit-S1",
        },
        headers=admin_headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["area_codes"] == ["S1"] and response.json["unit_code"] == "unit-S1"
    listed = client.get("/api/v1/users", headers=admin_headers).json
    assert "li" in [u["username"] for u in listed["items"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "li", "password": "short", "roles": ["cleaner"]}, "password"),
        ({"username": "li", "password": "long-enough", "roles": ["boss"]}, "roles"),
        (
            {
                "username": "li",
                "password": "long-enough",
                "roles": ["cleaner"],
                "area_codes": ["ZZ"],
            },
            "area_codes",
        ),
        (
            {
                "username": "li",
                "password": "long-enough",
                "roles": ["cleaner"],
                "unit_code": "nope",
            },
            "unit_code",
        ),
    ],
)
def test_bad_user_is_422_naming_field(client, areas, admin_headers, body, field):
    response = client.post("/api/v1/users", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert field in str(response.json["errors"]["json"])
    assert db.session.query(User).filter_by(username="li").first() is None


def test_duplicate_username_is_409(client, admin_headers, make_user):
    make_user("cleaner", username="li")
    body = {"username": "li", "password": "long-enough", "roles": ["cleaner"]}
    assert client.post("/api/v1/users", json=body, headers=admin_headers).status_code == 409


def test_scope_covers_subtree_only(app, areas, make_user):
    worker = make_user("grid_worker", areas=["S1"])
    scope = scope_of(worker)
    assert scope.covers("/D/S1/C1/G1/") and scope.covers("/D/S1/")
    assert not scope.covers("/D/S2/") and not scope.covers("/D/")
    with pytest.raises(Forbidden):
        require_scope(worker, "/D/S2/")
    assert scope_of(make_user("admin")).covers("/D/S2/")
    assert not scope_of(make_user("cleaner")).covers("/D/S1/")


def test_cli_creates_first_admin(app, areas):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "boss",
            "--password",
            "long-enough",
            "--role",
            "admin",
            "--area",
            "D",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="boss").one()
    assert user.roles == ["admin"] and user.area_codes == ["D"]
    again = runner.invoke(
        args=["users", "create", "boss", "--password", "long-enough", "--role", "admin"]
    )
    assert again.exit_code != 0 and "taken" in again.output
