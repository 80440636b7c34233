"""Creating users, signing in, and disabling users."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import ROLES, User, UserArea, UserRole
from app.accounts.passwords import burn_time, hash_password, verify_password
from app.accounts.tokens import TokenPair, issue_pair, revoke_family
from app.areas.models import Area
from app.core.errors import Conflict, Invalid, Unauthorized
from app.extensions import db
from app.units.models import Unit

MIN_PASSWORD_LENGTH = 8


def create_user(
    username: str,
    password: str,
    roles: list[str],
    area_codes: list[str] | None = None,
    unit_code: str | None = None,
    display_name: str = "",
) -> User:
    username = username.strip()
    if not username:
        raise Invalid.field("username", "must not be empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid.field("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if not roles:
        raise Invalid.field("roles", "give at least one role")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid.field("roles", f"unknown role(s): {', '.join(unknown)}")
    area_codes = sorted(set(area_codes or []))
    if area_codes:
        found = set(db.session.scalars(select(Area.code).where(Area.code.in_(area_codes))))
        missing = [c for c in area_codes if c not in found]
        if missing:
            raise Invalid.field("area_codes", f"unknown area(s): {', '.join(missing)}")
    if unit_code and db.session.scalar(select(Unit.id).where(Unit.code == unit_code)) is None:
        raise Invalid.field("unit_code", f"unknown unit {unit_code}")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username} is taken", {"json": {"username": ["already taken"]}})
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        unit_code=unit_code,
        role_rows=[UserRole(role=r) for r in sorted(set(roles))],
        area_rows=[UserArea(area_code=c) for c in area_codes],
    )
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(f"username {username} is taken") from error
    return user


def sign_in(username: str, password: str) -> TokenPair:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        burn_time(password)
        raise Unauthorized("wrong username or password")
    if not verify_password(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    if not user.active:
        raise Unauthorized("user is disabled")
    return issue_pair(user)


def set_active(user: User, active: bool) -> None:
    """Disabling takes effect at once: every token check looks at `active`."""
    user.active = active


def sign_out(family: str) -> None:
    revoke_family(family)
