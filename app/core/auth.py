"""Who is calling: bearer-token authentication, role checks and area scopes."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import g, request
from sqlalchemy import ColumnElement, false, or_, select, true

from app.core.errors import Forbidden, Unauthorized
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User

SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate() -> "User":
    from app.accounts.tokens import user_for_access_token

    token = bearer_token()
    if token is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <token>")
    user, row = user_for_access_token(token)
    g.current_user, g.current_token = user, row
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
    from app.areas.models import Area

    if user.has_role("admin"):
        return Scope(True, ())
    codes = user.area_codes
    paths = (
        tuple(db.session.scalars(select(Area.path).where(Area.code.in_(codes)))) if codes else ()
    )
    return Scope(False, paths)


def require_scope(user: "User", area_path: str | None, what: str = "this") -> None:
    if not scope_of(user).covers(area_path):
        raise Forbidden(f"{what} is outside your areas")
