"""Rate limits on the public endpoints, per client address and per site code, from the config."""

from collections.abc import Callable

from flask import current_app, request

from app.extensions import limiter
from app.qr_sites.signing import normalise_code

TOO_MANY = "too many requests; wait a moment and try again (请求过于频繁，请稍后再试)"


def _configured(key: str) -> Callable[[], str]:
    return lambda: current_app.config[key]


def site_code_key() -> str:
    """The scanned code, from the page URL or the submitted form or JSON."""
    code = (request.view_args or {}).get("code")
    if code is None:
        body = request.get_json(silent=True) if request.is_json else request.form
        code = body.get("site_code") if isinstance(body, dict) else None
    return normalise_code(code) if isinstance(code, str) else ""


# Both ways of filing (the page's form and the API) share one budget per address and per code.
reports_per_address = limiter.shared_limit(
    _configured("RATE_LIMIT_REPORTS_PER_ADDRESS"),
    scope="public-reports-address",
    methods=["POST"],
    error_message=TOO_MANY,
)
reports_per_code = limiter.shared_limit(
    _configured("RATE_LIMIT_REPORTS_PER_CODE"),
    scope="public-reports-code",
    key_func=site_code_key,
    exempt_when=lambda: not site_code_key(),
    methods=["POST"],
    error_message=TOO_MANY,
)
pages_per_address = limiter.shared_limit(
    _configured("RATE_LIMIT_PAGES_PER_ADDRESS"),
    scope="public-pages",
    methods=["GET"],
    error_message=TOO_MANY,
)
tracking_writes_per_address = limiter.shared_limit(
    _configured("RATE_LIMIT_TRACKING_WRITES_PER_ADDRESS"),
    scope="public-tracking-writes",
    methods=["POST"],
    error_message=TOO_MANY,
)
