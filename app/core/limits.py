"""How much of a request body the service reads: one limit for all, tighter ones per view.

Werkzeug refuses a body whose Content-Length is over `request.max_content_length` before
reading it. A chunked body has no length: werkzeug reads up to the limit and then stops
quietly, so an over-size body arrived cut short (a 422 "send a JSON object", or a 400). Here
a chunked body may be read one byte past the limit, and that byte is the 413.
"""

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

LIMIT_ATTRIBUTE = "jiefen_body_limit"
RAW_INPUT = "jiefen.raw_input"


def body_limit(limit: int | str | Callable[[], int]):
    """Give a view its own body limit: bytes, a config key, or a function read per request.

    Sign-ins and other small forms get a small limit, so nobody can make a worker read (and
    hold) megabytes without signing in first.
    """

    def decorate(view):
        setattr(view, LIMIT_ATTRIBUTE, limit)
        return view

    return decorate


def _resolve(limit: Any) -> int:
    if callable(limit):
        return int(limit())
    if isinstance(limit, str):
        return int(current_app.config[limit])
    return int(limit)


class _CappedInput:
    """The server's input stream, refusing to hand out more than `limit` bytes."""

    def __init__(self, stream, limit: int):
        self._stream, self._left = stream, limit

    def _count(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            raise RequestEntityTooLarge()
        return data

    def read(self, size: int = -1) -> bytes:
        return self._count(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._count(self._stream.readline(size))

    def __iter__(self):
        return iter(self.readline, b"")


def cap_body(limit: int) -> None:
    """Limit this request's body to `limit` bytes, whether it has a length or is chunked."""
    current = request._get_current_object()
    current.max_content_length = limit
    environ = current.environ
    if current.content_length is None and "wsgi.input_terminated" in environ:
        raw = environ.setdefault(RAW_INPUT, environ["wsgi.input"])
        environ["wsgi.input"] = _CappedInput(raw, limit)
        # Let werkzeug read one byte more, so that it is our stream that notices the excess.
        current.max_content_length = limit + 1


def limit_body() -> None:
    """before_request: the view's own limit, else MAX_CONTENT_LENGTH."""
    app = current_app._get_current_object()
    view = app.view_functions.get(request.endpoint or "")
    limit = getattr(view, LIMIT_ATTRIBUTE, None)
    cap_body(_resolve(limit) if limit is not None else int(app.config["MAX_CONTENT_LENGTH"]))
