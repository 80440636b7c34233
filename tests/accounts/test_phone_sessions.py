"""Phone sessions: refresh tokens expire, rotate, and a copied one revokes the login for real.

Each request runs in its own app context (tests.helpers.concurrency), as on a server: a revocation that
was not committed would be lost here, where a shared test session would have hidden it.
"""

from datetime import timedelta

from app.core import clock
from tests.conftest import TEST_PASSWORD
from tests.helpers.auth import bearer
from tests.helpers.concurrency import fresh, parallel


def sign_in(app, username="wang") -> dict:
    response = fresh(
        app,
        lambda c: c.post(
            "/api/v1/auth/token", json={"username": username, "password": TEST_PASSWORD}
        ),
    )
    assert response.status_code == 200
    return response.json


def refresh(client, token: str):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def me(app, access_token: str) -> int:
    return fresh(app, lambda c: c.get("/api/v1/auth/me", headers=bearer(access_token))).status_code


def test_an_expired_refresh_token_is_refused(app, make_user):
    make_user("grid_worker", username="wang")
    with clock.frozen_at(clock.now()) as ticker:
        tokens = sign_in(app)
        ticker.advance(timedelta(days=30, seconds=1))
        response = fresh(app, lambda c: refresh(c, tokens["refresh_token"]))
    assert response.status_code == 401 and "expired" in response.json["message"]


def test_a_refresh_token_lasts_across_access_token_expiry(app, make_user):
    make_user("grid_worker", username="wang")
    with clock.frozen_at(clock.now()) as ticker:
        tokens = sign_in(app)
        ticker.advance(timedelta(days=29))
        assert me(app, tokens["access_token"]) == 401
        renewed = fresh(app, lambda c: refresh(c, tokens["refresh_token"]))
        assert renewed.status_code == 200
        assert me(app, renewed.json["access_token"]) == 200


def test_two_refreshes_of_one_token_at_once_only_one_wins(app, make_user):
    make_user("grid_worker", username="wang")
    tokens = sign_in(app)
    answers = parallel(app, [lambda c: refresh(c, tokens["refresh_token"])] * 2)
    assert sorted(a.status_code for a in answers) == [200, 401]
    winner = next(a for a in answers if a.status_code == 200).json
    # The loser was a duplicate, not a theft: the winner's new login keeps working.
    assert me(app, winner["access_token"]) == 200
    assert fresh(app, lambda c: refresh(c, winner["refresh_token"])).status_code == 200


def test_a_spent_refresh_token_used_later_revokes_the_whole_login(app, make_user):
    make_user("grid_worker", username="wang")
    with clock.frozen_at(clock.now()) as ticker:
        stolen = sign_in(app)
        legit = fresh(app, lambda c: refresh(c, stolen["refresh_token"])).json
        ticker.advance(timedelta(minutes=2))
        reuse = fresh(app, lambda c: refresh(c, stolen["refresh_token"]))
        assert reuse.status_code == 401 and "sign in again" in reuse.json["message"]
        # Committed despite the 401: the new pair is dead too.
        assert me(app, legit["access_token"]) == 401
        assert fresh(app, lambda c: refresh(c, legit["refresh_token"])).status_code == 401
        assert me(app, sign_in(app)["access_token"]) == 200  # signing in again works


def test_logout_revokes_both_tokens_for_every_later_request(app, make_user):
    make_user("grid_worker", username="wang")
    tokens = sign_in(app)
    out = fresh(
        app, lambda c: c.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    )
    assert out.status_code == 204
    assert me(app, tokens["access_token"]) == 401
    assert fresh(app, lambda c: refresh(c, tokens["refresh_token"])).status_code == 401
