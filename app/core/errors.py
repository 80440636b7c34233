"""Domain errors, and how every error leaves the service: flask-smorest's error shape."""

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
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


def register_error_handlers(app: Flask) -> None:
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
