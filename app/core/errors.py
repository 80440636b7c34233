"""Domain errors, and how every error leaves the service: flask-smorest's error shape."""

import contextlib
import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = HTTPStatus.BAD_REQUEST
    headers: dict[str, str] = {}

    def __init__(self, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    status_code = HTTPStatus.NOT_FOUND


class Gone(DomainError):
    status_code = HTTPStatus.GONE


class Unauthorized(DomainError):
    status_code = HTTPStatus.UNAUTHORIZED


class Forbidden(DomainError):
    status_code = HTTPStatus.FORBIDDEN


class Conflict(DomainError):
    status_code = HTTPStatus.CONFLICT


class InvalidTransition(Conflict):
    pass


class Invalid(DomainError):
    """Input that passed the schema but breaks a rule; `errors` names the field(s)."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY

    @classmethod
    def field(cls, field: str, message: str, location: str = "json") -> "Invalid":
        return cls(f"{field}: {message}", {location: {field: [message]}})


class TooLarge(DomainError):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def error_body(status: int, message: str | None = None, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return body


# How long a client should wait before retrying while the database is away.
DATABASE_RETRY_AFTER_SECONDS = 5


def _database_unavailable(error: Exception):
    from app.extensions import db

    # The connection is gone; the pool replaces it on the next checkout.
    with contextlib.suppress(Exception):
        db.session.rollback()
    # One line, no traceback: an outage would otherwise write two tracebacks per request.
    log.error("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    response = jsonify(error_body(503, "the database is unavailable; try again shortly"))
    response.status_code = 503
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)

    @app.errorhandler(DBAPIError)
    def _dbapi_error(error: DBAPIError):
        if error.connection_invalidated:
            return _database_unavailable(error)
        raise error

    @app.errorhandler(DataError)
    def _data_error(error: DataError):
        # A value the schemas let through but the column cannot hold: the caller's input.
        from app.extensions import db

        db.session.rollback()
        log.warning("value refused by the database: %s", type(error.orig).__name__)
        return _domain_error(Invalid("a value is out of range or cannot be stored"))

    @app.errorhandler(StaleDataError)
    def _stale(error: StaleDataError):
        # Someone else changed the row between our read and our write (optimistic lock).
        return _domain_error(Conflict("the case was changed by someone else; reload and try again"))

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        response = jsonify(error_body(int(error.status_code), error.message, error.errors))
        response.status_code = int(error.status_code)
        if isinstance(error, Unauthorized):
            response.headers["WWW-Authenticate"] = "Bearer"
        response.headers.update(error.headers)
        return response
