"""Creating users, signing in, and disabling users."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts import throttle
from app.accounts.models import ROLES, User, UserArea, UserRole
from app.accounts.passwords import burn_time, hash_password, verify_password
from app.accounts.tokens import TokenPair, issue_pair, revoke_all, revoke_family
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
    """The one credential check every sign-in path calls (token API, supervisor page, …).

    Throttled per account and per address (accounts.throttle). A disabled account gets the
    same answer as a wrong password, so the answer never confirms a password.
    """
    throttle.check(username)
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        burn_time(password)
        right = False
    else:
        right = verify_password(user.password_hash, password)
    if not right or not user.active:
        throttle.failed(username)
        raise Unauthorized("wrong username or password")
    return issue_pair(user)


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == "admin")
    )


def check_admin_change(user: User, by: User | None, *, active: bool, roles: list[str]) -> None:
    """An admin cannot lock themselves out, and the last active admin stays one."""
    losing_admin = user.active and user.has_role("admin") and (not active or "admin" not in roles)
    if not losing_admin:
        return
    if by is not None and by.id == user.id:
        field = "active" if not active else "roles"
        raise Invalid.field(field, "you cannot disable or demote yourself; ask another admin")
    if _active_admins() <= 1:
        field = "active" if not active else "roles"
        raise Invalid.field(field, "this is the last active admin; make another admin first")


def set_active(user: User, active: bool, by: User | None = None) -> None:
    """Disabling ends everything the user holds, for good: every token and session family is
    revoked, so enabling the user again later revives none of them."""
    check_admin_change(user, by, active=active, roles=user.roles)
    if user.active and not active:
        revoke_all(user.id)
    user.active = active


def sign_out(family: str) -> None:
    revoke_family(family)
