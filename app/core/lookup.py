"""Finding one row by its key for an API call: the row, or a 404 that names what was missing."""

from typing import Any, TypeVar

from app.core.errors import NotFound
from app.extensions import db

Model = TypeVar("Model")


def get_or_404(model: type[Model], key: Any, what: str, **options: Any) -> Model:
    """`db.session.get(model, key, **options)`, or NotFound("no {what} {key}")."""
    row = db.session.get(model, key, **options)
    if row is None:
        raise NotFound(f"no {what} {key}")
    return row
