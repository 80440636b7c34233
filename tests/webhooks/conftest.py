"""A real HTTP receiver on 127.0.0.1 for webhook deliveries, answering as scripted."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    # Status codes to answer with, in order; 200 once they run out.
    script: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            return self.script.pop(0) if self.script else 200

    @property
    def delivery_ids(self) -> list[str]:
        return [r.headers["X-Jiefen-Delivery"] for r in self.requests]


@pytest.fixture(autouse=True)
def local_receivers_allowed(request):
    """The tests' receiver listens on 127.0.0.1, which webhooks refuse unless allowed."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8"


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.answer(Received(dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/jiefen"
    yield state
    server.shutdown()
    server.server_close()
