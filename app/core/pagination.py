"""Cursor pagination: ?limit=&cursor= → {"items": [...], "next_cursor": ...}."""

import base64
import json
from datetime import datetime
from typing import Any

import marshmallow as ma
from sqlalchemy import Select

from app.core.errors import Invalid
from app.extensions import db


class CursorArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=200))
    cursor = ma.fields.String(load_default=None)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _not_ours() -> Invalid:
    return Invalid.field("cursor", "is not a cursor this service gave out", "query")


def _cursor_int(value: Any) -> int:
    # bool is an int to Python; 1e30 and 2**40 are numbers no id column holds.
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise _not_ours()
    return value


def _cursor_time(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not 2000 <= moment.year <= 2100:
        raise _not_ours()
    return moment


CURSOR_PARTS = {"int": _cursor_int, "time": _cursor_time}


def decode_cursor(cursor: str, shape: tuple[str, ...] | None = None) -> list[Any]:
    """The values a cursor holds; with `shape` ("int", "time", …) each is checked and typed,
    so a well-formed cursor holding the wrong JSON is the caller's 422, not a database error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError, RecursionError) as error:
        raise _not_ours() from error
    if not isinstance(values, list):
        raise _not_ours()
    if shape is not None:
        if len(values) != len(shape):
            raise _not_ours()
        return [CURSOR_PARTS[kind](value) for kind, value in zip(shape, values, strict=True)]
    return values


def page_by_id(query: Select, id_column, limit: int, cursor: str | None, newest_first: bool = True):
    """Keyset pagination on a unique integer id: stable while rows are being added."""
    if cursor:
        (after,) = decode_cursor(cursor, ("int",))
        query = query.where(id_column < after if newest_first else id_column > after)
    query = query.order_by(id_column.desc() if newest_first else id_column.asc()).limit(limit + 1)
    rows = list(db.session.scalars(query))
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(allow_none=True, required=True),
        },
    )
