"""Rate limits: POSTs count per api_key at the key's own limit; reads per client address."""

from flask import current_app, request

from app.extensions import limiter
from app.open311.keys import key_for_secret
from app.open311.models import Open311Key

TOO_MANY = "too many requests for this api_key; wait a moment and try again"
# Never applied: the request without a valid key is refused by the view (400/403) instead.
UNLIMITED = "1000000 per second"
CACHE = "jiefen.open311_key"


def request_key() -> Open311Key | None:
    """The active key the request's api_key names, looked up once per request.

    Kept on the request, not on `g`: an app context (and its `g`) can outlive one request.
    """
    if CACHE not in request.environ:
        request.environ[CACHE] = key_for_secret(request.form.get("api_key"))
    return request.environ[CACHE]


def _key_limit() -> str:
    key = request_key()
    return key.rate_limit if key else UNLIMITED


def _key_bucket() -> str:
    key = request_key()
    # The hash, not the id: ids repeat across databases that share one Redis (staging, tests).
    return f"open311-key-{key.key_hash[:16]}" if key else "open311-no-key"


posts_per_key = limiter.limit(
    _key_limit,
    key_func=_key_bucket,
    exempt_when=lambda: request_key() is None,
    methods=["POST"],
    error_message=TOO_MANY,
)
reads_per_address = limiter.shared_limit(
    lambda: current_app.config["RATE_LIMIT_OPEN311_READS_PER_ADDRESS"],
    scope="open311-reads",
    methods=["GET"],
    error_message="too many requests; wait a moment and try again",
)
