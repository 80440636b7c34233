"""The one staff sign-in for the browser pages (/console and /dashboard): a server-side session.

The session is tied to a token family made by the normal sign-in, so signing out, disabling the
user or revoking the family ends it at once; the cookie is HttpOnly, so no script reads it.
"""

from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import AuthToken, User
from app.accounts.tokens import REFRESH, user_for_access_token
from app.core.clock import now
from app.extensions import db

# Every staff role signs in here; each page says which roles it serves.
STAFF_ROLES = ("admin", "supervisor", "cleaner", "responder", "grid_worker")


def session_user(*roles: str) -> User | None:
    """The signed-in user of this browser session, if it is still valid (and has one of `roles`)."""
    family, user_id, started = session.get("family"), session.get("user_id"), session.get("at")
    if not family or not user_id or not started:
        return None
    hours = current_app.config["DASHBOARD_SESSION_HOURS"]
    if datetime.fromisoformat(started) + timedelta(hours=hours) <= now():
        session.clear()
        return None
    alive = db.session.scalar(
        select(AuthToken.id)
        .where(
            AuthToken.family == family,
            AuthToken.kind == REFRESH,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > now(),
        )
        .limit(1)
    )
    user = db.session.get(User, user_id)
    if alive is None or user is None or not user.active:
        session.clear()
        return None
    if roles and not user.has_role(*roles):
        return None
    g.current_user = user
    return user


def signed_in(*roles: str, binary_suffixes: tuple[str, ...] = (".png", ".xlsx", ".jpg")):
    """Views for staff with one of `roles`: unknown users go to the sign-in, others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = session_user()
            if user is None:
                if request.path.endswith(binary_suffixes):
                    abort(401)
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if user.must_change_password:
                # An admin set the password (new user, reset): choosing one comes first.
                if request.path.endswith(binary_suffixes):
                    abort(403)
                target = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("console.change_password", next=target))
            if roles and not user.has_role(*roles):
                abort(403)
            return view(user, *args, **kwargs)

        return wrapper

    return decorator


def start_session(username: str, password: str) -> User:
    """Check the credentials (raises Unauthorized) and bind a fresh session to a new login."""
    pair = accounts.sign_in(username, password)
    _, token = user_for_access_token(pair.access_token)
    db.session.commit()
    session.clear()  # a fresh session: nothing carried over from before sign-in
    g.pop("csrf_token", None)  # nor the CSRF token Flask-WTF cached for it
    session.update(family=token.family, user_id=pair.user.id, at=now().isoformat())
    return pair.user


def end_session() -> None:
    family = session.get("family")
    if family:
        accounts.sign_out(family)
        db.session.commit()
    session.clear()


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never an open redirect to another one)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if not target.startswith(("/console", "/dashboard")):
        return None
    return target
