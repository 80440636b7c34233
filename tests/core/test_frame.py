"""The request's frame done once instead of per request, with Flask's and the limiter's answers."""

import functools

import pytest
from flask import session
from flask.sessions import NullSession
from flask_limiter.util import get_remote_address

from app.core.frame import App, is_plain_function
from app.core.headers import add_security_headers
from app.extensions import Limiter


def plain(): ...


async def coroutine(): ...


class Holder:
    def method(self): ...

    async def waits(self): ...


def test_only_plain_functions_skip_flasks_check():
    assert is_plain_function(plain) and is_plain_function(Holder().method)
    assert not is_plain_function(coroutine) and not is_plain_function(Holder().waits)
    assert not is_plain_function(functools.partial(plain))


def test_ensure_sync_gives_plain_functions_back_and_sends_the_rest_to_flask(monkeypatch):
    app = App(__name__)
    assert app.ensure_sync(plain) is plain
    sent = []
    monkeypatch.setattr(App, "async_to_sync", lambda self, func: sent.append(func) or "wrapped")
    assert app.ensure_sync(coroutine) == "wrapped" and sent == [coroutine]


def session_app(secret: str | None) -> App:
    app = App(__name__)
    app.secret_key = secret

    @app.post("/remember")
    def remember():
        session["seen"] = "yes"
        return "ok"

    @app.get("/recall")
    def recall():
        return {"seen": session.get("seen"), "null": isinstance(session, NullSession)}

    return app


def test_a_session_without_a_cookie_is_empty_and_a_signed_one_is_read():
    client = session_app("s3cret").test_client()
    assert client.get("/recall").json == {"seen": None, "null": False}
    client.post("/remember")
    assert client.get("/recall").json == {"seen": "yes", "null": False}
    client.set_cookie("session", "forged")
    assert client.get("/recall").json == {"seen": None, "null": False}


def test_without_a_secret_key_the_session_is_flasks_null_session():
    assert session_app(None).test_client().get("/recall").json == {"seen": None, "null": True}


def limited_app(**limits) -> tuple[App, Limiter]:
    app = App(__name__)
    limiter = Limiter(get_remote_address, headers_enabled=True, storage_uri="memory://", **limits)
    limiter.init_app(app)

    @app.get("/free")
    def free():
        return "ok"

    return app, limiter


def test_the_check_before_the_view_is_skipped_only_with_nothing_to_count():
    _app, limiter = limited_app()
    assert not limiter.counts_before_view("free")
    for limits in ({"default_limits": ["1/minute"]}, {"application_limits": ["1/minute"]}):
        assert limited_app(**limits)[1].counts_before_view("free")
    limiter._storage_dead = True  # the check notices the storage's return
    assert limiter.counts_before_view("free")


@pytest.mark.parametrize("limits", [{"default_limits": ["1/minute"]}, {}])
def test_limits_set_outside_views_still_count(limits):
    client = limited_app(**limits)[0].test_client()
    first, second = client.get("/free"), client.get("/free")
    assert first.status_code == 200
    assert second.status_code == (429 if limits else 200)
    assert ("X-RateLimit-Limit" in first.headers) == bool(limits)


def test_security_headers_leave_a_views_own_and_add_the_rest_once(app):
    with app.test_request_context("/x?key=abc"):
        response = app.response_class("{}", mimetype="application/json")
        response.headers["content-security-policy"] = "default-src 'self'"
        add_security_headers(add_security_headers(response))
        assert response.headers.getlist("Content-Security-Policy") == ["default-src 'self'"]
        assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
        assert response.headers["Cache-Control"] == "no-store"
    with app.test_request_context("/x"):
        response = add_security_headers(app.response_class("<p>", mimetype="text/html"))
        assert "nonce-" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Cache-Control" not in response.headers


def counted_parses(monkeypatch) -> list:
    from app.core import clean_input

    # Every parse of a body, by webargs or get_json(), is checked once by load_json.
    parses = []
    real = clean_input._first_problem
    monkeypatch.setattr(
        clean_input, "_first_problem", lambda value, path: parses.append(value) or real(value, path)
    )
    return parses


def test_a_staff_report_body_is_parsed_once_for_webargs_and_the_fingerprint(
    client, areas, make_user, auth, monkeypatch
):
    from tests.helpers.reports import REPORTS, report_body

    headers = auth(make_user("grid_worker", ["G1"]))
    parses = counted_parses(monkeypatch)
    body = {**report_body(), "client_uuid": "one-parse-1"}
    first = client.post(REPORTS, json=body, headers=headers)
    assert first.status_code == 201, first.json
    assert len(parses) == 1
    # The fingerprint was made from that one parse: the same body is a retry, another a 409.
    again = client.post(REPORTS, json=body, headers=headers)
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    other = client.post(REPORTS, json={**body, "description": "另一件事"}, headers=headers)
    assert other.status_code == 409


def test_a_body_that_fails_its_check_fails_the_same_wherever_it_is_read(client, app):
    from flask import request

    from app.core.clean_input import request_json
    from app.core.errors import Invalid

    body = '{"description": "有人\\u0000打架"}'
    with app.test_request_context("/x", data=body, content_type="application/json"):
        for _ in range(2):
            with pytest.raises(Invalid):
                request_json(request)
        with pytest.raises(Invalid):
            request.get_json(silent=True)
    with app.test_request_context("/x", data='{"a": [1]}', content_type="application/json"):
        assert request_json(request) is request.get_json() is request_json(request)


def test_a_views_own_limit_still_sends_its_headers_and_resets_per_request():
    app, limiter = limited_app()

    @app.get("/limited")
    @limiter.limit("2/minute")
    def limited():
        return "ok"

    made = []
    app.teardown_request(lambda _error: made.append(limiter.counted_here()))
    client = app.test_client()
    answers = [client.get("/limited") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:2]] == ["1", "0"]
    assert "Retry-After" in answers[2].headers
    # A request that counts nothing gets no headers, and no limiter context is made for it.
    free = client.get("/free")
    assert "X-RateLimit-Limit" not in free.headers and made == [True, True, True, False]


def test_the_limiters_own_hooks_are_replaced_once_not_added():
    app, limiter = limited_app()
    after, teardown = app.after_request_funcs[None], app.teardown_request_funcs[None]
    assert after.count(limiter._headers_if_counted) == 1 and len(after) == 1
    assert teardown.count(limiter._release_if_counted) == 1 and len(teardown) == 1
