"""Issuing, listing, revoking and checking the api_keys Open311 client applications use."""

import hashlib
import hmac
import secrets

from flask import current_app
from limits import parse_many
from sqlalchemy import select

from app.accounts.models import User
from app.areas.models import Area
from app.core.clock import now
from app.core.errors import Conflict, Invalid
from app.core.lookup import get_or_404
from app.extensions import db
from app.open311.models import Open311Key


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_rate_limit(value: str) -> str:
    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError as error:
        message = 'must be like "60 per minute" or "60 per minute;2000 per day"'
        raise Invalid.field("rate_limit", message) from error
    return value


def _check_area(code: str | None) -> None:
    if code and db.session.scalars(select(Area.id).where(Area.code == code)).first() is None:
        raise Invalid.field("area_code", f"unknown area {code}")


def issue_key(
    name: str,
    *,
    rate_limit: str | None = None,
    area_code: str | None = None,
    asynchronous: bool = False,
    created_by: User | None = None,
) -> tuple[Open311Key, str]:
    """A new key for a named client application; the secret is returned here and never again."""
    name = (name or "").strip()
    if not name:
        raise Invalid.field("name", "must not be empty")
    if db.session.scalars(select(Open311Key.id).where(Open311Key.name == name)).first():
        raise Conflict(f"a key named {name} exists", {"json": {"name": ["already exists"]}})
    _check_area(area_code)
    secret = secrets.token_urlsafe(24)
    key = Open311Key(
        name=name,
        key_hash=hash_key(secret),
        key_prefix=secret[:6],
        active=True,
        rate_limit=check_rate_limit(
            rate_limit or current_app.config["OPEN311_DEFAULT_KEY_RATE_LIMIT"]
        ),
        area_code=area_code or None,
        asynchronous=asynchronous,
        created_by_user_id=created_by.id if created_by else None,
        created_at=now(),
    )
    db.session.add(key)
    db.session.flush()
    return key, secret


def get_key(key_id: int) -> Open311Key:
    return get_or_404(Open311Key, key_id, "Open311 key")


def revoke_key(key_id: int) -> Open311Key:
    """The key stops working at once; the row stays, so reports still say which client sent them."""
    key = get_key(key_id)
    if key.active:
        key.active, key.revoked_at = False, now()
    return key


def update_key(key_id: int, **changes) -> Open311Key:
    key = get_key(key_id)
    if "rate_limit" in changes:
        key.rate_limit = check_rate_limit(changes["rate_limit"])
    if "asynchronous" in changes:
        key.asynchronous = changes["asynchronous"]
    if "area_code" in changes:
        _check_area(changes["area_code"])
        key.area_code = changes["area_code"] or None
    return key


def key_for_secret(secret: str | None) -> Open311Key | None:
    """The active key with this secret, or None (unknown, revoked, or nothing sent)."""
    if not secret or len(secret) > 200:
        return None
    digest = hash_key(secret)
    key = db.session.scalars(
        select(Open311Key).where(Open311Key.key_hash == digest, Open311Key.active.is_(True))
    ).first()
    # The look-up was by hash already; compare again in constant time for good measure.
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        return None
    return key
