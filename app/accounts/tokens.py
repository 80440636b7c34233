"""Bearer tokens: short access tokens, rotating refresh tokens, revocation."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from app.accounts import token_checks
from app.accounts.models import AuthToken, User
from app.areas.models import RoutingVersion
from app.core import signin_sql
from app.core.clock import now
from app.core.errors import Unauthorized
from app.extensions import db

ACCESS, REFRESH = "access", "refresh"


class RefreshTokenReused(Unauthorized):
    """A spent refresh token came back: the login was revoked, and the caller must commit that."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    user: User


def _new_token(user: User, kind: str, family: str, ttl: int) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            user_id=user.id,
            kind=kind,
            token_hash=_digest(token),
            family=family,
            expires_at=now() + timedelta(seconds=ttl),
        )
    )
    return token


def issue_pair(user: User, family: str | None = None) -> TokenPair:
    config = current_app.config
    family = family or secrets.token_hex(16)
    access_ttl = int(config["ACCESS_TOKEN_TTL_SECONDS"])
    refresh_ttl = int(config["REFRESH_TOKEN_TTL_SECONDS"])
    return TokenPair(
        access_token=_new_token(user, ACCESS, family, access_ttl),
        refresh_token=_new_token(user, REFRESH, family, refresh_ttl),
        expires_in=access_ttl,
        refresh_expires_in=refresh_ttl,
        user=user,
    )


def _find(token: str, kind: str) -> AuthToken | None:
    return db.session.scalars(
        select(AuthToken).where(AuthToken.token_hash == _digest(token), AuthToken.kind == kind)
    ).first()


# The token with its user, roles and areas (with their paths) in one query, built once: it
# runs on every staff request whose check is not kept, where three round trips and building
# the statement each time cost more than the work most requests do. It also reads the number
# of the user's bucket of sign-ins, in the same statement and so the same snapshot as the rows:
# the answer is kept under it (the user is not known before this read).
_user = joinedload(AuthToken.user)
_bucket = RoutingVersion.id == signin_sql.FIRST + AuthToken.user_id % signin_sql.BUCKETS
ACCESS_TOKEN_QUERY = (
    select(AuthToken, select(RoutingVersion.version).where(_bucket).scalar_subquery())
    .where(AuthToken.token_hash == bindparam("token_hash"), AuthToken.kind == ACCESS)
    .options(_user.joinedload(User.role_rows), _user.joinedload(User.area_rows))
)


def user_for_access_token(token: str) -> tuple[User, AuthToken]:
    """The token's user and the token, both in the request's session; Unauthorized when the
    token is unknown, revoked or expired, or its user disabled. Most calls read no table: the
    answer is kept per process under its user's sign-ins number (app/accounts/token_checks.py).
    """
    digest, session = _digest(token), db.session()
    checks = token_checks.checks_of(current_app)
    found = checks.get(digest, lambda user_id: token_checks.numbers_now(session, user_id))
    row = token_checks.revive(session, found) if found is not None else None
    if row is None:
        untouched = token_checks.untouched(session)
        routing = token_checks.routing_now(session)  # before the rows: never newer than they
        read = session.execute(ACCESS_TOKEN_QUERY, {"token_hash": digest}).unique().first()
        row, signins = read if read is not None else (None, None)
        _check(row)
        # Unless this transaction's own write moved the routing number since (its own writes
        # to the sign-ins are in `signins`: a rollback takes that random number away for good).
        if (
            untouched
            and None not in (signins, routing)
            and routing == token_checks.routing_now(session)
        ):
            checks.put(digest, token_checks.snapshot((signins, routing), row))
    else:
        _check(row)  # a kept answer was valid when read; the clock has moved since
    return row.user, row


def _check(row: AuthToken | None) -> None:
    if row is None or row.revoked_at is not None:
        raise Unauthorized("token is not valid or has been revoked")
    if row.expires_at <= now():
        raise Unauthorized("token has expired")
    if not row.user.active:
        raise Unauthorized("user is disabled")


def revoke_family(family: str) -> None:
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.family == family, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )


def revoke_all(user_id: int, except_family: str | None = None) -> None:
    """Every token of the user, access and refresh, every login (and so every page session);
    but the login `except_family` when given."""
    query = update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
    if except_family:
        query = query.where(AuthToken.family != except_family)
    db.session.execute(query.values(revoked_at=now()))


def refresh(refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair; the old one is spent.

    Using a spent refresh token again means it was copied: the whole login is revoked.
    """
    # Claim the token with a conditional UPDATE so two concurrent refreshes cannot both win.
    row = _find(refresh_token, REFRESH)
    if row is None:
        raise Unauthorized("refresh token is not valid")
    if row.revoked_at is not None:
        grace = timedelta(seconds=int(current_app.config["REFRESH_REUSE_GRACE_SECONDS"]))
        if now() < row.revoked_at + grace:
            # A phone that sent the same refresh twice (a retry, two tabs): the other request
            # won and holds the new pair; refusing this one is enough.
            raise Unauthorized("refresh token was just used by another request; use its tokens")
        revoke_family(row.family)
        raise RefreshTokenReused("refresh token was already used; sign in again")
    if row.expires_at <= now():
        raise Unauthorized("refresh token has expired")
    if not row.user.active:
        raise Unauthorized("user is disabled")
    spent = db.session.execute(
        update(AuthToken)
        .where(AuthToken.id == row.id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    if spent.rowcount != 1:
        raise Unauthorized("refresh token was already used; sign in again")
    # The access token issued with the spent refresh token goes too.
    db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.family == row.family,
            AuthToken.kind == ACCESS,
            AuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=now())
    )
    return issue_pair(row.user, row.family)
