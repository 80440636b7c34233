"""What a staff token check found, kept per process so most checks read no table (issue 19).

Every staff request asks "whose is this access token, and may they still use it?". The answer
(the token, its user, roles and areas) changes only when a token is revoked, refreshed or
purged, or a user, their roles or areas change — and each of those moves the number of the
user's bucket of sign-ins (app/core/signin_sql.py: one row of 64, by user id) in the writer's
transaction. A new token does not: no process has seen it yet. An area's path (read with the
user's areas) moves the routing version. So an answer is kept under the pair (its user's
bucket's number, routing number) it was read at and trusted while the transaction sees the
same pair — read with the numbers intake reads anyway, in one statement shared by every
consumer (app/core/versions.py: rows 1-3 and this one bucket). The user is known only once
the token is read, so a check that reads the tables reads its bucket's number in the same
statement (one snapshot with the rows) and the routing number before it. Expiry is time, not
a write: it is checked on every use against the kept `expires_at`.

A phone's refresh (each 15 minutes) or a sign-out throws away the answers kept for the users
of its bucket only; the others' next checks still read nothing. A TRUNCATE moves every bucket.

What is kept is plain column values, never an ORM object: each request gets new instances
made from them and attached to its own session as if loaded, so a request may change its user
(a password change) without touching another request's copy.

An answer is kept only from a session that held no object when the check began (a request's,
as it checks its token first): a token this session made is not yet committed, and one it
made with a transaction that is rolled back must never be found again. A token row inserted
outside the ORM in the same transaction would escape this rule; issue_pair is the only place
tokens are made.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from app.accounts.models import AuthToken, User, UserArea, UserRole
from app.core import signin_sql, versions
from app.core.version_sql import ROUTING

EXTENSION = "jiefen.token_checks"
# Entries, least recently used dropped first: a few thousand staff signed in at once, each
# entry well under a kilobyte.
SIZE = 4096

Values = tuple[tuple[str, Any], ...]
# The number of a user's bucket of sign-ins and the routing number.
Numbers = tuple[int, int]


@dataclass(frozen=True)
class Found:
    """One check's answer, as plain values (nothing in it is ever changed)."""

    numbers: Numbers
    user_id: int
    expires_at: datetime
    token: Values
    user: Values
    roles: tuple[Values, ...]
    areas: tuple[Values, ...]
    # Identity keys of every object above: none may already be in the session it joins.
    keys: tuple[tuple, ...]


class TokenChecks:
    """A bounded LRU of Found by token digest; one per app (an app is one worker's process)."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self._entries: OrderedDict[str, Found] = OrderedDict()
        self._lock = threading.Lock()  # a threaded worker shares it between requests

    def get(self, digest: str, numbers_of: Callable[[int], Numbers | None]) -> Found | None:
        """The answer kept for `digest` if `numbers_of(its user id)` (the numbers this
        transaction sees) are the ones it was read at; an outdated one is dropped. The numbers
        are asked outside the lock: it may be a read."""
        with self._lock:
            found = self._entries.get(digest)
            if found is None:
                return None
            self._entries.move_to_end(digest)
        if found.numbers == numbers_of(found.user_id):
            return found
        with self._lock:
            if self._entries.get(digest) is found:
                del self._entries[digest]
        return None

    def put(self, digest: str, found: Found) -> None:
        with self._lock:
            self._entries[digest] = found
            self._entries.move_to_end(digest)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def checks_of(app: Flask) -> TokenChecks:
    checks = app.extensions.get(EXTENSION)
    if checks is None:
        checks = app.extensions.setdefault(EXTENSION, TokenChecks())
    return checks


def numbers_now(session: Session, user_id: int) -> Numbers | None:
    """The user's bucket's and the routing number this transaction sees (app/core/versions.py:
    one read shared with intake; None: a row is missing, and nothing is trusted without it)."""
    connection = session.connection()
    signins = versions.current(signin_sql.row_of(user_id), connection)
    routing = versions.current(ROUTING, connection)
    if signins is None or routing is None:
        return None
    return signins, routing


def routing_now(session: Session) -> int | None:
    return versions.current(ROUTING, session.connection())


def _columns(model: type) -> tuple[str, ...]:
    return tuple(attribute.key for attribute in inspect(model).column_attrs)


_TOKEN, _USER, _ROLE, _AREA = (_columns(m) for m in (AuthToken, User, UserRole, UserArea))


def _values(obj: Any, columns: tuple[str, ...]) -> Values:
    state = obj.__dict__
    return tuple((key, state[key]) for key in columns)


def _key(obj: Any) -> tuple:
    return inspect(obj).identity_key


def untouched(session: Session) -> bool:
    """Whether the session holds no object yet (a request's session when its token is checked):
    what a read finds then is what was committed, or what this transaction wrote to a watched
    table under a number of its own that a rollback takes away for good."""
    return not session.identity_map and not session.new and not session.deleted


def snapshot(numbers: Numbers, token: AuthToken) -> Found:
    user = token.user
    return Found(
        numbers=numbers,
        user_id=token.user_id,
        expires_at=token.expires_at,
        token=_values(token, _TOKEN),
        user=_values(user, _USER),
        roles=tuple(_values(r, _ROLE) for r in user.role_rows),
        areas=tuple(_values(a, _AREA) for a in user.area_rows),
        keys=(
            _key(token),
            _key(user),
            *(_key(r) for r in user.role_rows),
            *(_key(a) for a in user.area_rows),
        ),
    )


# Each model's instrumentation, looked up once: revive makes four objects per staff request.
_MANAGERS = {model: inspect(model).class_manager for model in (AuthToken, User, UserRole, UserArea)}


def _instance(model: type, values: Values) -> Any:
    obj = _MANAGERS[model].new_instance()
    obj.__dict__.update(values)
    return obj


def revive(session: Session, found: Found) -> AuthToken | None:
    """New token, user, role and area objects from `found`, in `session` as if just loaded;
    None when one of them is already there (the caller reads the tables instead)."""
    identity_map = session.identity_map
    if any(key in identity_map for key in found.keys):
        return None
    token, user = _instance(AuthToken, found.token), _instance(User, found.user)
    set_committed_value(user, "role_rows", [_instance(UserRole, v) for v in found.roles])
    set_committed_value(user, "area_rows", [_instance(UserArea, v) for v in found.areas])
    set_committed_value(token, "user", user)
    # Each object joins as persistent under its kept identity key, one by one: session.add's
    # walk of the relationships (cascade) cost a third of the whole check, and every object it
    # would find is listed here. SQLAlchemy is pinned (requirements.txt); the tests revive.
    for obj, key in zip((token, user, *user.role_rows, *user.area_rows), found.keys, strict=True):
        state = instance_state(obj)
        state.key = key
        session._update_impl(state)
    return token
