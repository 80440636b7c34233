"""The Flask extensions, each created once here and bound to the app in the factory."""

import logging
from functools import partial
from typing import Any

import flask_limiter
import flask_smorest
from flask import Flask, request
from flask.globals import request_ctx
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from app.core.clean_input import load_json, request_json
from app.core.database import Base
from app.core.json import OrjsonProvider
from app.core.replica import Session
from app.core.schemas import instance_of

log = logging.getLogger("app.errors")

# The session class sends the statistics' and ledger's reads to a replica when one is set.
db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
# Every cookie-authenticated form post carries csrf_token(); the token-authenticated JSON API
# is exempt (a browser does not send a bearer token by itself).
csrf = CSRFProtect()


class Limiter(flask_limiter.Limiter):
    """flask-limiter, whose before_request check returns at once when it has nothing to count.

    Before each view the extension resolves, for the request's endpoint, the limits it counts
    there: application-wide, default, meta and blueprint limits (a view's own limits are
    counted by its decorator, not here). This service sets none of those, so the answer is
    always "none" (a fifth of the request's frame); while that stays so, it is not asked.
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True) -> None:
        if (
            in_middleware
            and callable_name is None
            and not self.counts_before_view(request.endpoint)
        ):
            return
        super()._check_request_limit(callable_name, in_middleware)

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # The extension's answer headers (after_request) and reset (teardown) each ask for the
        # request's limiter context, making one when nothing was counted: ~20 µs of every
        # request that counts nothing (the staff API). Made only by a count, so without one
        # there are no headers to add and nothing to reset: they run only where it exists.
        headers = partial(flask_limiter.Limiter._Limiter__inject_headers, self)
        after = app.after_request_funcs.get(None, [])
        after[:] = [self._headers_if_counted if _same(f, headers) else f for f in after]
        teardown = app.teardown_request_funcs.get(None, [])
        release = self._Limiter__release_context
        teardown[:] = [self._release_if_counted if f == release else f for f in teardown]

    def counted_here(self) -> bool:
        """Whether this request has a context of this limiter (something counted or looked)."""
        contexts = vars(request_ctx._get_current_object()).get("_limiter_request_context")
        return contexts is not None and self in contexts

    def _headers_if_counted(self, response):
        if not self.counted_here():
            return response
        return self._Limiter__inject_headers(response)

    def _release_if_counted(self, error: BaseException | None = None) -> None:
        if self.counted_here():
            self._Limiter__release_context(error)

    def counts_before_view(self, endpoint: str | None) -> bool:
        """Whether the check before the view could count (or refuse) anything for `endpoint`.

        A storage that went away is checked for its return there, so that case goes through.
        """
        manager = self.limit_manager
        return bool(
            self._storage_dead
            or manager._application_limits
            or manager._default_limits
            or self._meta_limits
            or manager._blueprint_limits
            or manager.has_hints(endpoint or "")
        )


def _same(hook, expected: partial) -> bool:
    return (
        isinstance(hook, partial)
        and hook.func is expected.func
        and hook.args == expected.args
        and not hook.keywords
    )


# Limits live on the views (app.public.limits) and read their values from the config; storage
# comes from RATELIMIT_STORAGE_URI. Retry-After is sent in seconds on every 429. If Redis goes
# away, counting falls back to memory: a resident's report matters more than exact limits.
limiter = Limiter(
    get_remote_address,
    headers_enabled=True,
    retry_after="delta-seconds",
    strategy="fixed-window",
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        return [m for key, value in errors.items() for m in _flatten(value, f"{prefix}{key}.")]
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return [f"{prefix.rstrip('.')}: {' '.join(errors)}"]
    if isinstance(errors, list):
        return [m for i, value in enumerate(errors) for m in _flatten(value, f"{prefix}{i}.")]
    return [f"{prefix.rstrip('.')}: {errors}"]


class Api(flask_smorest.Api):
    def init_app(self, app, *, spec_kwargs=None):
        # Operation ids, null in nullable enums, typed nullable objects, rate-limit headers:
        # what clients generated from the document need (app.core.openapi).
        from app.core.openapi import ClientFriendlySpec, nullable_for_clients

        spec_kwargs = {**(spec_kwargs or {}), "extra_plugins": [ClientFriendlySpec()]}
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.ma_plugin.converter.add_attribute_function(nullable_for_clients)

    def handle_http_exception(self, error: HTTPException):
        payload, status, headers = super().handle_http_exception(error)
        if status >= 500:
            log.error("unhandled error", exc_info=getattr(error, "original_exception", None))
        if "message" not in payload:
            if "errors" in payload:
                # Name the offending fields in the sentence too, for people reading logs.
                payload["message"] = "Invalid input: " + "; ".join(_flatten(payload["errors"]))
            else:
                payload["message"] = error.description
        if error.code == 405 and not headers:
            response = error.get_response()
            headers = {"Allow": response.headers.get("Allow", "")}
        return payload, status, headers


class JSONProvider(OrjsonProvider):
    """orjson's UTF-8 answers; request.get_json() refuses what no database stores, naming the
    field (core.clean_input)."""

    def loads(self, s, **kwargs):
        return load_json(s)


class ArgumentsParser(FlaskParser):
    """webargs reading JSON bodies through the same checks as request.get_json(), and the same
    parse: one per request, whichever reads first."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        return request_json(req)


class Blueprint(flask_smorest.Blueprint):
    """The project's blueprint: adds the staff-authentication decorator (see core.auth)."""

    ARGUMENTS_PARSER = ArgumentsParser()
    # A body a phone may send as JSON or as a multipart form with files (webargs reads either);
    # the document shows the form, which is the one that can carry the files.
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "multipart/form-data",
    }

    def arguments(self, schema, **kwargs):
        # webargs would build a schema given as a class anew for every request (and with it
        # every nested one): a third of a millisecond of each intake request.
        if isinstance(schema, type):
            schema = instance_of(schema)
        return super().arguments(schema, **kwargs)

    def staff(self, *roles: str):
        from app.core.auth import staff_required

        return staff_required(self, *roles)
