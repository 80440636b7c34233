"""What an Open311 client reads first: discovery, the service list and each service's questions."""

from flask import current_app
from sqlalchemy import func, select

from app.categories.models import Category
from app.core.clock import SHANGHAI, now
from app.core.errors import NotFound
from app.extensions import db
from app.open311.definitions import attributes_for
from app.open311.render import CONTENT_TYPES

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
PATH = "/open311/v2"


def changeset() -> str:
    """When the services last changed (a category added or retired): clients refresh caches then."""
    latest = db.session.execute(
        select(func.max(Category.created_at), func.max(Category.retired_at))
    ).one()
    moments = [m for m in latest if m is not None] or [now()]
    return max(moments).astimezone(SHANGHAI).isoformat(timespec="seconds")


def discovery() -> dict:
    config = current_app.config
    stamp = changeset()
    return {
        "changeset": stamp,
        "contact": config["OPEN311_CONTACT"] or config["CENTRE_NAME"],
        "key_service": config["OPEN311_KEY_SERVICE"],
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": config["PUBLIC_BASE_URL"].rstrip("/") + PATH,
                "changeset": stamp,
                "type": "production",
                "formats": [
                    CONTENT_TYPES["xml"].split(";")[0],
                    CONTENT_TYPES["json"].split(";")[0],
                ],
            }
        ],
    }


def _active() -> list[Category]:
    return list(
        db.session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
        )
    )


def services() -> list[dict]:
    """One service per active category; its group is the parent category (or itself at the top)."""
    categories = _active()
    names = {c.code: c.name for c in categories}
    listed = []
    for category in categories:
        group = names.get(category.parent_code or "", category.name)
        keywords = [category.name] + ([group] if group != category.name else [])
        listed.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": f"反映{category.name}方面的矛盾纠纷或问题",
                "metadata": bool(attributes_for(category.code)),
                "type": "realtime",
                "keywords": ",".join(keywords),
                "group": group,
            }
        )
    return listed


def definition(service_code: str) -> dict:
    category = db.session.get(Category, service_code)
    if category is None or not category.active:
        raise NotFound(f"service_code: no service {service_code}")
    return {
        "service_code": category.code,
        "attributes": [a.as_dict() for a in attributes_for(category.code)],
    }
