"""Failed sign-ins are counted per account and per client address; past the limit, every
sign-in path (the token API, the supervisor page, any later staff login calling sign_in) is
refused with 429 and Retry-After, even with the right password, until the window passes.

Counts live in the rate limiter's storage (RATELIMIT_STORAGE_URI): shared between workers
and servers when that is Redis.
"""

import logging
import math
import time

from flask import current_app, has_request_context, request
from limits import parse_many

from app.core.errors import DomainError
from app.extensions import limiter

log = logging.getLogger(__name__)


class TooManyAttempts(DomainError):
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__("too many failed sign-ins; try again later")
        self.headers = {"Retry-After": str(retry_after)}
        self.retry_after = retry_after


def _account_key(username: str) -> str:
    return username.strip().lower()


def _keys(username: str):
    config = current_app.config
    address = (request.remote_addr if has_request_context() else None) or "-"
    for item in parse_many(config["LOGIN_LIMIT_PER_ACCOUNT"]):
        yield item, "login-account", _account_key(username)
    for item in parse_many(config["LOGIN_LIMIT_PER_ADDRESS"]):
        yield item, "login-address", address


def check(username: str) -> None:
    """Refuse before the password is even looked at if this account or address is blocked."""
    try:
        strategy = limiter.limiter
        for item, scope, key in _keys(username):
            if not strategy.test(item, scope, key):
                reset = strategy.get_window_stats(item, scope, key).reset_time
                raise TooManyAttempts(max(1, math.ceil(reset - time.time())))
    except TooManyAttempts:
        raise
    except Exception:  # the limiter's storage is down: sign-in still works, loudly
        log.warning("sign-in throttle unavailable", exc_info=True)


def failed(username: str) -> None:
    try:
        strategy = limiter.limiter
        for item, scope, key in _keys(username):
            strategy.hit(item, scope, key)
    except Exception:
        log.warning("sign-in throttle unavailable", exc_info=True)
