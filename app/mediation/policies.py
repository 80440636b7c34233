"""Admins' attempt rule: the stored rows, and the effective rule per tier with the built-ins."""

from typing import Any

from sqlalchemy import delete, select

from app.categories.models import Category
from app.core.errors import Invalid
from app.extensions import db
from app.mediation.models import MediationPolicy
from app.mediation.rule import DEFAULTS, check_limits
from app.reports.models import TIERS


def effective_policies() -> list[dict[str, Any]]:
    """Every stored rule, and the built-in default of a tier that has no stored default."""
    stored = list(
        db.session.scalars(
            select(MediationPolicy).order_by(MediationPolicy.tier, MediationPolicy.category_code)
        )
    )
    rows = [
        {"tier": p.tier, "category_code": p.category_code, "max_sessions": p.max_sessions,
         "within_days": p.within_days, "source": "stored"}
        for p in stored
    ]  # fmt: skip
    have_default = {p.tier for p in stored if p.category_code is None}
    for tier in TIERS:
        if tier not in have_default:
            n, days = DEFAULTS[tier]
            rows.append({"tier": tier, "category_code": None, "max_sessions": n,
                         "within_days": days, "source": "default"})  # fmt: skip
    order = {t: i for i, t in enumerate(TIERS)}
    return sorted(rows, key=lambda r: (order[r["tier"]], r["category_code"] or ""))


def replace_policies(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules become exactly `items` (a tier left without a default uses the built-in)."""
    seen: set[tuple[str, str | None]] = set()
    for index, item in enumerate(items):
        try:
            check_limits(item)
        except Invalid as error:
            raise Invalid(
                f"item {index}: {error.message}",
                {"json": {str(index): (error.errors or {}).get("json")}},
            ) from None
        code = item.get("category_code") or None
        if code and db.session.get(Category, code) is None:
            raise Invalid(
                f"item {index}: unknown category {code}",
                {"json": {str(index): {"category_code": [f"unknown category {code}"]}}},
            )
        key = (item["tier"], code)
        if key in seen:
            raise Invalid(
                f"item {index}: {item['tier']} / {code or 'every category'} twice",
                {"json": {str(index): {"tier": ["this tier and category twice"]}}},
            )
        seen.add(key)
    db.session.execute(delete(MediationPolicy))
    for item in items:
        db.session.add(MediationPolicy(
            tier=item["tier"], category_code=item.get("category_code") or None,
            max_sessions=item["max_sessions"], within_days=item["within_days"],
        ))  # fmt: skip
    db.session.flush()
    return effective_policies()
