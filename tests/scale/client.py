"""The test's side of the network: HTTP calls and a webhook receiver on the client host."""

import http.client
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.scale.netns import Network


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    base: str, method: str, path: str, body: Any = None, headers=None, timeout=30.0, connect=3.0
):
    """One request; connection failures raise OSError (the caller decides to retry).

    A dead host shows as a connection that cannot be made (`connect` seconds); a busy one
    answers late (`timeout`), and giving up on it early would only send the work twice.
    """
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=connect)
    try:
        conn.connect()
        conn.sock.settimeout(timeout)
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(base: str, username: str, password: str) -> str:
    answer = call(base, "POST", "/api/v1/auth/token", {"username": username, "password": password})
    assert answer.status == 200, answer.body
    return answer.json()["access_token"]


class ClientHost:
    """Threads that live in the client host's namespace: everything the test sends goes there."""

    def __init__(self, network: Network, threads: int = 16):
        self.pool = ThreadPoolExecutor(threads, initializer=network.enter, initargs=("client",))

    def do(self, fn: Callable, *args, **kwargs):
        return self.pool.submit(fn, *args, **kwargs).result(timeout=150)

    def map(self, fn: Callable, items) -> list:
        futures = [self.pool.submit(fn, item) for item in items]
        return [f.result(timeout=150) for f in futures]

    def close(self) -> None:
        # Not waiting: a thread still inside a request ends by its own timeouts, and the
        # namespaces go away under it either way.
        self.pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Receiver:
    """A webhook receiver on the client host: remembers every delivery and who sent it."""

    received: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def start(self, address: str, port: int = 9000) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.received.append(
                        {
                            "delivery": self.headers["X-Jiefen-Delivery"],
                            "event_id": body["event_id"],
                            "event": body["event"],
                            "sender": self.client_address[0],
                        }
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((address, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://{address}:{port}/hooks"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.received)
