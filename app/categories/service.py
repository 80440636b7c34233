"""Adding and retiring categories, and checking a code given with a report."""

from sqlalchemy import func, select

from app.categories.models import Category
from app.core.clock import now
from app.core.errors import Conflict, Invalid
from app.core.lookup import get_or_404
from app.extensions import db


def active_category(code: str, field: str = "category_code") -> Category:
    """The category for a new report: it must exist and not be retired."""
    category = db.session.get(Category, code)
    if category is None:
        raise Invalid.field(field, f"unknown category {code}")
    if not category.active:
        raise Invalid.field(field, f"category {code} ({category.name}) is retired")
    return category


def add_category(code: str, name: str, parent_code: str | None = None) -> Category:
    if db.session.get(Category, code) is not None:
        raise Conflict(f"category {code} exists", {"json": {"code": ["already exists"]}})
    if parent_code is not None:
        active_category(parent_code, "parent_code")
    order = (db.session.scalar(select(func.max(Category.sort_order))) or 0) + 1
    category = Category(code=code, name=name, parent_code=parent_code, sort_order=order)
    db.session.add(category)
    db.session.flush()
    return category


def retire_category(code: str) -> Category:
    """Retired categories leave the choice lists but stay on the reports that carry them."""
    category = get_or_404(Category, code, "category")
    if category.active:
        category.active, category.retired_at = False, now()
    return category
