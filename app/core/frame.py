"""The request's frame, as cheap as Flask allows: work Flask redoes for every request, done once.

Flask asks `ensure_sync` about every hook of every request (~14 times for an intake request)
and `inspect` unwraps and tests the same function each time; the cookie session builds its
signing serializer (key derivation, salt) for every request, although the JSON API's requests
carry no session cookie to check. Both answers are the same as Flask's.
"""

from inspect import CO_COROUTINE
from types import FunctionType, MethodType

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


def is_plain_function(func) -> bool:
    """A plain `def` or a method of one (not `async def`, not marked as a coroutine function):
    Flask calls it as is."""
    if type(func) is MethodType:
        func = func.__func__
    return (
        type(func) is FunctionType
        and not func.__code__.co_flags & CO_COROUTINE
        and not hasattr(func, "_is_coroutine_marker")
    )


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        if app.secret_key and not self._sent_cookie(app, request):
            # What Flask answers for no cookie, without building the serializer first.
            return self.session_class()
        return super().open_session(app, request)

    def _sent_cookie(self, app: Flask, request) -> bool:
        # No Cookie header (every phone's and script's request): nothing to parse.
        return "HTTP_COOKIE" in request.environ and bool(
            request.cookies.get(self.get_cookie_name(app))
        )


class App(Flask):
    session_interface = CookieSessions()

    def ensure_sync(self, func):
        if is_plain_function(func):
            return func
        return super().ensure_sync(func)
