"""Cursor pagination: ?limit=&cursor= → {"items": [...], "next_cursor": ...}."""

import base64
import json
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


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as error:
        raise Invalid.field("cursor", "is not a cursor this service gave out", "query") from error
    if not isinstance(values, list):
        raise Invalid.field("cursor", "is not a cursor this service gave out", "query")
    return values


def page_by_id(query: Select, id_column, limit: int, cursor: str | None, newest_first: bool = True):
    """Keyset pagination on a unique integer id: stable while rows are being added."""
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise Invalid.field("cursor", "is not a cursor this service gave out", "query")
        query = query.where(id_column < values[0] if newest_first else id_column > values[0])
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
