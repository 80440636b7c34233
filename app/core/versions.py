"""The change versions (app/core/version_sql.py), read once per transaction.

A staff request asks four things "has this changed?" — its user's sign-ins (its token check),
the areas, the triage rules, the webhook subscriptions — and each answer is a row of
`routing_version` (the sign-ins: one of 64 rows, by user id). One read serves them all: it is
kept on the connection until anything could have moved a number, by this rule:

* a new transaction, a commit, a rollback, or the rollback of a savepoint drops it (a number
  this transaction did not write can only be seen anew in a new transaction; one it wrote can
  be taken back by a rollback);
* so does any statement that names a watched table (or routing_version itself) and is not a
  plain SELECT: an INSERT, UPDATE, DELETE, TRUNCATE, COPY, a WITH … that writes, DDL. Its
  triggers may have moved a number, so the next consumer in this transaction reads again and
  sees its own write. A plain SELECT writes nothing here (no watched table is written from a
  function a SELECT calls).

Another process's commit in the middle of a transaction is seen at the next transaction, as
if this one had started a moment earlier; what was built from the tables is read after the
number was, so a copy is never older than the number it is kept under.
"""

import re
from functools import lru_cache

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from app.core import signin_sql
from app.core.database import driver_rows
from app.core.version_sql import TABLES

_MEMO = "jiefen.change_versions"
_READ = text("SELECT id, version FROM routing_version WHERE id < :first OR id = :also")
_READ_ONE = text("SELECT version FROM routing_version WHERE id = :id")
_NAMES = re.compile(
    r"\b(" + "|".join(re.escape(t) for t in (*TABLES, "routing_version")) + r")\b", re.I
)


def current(which: int, connection: Connection) -> int | None:
    """The number of one watched thing as this transaction sees it (None: no row yet).

    The first read takes rows 1-3 and `which`; a sign-ins' bucket asked later is read alone
    and added. A request needs one bucket, its user's, so it reads four rows, not all 67 (the
    64 buckets cost ~20-30 µs more per read, and most requests are the public's, with none)."""
    memo = connection.info.get(_MEMO)
    if memo is None:
        # At the driver, once compiled: every request reads this.
        rows = driver_rows(connection, _READ, {"first": signin_sql.FIRST, "also": which})
        memo = connection.info[_MEMO] = dict(rows)
        memo.setdefault(which, None)
    elif which not in memo:
        rows = driver_rows(connection, _READ_ONE, {"id": which})
        memo[which] = rows[0][0] if rows else None
    return memo[which]


@lru_cache(maxsize=4096)
def may_change_versions(statement: str) -> bool:
    """Whether a statement could move a number (the rule in this module's docstring)."""
    return not statement.lstrip().lower().startswith("select") and bool(_NAMES.search(statement))


def _forget(connection: Connection, *_args) -> None:
    # An invalidated connection (the database went away) has no info to reach, and the
    # pool clears it with the DBAPI connection it replaces.
    if not connection.invalidated:
        connection.info.pop(_MEMO, None)


def _before_cursor_execute(connection, _cursor, statement, _params, _context, _many) -> None:
    if _MEMO in connection.info and may_change_versions(statement):
        connection.info.pop(_MEMO, None)


def install(engine: Engine) -> None:
    """Keep the memo honest on this engine's connections (create_app calls this)."""
    for name in ("begin", "commit", "rollback", "rollback_savepoint"):
        if not event.contains(engine, name, _forget):
            event.listen(engine, name, _forget)
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)
