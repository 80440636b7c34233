"""Input no database can store is refused before a view sees it, naming where it was.

PostgreSQL refuses a NUL character in text and any string that is not valid UTF-8 (a lone
surrogate such as "\\ud800" decodes from JSON but cannot be encoded); SQLite stores them and
they break later. A JSON document nested hundreds deep makes Python's parser recurse until
it fails. Each was a 500; each is now a 4xx naming the field.
"""

import json
from typing import Any

from flask import request
from werkzeug.exceptions import NotFound as HTTPNotFound

from app.core.errors import Invalid

MAX_JSON_DEPTH = 32


def unstorable(text: str) -> str | None:
    """Why this text cannot be stored, or None."""
    if "\x00" in text:
        return "must not contain a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def _first_problem(value: Any, path: str) -> tuple[str, str] | None:
    """The first unstorable string or too-deep nesting in a parsed JSON value (iteratively)."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return where or "_schema", f"is nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(item, str):
            problem = unstorable(item)
            if problem:
                return where or "_schema", problem
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = unstorable(key)
                if problem:
                    return (f"{where}.{key!r}" if where else repr(key)), f"(a key) {problem}"
                stack.append((child, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((child, f"{where}.{index}" if where else str(index), depth + 1))
    return None


def load_json(data: str | bytes) -> Any:
    """json.loads for request bodies: malformed JSON stays a ValueError (a 400); too deep,
    NUL or lone surrogates are a 422 naming the field."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise Invalid.field(
            "_schema", f"is nested more than {MAX_JSON_DEPTH} levels deep"
        ) from None
    problem = _first_problem(value, "")
    if problem:
        raise Invalid.field(*problem)
    return value


def request_json(current) -> Any:
    """The request's JSON body through load_json, parsed once per request.

    Kept where Flask keeps get_json()'s answer: webargs reads the body, and then the view (an
    idempotency fingerprint) or a rate limit's key reads it again through get_json(); each
    parse and check is a few dozen microseconds of every report. Only an answer is kept, as
    Flask does: a body that fails raises again, the same error, wherever it is read."""
    kept = current._cached_json[False]
    if kept is not Ellipsis:
        return kept
    value = load_json(current.get_data(cache=True))
    current._cached_json = (value, value)
    return value


def check_request_text() -> None:
    """before_request: the path, query string and form fields hold only storable text."""
    current = request._get_current_object()
    for value in (current.view_args or {}).values():
        if isinstance(value, str) and unstorable(value):
            # Nothing with such a key exists: the same answer as any other unknown one.
            raise HTTPNotFound()
    if unstorable(current.path):
        raise HTTPNotFound()
    for location, values in (("query", current.args),) + (
        (("form", current.form),) if current.mimetype in FORM_TYPES else ()
    ):
        for key, value in values.items(multi=True):
            if unstorable(key):
                raise Invalid.field(repr(key), f"(a key) {unstorable(key)}", location)
            if unstorable(value):
                raise Invalid.field(key, unstorable(value), location)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
