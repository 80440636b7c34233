"""nginx (Debian's package) in front of gunicorn, both from the files in deploy/, on loopback.

Every server here is started by the test and stopped by it, and every wait is bounded.
"""

import gzip
import http.client
import re
import socket
import time
from contextlib import ExitStack

import pytest

from app import create_app
from app.config import Config
from app.extensions import db
from app.public.pages import MAX_FORM_BYTES
from tests.conftest import base_config
from tests.deploy.processes import DEPLOY, free_port, gunicorn, nginx, require_nginx

pytestmark = pytest.mark.slow

# The app's documented default request limit (MAX_CONTENT_LENGTH), when the config has none.
DOCUMENTED_BODY_LIMIT = 32 * 1024 * 1024
SLOW_CLIENTS = 20


def _nginx_body_limits() -> list[int]:
    """client_max_body_size values in the site, in order: the server's, then the forms'."""
    site = (DEPLOY / "nginx" / "jiefen.conf").read_text()
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    return [
        int(number) * units[unit]
        for number, unit in re.findall(r"client_max_body_size\s+(\d+)([kmg]?);", site)
    ]


def test_nginx_body_limits_are_the_apps():
    server, forms = _nginx_body_limits()
    assert server == (getattr(Config, "MAX_CONTENT_LENGTH", None) or DOCUMENTED_BODY_LIMIT)
    assert forms == MAX_FORM_BYTES


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_nginx()
    directory = tmp_path_factory.mktemp("stack")
    app_port, web_port = free_port(), free_port()
    url = f"sqlite:///{directory / 'jiefen.db'}"
    app = create_app(base_config(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    env = {
        "DATABASE_URL": url,
        "METRICS_TOKEN": "stack-metrics",
        "SECRET_KEY": "stack-test",
        "TRUSTED_PROXY_COUNT": "1",
        "RATE_LIMIT_PAGES_PER_ADDRESS": "3 per minute",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(directory / "metrics"),
    }
    with ExitStack() as stack:
        # One worker: the slow clients below would stall it at once if they reached it.
        stack.enter_context(gunicorn(env, app_port, workers=1))
        stack.enter_context(nginx(directory, web_port, app_port))
        yield {"web": web_port, "app": app_port}


def _get(port: int, path: str, source: str = "127.0.0.1", timeout: float = 5.0, headers=None):
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _healthz_seconds(port: int, timeout: float = 5.0) -> float:
    started = time.monotonic()
    status, _, _ = _get(port, "/healthz", timeout=timeout)
    assert status == 200
    return time.monotonic() - started


def _slow_client(port: int, length: int = 1000) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /api/v1/public/reports HTTP/1.1\r\nHost: jiefen.test\r\n"
        b"Content-Type: application/json\r\n" + f"Content-Length: {length}\r\n\r\n".encode() + b"{"
    )
    return sock


def test_slow_bodies_do_not_hold_the_app(stack):
    before = _healthz_seconds(stack["web"])  # the worker's first request warms it up
    clients = [_slow_client(stack["web"]) for _ in range(SLOW_CLIENTS)]
    try:
        worst = 0.0
        for _ in range(3):  # 6 s of clients sending a byte every 2 s
            for _ in range(4):
                worst = max(worst, _healthz_seconds(stack["web"]))
                time.sleep(0.5)
            for sock in clients:
                sock.sendall(b" ")
        assert worst < 1.0, (
            f"/healthz took {worst:.2f} s behind {SLOW_CLIENTS} slow clients ({before:.2f} s before)"
        )
    finally:
        for sock in clients:
            sock.close()


def _post_headers_only(port: int, path: str, length: int) -> str:
    """The status line nginx answers to a body of `length` announced, none of it sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: jiefen.test\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        try:
            return sock.recv(4096).decode("latin-1")
        except TimeoutError:
            return "(no answer: nginx is waiting for the body)"


@pytest.mark.parametrize(
    ("path", "which"), [("/api/v1/reports", 0), ("/api/v1/public/reports", 1), ("/s/ABC123", 1)]
)
def test_over_limit_body_is_refused_by_nginx(stack, path, which):
    limit = _nginx_body_limits()[which]
    answer = _post_headers_only(stack["web"], path, limit + 1)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "nginx" in answer  # refused at the door, not by the app
    if which == 1:  # the forms' limit is theirs alone
        larger = _post_headers_only(stack["web"], "/api/v1/reports", limit)
        assert larger.startswith("HTTP/1.1 413"), larger[:200]


def test_rate_limits_count_the_client_not_the_proxy(stack):
    statuses = [_get(stack["web"], "/t")[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # A made-up X-Forwarded-For does not buy a fresh budget: nginx replaces it.
    assert _get(stack["web"], "/t", headers={"X-Forwarded-For": "10.9.8.7"})[0] == 429
    # Another client, through the same nginx, has its own.
    assert _get(stack["web"], "/t", source="127.0.0.2")[0] == 200


def test_json_is_gzipped(stack):
    status, headers, body = _get(
        stack["web"], "/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(body).startswith(b"{")


def test_metrics_through_nginx_add_up_the_workers(stack):
    for _ in range(3):
        _get(stack["web"], "/healthz")
    status, _, body = _get(
        stack["web"], "/metrics", headers={"Authorization": "Bearer stack-metrics"}
    )
    assert status == 200, body[:300]
    text = body.decode()
    # Counted in the worker, read from prometheus_client's multiprocess files.
    count = re.search(
        r'jiefen_http_request_duration_seconds_count\{endpoint="health.healthz",method="GET",status="200"\} (\d+)',
        text,
    )
    assert count and int(count.group(1)) >= 3, text[:2000]
    assert "jiefen_database_up 1.0" in text and "jiefen_presort_lag_seconds" in text
    assert _get(stack["web"], "/metrics")[0] == 404  # no token, nothing to see


def test_without_nginx_one_slow_client_stalls_the_worker(stack):
    """The same gunicorn, reached directly: why nginx is in front (and the test above can fail)."""
    sock = _slow_client(stack["app"])
    try:
        time.sleep(0.3)
        with pytest.raises((TimeoutError, socket.timeout)):
            _get(stack["app"], "/healthz", timeout=1.0)
    finally:
        sock.close()
    assert _healthz_seconds(stack["app"]) < 5.0
