"""Requests as separate phones send them: each with its own app context and database session."""

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db

Call = Callable[[FlaskClient], Any]


def _release_test_session() -> None:
    # The test's own session must not hold a transaction: on SQLite every transaction takes
    # the write lock (BEGIN IMMEDIATE), so the requests below would wait for the test.
    db.session.commit()


def fresh(app: Flask, call: Call) -> Any:
    """Run one request in a new app context: nothing it leaves uncommitted survives it."""
    _release_test_session()
    with app.app_context():
        return call(app.test_client())


def parallel(app: Flask, calls: list[Call]) -> list[Any]:
    """Run the requests at once on real threads and return their results in order."""
    _release_test_session()
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Call) -> None:
        try:
            with app.app_context():
                client = app.test_client()
                start.wait()
                results[index] = call(client)
        except BaseException as error:  # re-raised in the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
