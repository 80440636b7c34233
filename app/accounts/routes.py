"""Sign-in, token refresh, sign-out, and user administration."""

from flask import g
from sqlalchemy import select

from app.accounts import service, tokens
from app.accounts.models import User
from app.accounts.schemas import (
    LoginSchema,
    PasswordChangeSchema,
    RefreshSchema,
    TokenSchema,
    UserCreateSchema,
    UserPatchSchema,
    UserSchema,
)
from app.audit import record_change
from app.audit.setup_subjects import user_fields
from app.core.auth import authenticate
from app.core.limits import body_limit
from app.core.lookup import get_or_404
from app.core.pagination import CursorArgs, page_by_id, page_schema
from app.extensions import Blueprint, db

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Staff sign-in")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Staff users")


def _token_body(pair: tokens.TokenPair) -> dict:
    return {
        "access_token": pair.access_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "refresh_token": pair.refresh_token,
        "refresh_expires_in": pair.refresh_expires_in,
        "user": pair.user,
    }


@blp.post("/token")
@body_limit("SMALL_BODY_MAX_BYTES")
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="Too many failed sign-ins")
def login(args):
    """Sign in with username and password: a short access token and a refresh token."""
    pair = service.sign_in(args["username"], args["password"])
    db.session.commit()
    return _token_body(pair)


@blp.post("/refresh")
@body_limit("SMALL_BODY_MAX_BYTES")
@blp.arguments(RefreshSchema)
@blp.response(200, TokenSchema)
def refresh(args):
    """Trade a refresh token for a new pair; the old refresh token stops working."""
    try:
        pair = tokens.refresh(args["refresh_token"])
    except tokens.RefreshTokenReused:
        db.session.commit()  # the revocation of the copied login must outlive this refusal
        raise
    db.session.commit()
    return _token_body(pair)


@blp.post("/logout")
@body_limit("SMALL_BODY_MAX_BYTES")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(204)
def logout():
    """Revoke the caller's access token and its refresh token."""
    authenticate(before_password_change=True)
    service.sign_out(g.current_token.family)
    db.session.commit()


@blp.get("/me")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, UserSchema)
def me():
    """The signed-in user (`must_change_password`: only the password change works for now)."""
    return authenticate(before_password_change=True)


@blp.post("/password")
@body_limit("SMALL_BODY_MAX_BYTES")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="Wrong current password")
def change_password(args):
    """Choose your own password. A user whose password an admin set (a new user on the admin
    screens, or 重置密码) gets 403 from every other endpoint until they do. Your other
    sign-ins end; this one goes on."""
    user = authenticate(before_password_change=True)
    service.change_password(
        user, args["current_password"], args["new_password"], keep_family=g.current_token.family
    )
    db.session.commit()


@users_blp.get("")
@users_blp.staff("admin")
@users_blp.arguments(CursorArgs, location="query")
@users_blp.response(200, page_schema(UserSchema, "UserPage"))
def list_users(args):
    """List users."""
    items, cursor = page_by_id(select(User), User.id, args["limit"], args["cursor"], False)
    return {"items": items, "next_cursor": cursor}


@users_blp.post("")
@users_blp.staff("admin")
@users_blp.arguments(UserCreateSchema)
@users_blp.response(201, UserSchema)
def create_user(args):
    """Create a staff user."""
    user = service.create_user(**args)
    record_change("user.create", "user", user.id, user.username, after=user_fields(user))
    db.session.commit()
    return user


@users_blp.patch("/<int:user_id>")
@users_blp.staff("admin")
@users_blp.arguments(UserPatchSchema)
@users_blp.response(200, UserSchema)
def patch_user(args, user_id: int):
    """Enable or disable a user: disabling revokes every token and session they hold, for good
    (enabling again revives none). Nobody can disable themselves or the last active admin."""
    user = get_or_404(User, user_id, "user")
    before = user_fields(user)
    service.set_active(user, args["active"], by=g.current_user)
    kind = "user.update" if args["active"] else "user.disable"
    record_change(kind, "user", user.id, user.username, before=before, after=user_fields(user))
    db.session.commit()
    return user
