"""Creating and changing users, signing in, passwords, and disabling users."""

import secrets

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


def _check_assignment(roles: list[str], area_codes: list[str], unit_code: str | None) -> None:
    """Roles, area scopes and unit of a user, new or changed: the one check of each."""
    if not roles:
        raise Invalid.field("roles", "give at least one role")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid.field("roles", f"unknown role(s): {', '.join(unknown)}")
    if area_codes:
        found = set(db.session.scalars(select(Area.code).where(Area.code.in_(area_codes))))
        missing = [c for c in area_codes if c not in found]
        if missing:
            raise Invalid.field("area_codes", f"unknown area(s): {', '.join(missing)}")
    if unit_code and db.session.scalar(select(Unit.id).where(Unit.code == unit_code)) is None:
        raise Invalid.field("unit_code", f"unknown unit {unit_code}")


def check_responder_unit(roles: list[str], unit_code: str | None) -> None:
    """A responder works a unit's cases: without a unit their workbench is empty. The admin
    screens hold to this; the JSON API does not (yet), so scripts that add the unit later work."""
    if "responder" in roles and not unit_code:
        raise Invalid.field("unit_code", "a responder belongs to a unit: choose one")


def check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid.field(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    username: str,
    password: str,
    roles: list[str],
    area_codes: list[str] | None = None,
    unit_code: str | None = None,
    display_name: str = "",
    must_change_password: bool = False,
) -> User:
    username = username.strip()
    if not username:
        raise Invalid.field("username", "must not be empty")
    check_password(password)
    area_codes = sorted(set(area_codes or []))
    _check_assignment(roles, area_codes, unit_code)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username} is taken", {"json": {"username": ["already taken"]}})
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        unit_code=unit_code,
        must_change_password=must_change_password,
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


def update_user(
    user: User,
    by: User | None,
    *,
    roles: list[str],
    area_codes: list[str],
    unit_code: str | None,
    display_name: str,
) -> None:
    """Change what a user is (roles, area scopes, unit, name); the username stays. An admin
    cannot demote themselves, nor the last active admin (check_admin_change)."""
    area_codes = sorted(set(area_codes))
    _check_assignment(roles, area_codes, unit_code)
    check_admin_change(user, by, active=user.active, roles=roles)
    user.display_name = display_name.strip() or user.username
    user.unit_code = unit_code or None
    wanted_roles = set(roles)
    user.role_rows = [r for r in user.role_rows if r.role in wanted_roles] + [
        UserRole(role=r) for r in sorted(wanted_roles - set(user.roles))
    ]
    user.area_rows = [a for a in user.area_rows if a.area_code in area_codes] + [
        UserArea(area_code=c) for c in area_codes if c not in user.area_codes
    ]
    db.session.flush()
    # The scope's paths are read with the row: load them for the areas just added.
    for row in user.area_rows:
        db.session.refresh(row)


# No 0/O, 1/l/I: a one-time password is read out or copied by hand.
ONE_TIME_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
ONE_TIME_LENGTH = 12


def one_time_password() -> str:
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def reset_password(user: User) -> str:
    """A new one-time password for `user`, returned once (only its hash is kept). Everything
    the user held is revoked, and until they choose their own password nothing else works."""
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    revoke_all(user.id)
    return password


def change_password(user: User, current: str, new: str, keep_family: str | None = None) -> None:
    """The user chooses their own password (knowing the current one). Other sign-ins end;
    `keep_family`, the login doing the change, stays."""
    if not verify_password(user.password_hash, current):
        raise Invalid.field("current_password", "is not right")
    check_password(new, "new_password")
    if new == current:
        raise Invalid.field("new_password", "must differ from the current password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_all(user.id, except_family=keep_family)


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
