"""Body limits (with and without a length), and the security headers on every page."""

import io

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests.helpers.forms import with_csrf


class Endless(io.RawIOBase):
    """A chunked body: no Content-Length, bytes until `size`, counting what was read."""

    def __init__(self, size: int, head: bytes = b'{"username": "'):
        self.left, self.head, self.read_bytes = size, head, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left <= 0:
            return 0
        chunk = (self.head or b"a" * len(buffer))[: min(len(buffer), self.left)]
        self.head = b""
        buffer[: len(chunk)] = chunk
        self.left -= len(chunk)
        self.read_bytes += len(chunk)
        return len(chunk)


def chunked(client, url, size, content_type="application/json"):
    """POST a body of `size` bytes as a server does a chunked one: no length, terminated."""
    body = Endless(size)
    environ = EnvironBuilder(
        path=url, method="POST", content_type=content_type, headers={"Transfer-Encoding": "chunked"}
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": body, "wsgi.input_terminated": True})
    app_iter, status, headers = run_wsgi_app(client.application, environ, buffered=True)
    response = client.application.response_class(app_iter, status, headers)
    return response, body


@pytest.mark.parametrize("url", ["/api/v1/auth/token", "/api/v1/public/reports"])
def test_a_chunked_body_over_the_limit_is_a_413_and_is_not_read_whole(app, client, url):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response, body = chunked(client, url, 100 * 1024 * 1024)
    assert response.status_code == 413 and response.json["code"] == 413
    assert body.read_bytes < 70 * 1024 * 1024


def test_sign_in_bodies_are_small_by_nature(client):
    big = b'{"username": "' + b"a" * (200 * 1024) + b'", "password": "x"}'
    response = client.post("/api/v1/auth/token", data=big, content_type="application/json")
    assert response.status_code == 413 and response.json["code"] == 413
    response, body = chunked(client, "/api/v1/auth/token", 10 * 1024 * 1024)
    assert response.status_code == 413 and body.read_bytes <= 128 * 1024


def test_the_staff_sign_in_and_tracking_feedback_are_small_too(client, areas):
    data = with_csrf(client, {"username": "x" * (200 * 1024), "password": "y"})
    assert client.post("/console/login", data=data).status_code == 413
    feedback = client.post(
        "/api/v1/track/JF1/feedback",
        data=b'{"key": "' + b"k" * (200 * 1024) + b'"}',
        content_type="application/json",
    )
    assert feedback.status_code == 413


def test_every_body_has_a_global_limit(app, client, admin_headers):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post(
        "/api/v1/units",
        data=b"{" + b" " * 4096 + b"}",
        content_type="application/json",
        headers=admin_headers,
    )
    assert response.status_code == 413


def test_pages_carry_a_nonce_policy_and_the_tracking_page_is_not_kept(client, site, code):
    page = client.get(f"/s/{code}")
    policy = page.headers["Content-Security-Policy"]
    assert (
        "frame-ancestors 'none'" in policy
        and "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    )
    nonce = policy.split("'nonce-")[1].split("'")[0]
    html = page.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in html and f'<style nonce="{nonce}">' in html
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    again = client.get(f"/s/{code}").headers["Content-Security-Policy"]
    assert again != policy  # a fresh nonce per response
    tracking = client.get("/t/JF1?key=abc")
    assert tracking.headers["Cache-Control"] == "no-store"
    assert tracking.headers["Referrer-Policy"] == "no-referrer"
    api = client.get("/api/v1/categories")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
