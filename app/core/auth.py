"""Who is calling: bearer-token authentication, role checks and area scopes."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import g, request
from sqlalchemy import ColumnElement, false, or_, true

from app.core.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from app.accounts.models import User

SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


PASSWORD_CHANGE_FIRST = (
    "your password was set by an admin: choose your own first "
    "(POST /api/v1/auth/password with current_password and new_password)"
)


def authenticate(*, before_password_change: bool = False) -> "User":
    """The caller of this request. A user whose password an admin set (new user, reset) may
    only change it (`before_password_change` endpoints: the change itself, me, logout)."""
    from app.accounts.tokens import user_for_access_token

    token = bearer_token()
    if token is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <token>")
    user, row = user_for_access_token(token)
    if user.must_change_password and not before_password_change:
        raise Forbidden(PASSWORD_CHANGE_FIRST, {"json": {"password": ["must be changed first"]}})
    g.current_user, g.current_token = user, row
    # Kept apart: after the view commits, reading user.username would reload the user.
    g.current_username = user.username
    return user


def current_user() -> "User":
    user = g.get("current_user")
    if user is None:
        raise Unauthorized("sign in first")
    return user


def staff_required(blueprint, *roles: str) -> Callable:
    """Authenticate the caller and require one of `roles` (any staff role when none given)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = authenticate()
            if roles and not user.has_role(*roles):
                raise Forbidden(f"this needs the role {' or '.join(roles)}")
            return view(*args, **kwargs)

        summary_roles = ", ".join(roles) if roles else "any staff role"
        return blueprint.doc(security=SECURITY, description=f"Roles: {summary_roles}.")(wrapper)

    return decorator


@dataclass(frozen=True)
class Scope:
    """The areas a user may see: everything (admins) or the subtrees of their areas."""

    unrestricted: bool
    paths: tuple[str, ...]

    def covers(self, area_path: str | None) -> bool:
        if self.unrestricted:
            return True
        return area_path is not None and any(area_path.startswith(p) for p in self.paths)

    def clause(self, path_column) -> ColumnElement[bool]:
        if self.unrestricted:
            return true()
        if not self.paths:
            return false()
        return or_(*(path_column.startswith(p, autoescape=True) for p in self.paths))


def scope_of(user: "User") -> Scope:
    if user.has_role("admin"):
        return Scope(True, ())
    return Scope(False, tuple(sorted(r.area_path for r in user.area_rows if r.area_path)))


def require_scope(user: "User", area_path: str | None, what: str = "this") -> None:
    if not scope_of(user).covers(area_path):
        raise Forbidden(f"{what} is outside your areas")
