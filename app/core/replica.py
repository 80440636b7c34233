"""Reads that may come from a streaming replica: statistics and the ledger.

With `STATS_DATABASE_URL` set, the views marked `@reads_from_replica` run their queries on
that database (a PostgreSQL hot standby made with pg_basebackup) instead of the primary, so
a supervisor's year-long overview or a district's ledger export does not compete with intake
and the cleaners' queue for the primary's CPU and cache. Everything else, sign-in included,
stays on the primary: a token issued a moment ago may not have reached the replica yet.

The replica lags the primary by the replication delay (normally well under a second); figures
and ledgers are summaries of the past and tolerate that.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from flask.globals import _cv_app
from flask_sqlalchemy.session import Session as FlaskSession

EXTENSION = "jiefen.replica"
_FLAG = "_jiefen_reads_from_replica"


class Session(FlaskSession):
    """The app's session: inside a replica-reading view, every statement goes to the replica."""

    # With one engine and no bind keys, every statement's engine is that one: asked ~11 times
    # a report, Flask-SQLAlchemy looks the app and its engines up each time.
    _sole_engine: sa.engine.Engine | None = None

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs: Any):
        if bind is not None:
            return bind
        context = _cv_app.get(None)
        if context is not None and context.g.get(_FLAG):
            engine = replica_engine(context.app)
            if engine is not None:
                return engine
        if self._sole_engine is None:
            self._sole_engine = sole_engine(self._db)
            if self._sole_engine is None:
                return super().get_bind(mapper=mapper, clause=clause, **kwargs)
        return self._sole_engine


def sole_engine(db) -> sa.engine.Engine | None:
    """The app's engine when it is the only one and no table names a bind key, else None."""
    engines = db.engines
    if set(engines) != {None}:
        return None
    if any(metadata.info.get("bind_key") is not None for metadata in db.metadatas.values()):
        return None
    return engines[None]


def add_replica(app: Flask, uri: str, options: dict[str, Any]) -> sa.engine.Engine:
    """The replica's engine, kept beside the app's own (not a Flask-SQLAlchemy bind: no model
    lives there, and create_all must not look for one)."""
    engine = sa.create_engine(uri, **options)
    app.extensions[EXTENSION] = engine
    return engine


def replica_engine(app: Flask) -> sa.engine.Engine | None:
    return app.extensions.get(EXTENSION)


def reads_from_replica(view: Callable) -> Callable:
    """Run the view's queries on the replica (when configured). Put it below the auth check."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        from app.extensions import db

        # Whatever the sign-in changed belongs on the primary: write it there first.
        db.session.flush()
        previous = g.get(_FLAG, False)
        setattr(g, _FLAG, True)
        try:
            return view(*args, **kwargs)
        finally:
            setattr(g, _FLAG, previous)

    return wrapper
