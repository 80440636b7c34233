"""Security headers on every answer, and the per-response nonce inline scripts and styles carry.

Pages get a Content-Security-Policy without 'unsafe-inline' for scripts or <style> elements:
each inline block carries `nonce="{{ csp_nonce() }}"`, fresh per response, so an injected
script cannot run and a page added later passes by using the same helper. Style attributes
(style="…") stay allowed: they cannot run code, and the pages use them for small layout.
"""

import secrets

from flask import Flask, Response, request

# Answers whose URL carries a tracking key must not be kept by browsers or proxies.
KEY_PARAMETERS = ("key",)


def csp_nonce() -> str:
    # Kept in the request's environ, not g: an app context can outlive one request.
    environ = request.environ
    if "jiefen.csp_nonce" not in environ:
        environ["jiefen.csp_nonce"] = secrets.token_urlsafe(18)
    return environ["jiefen.csp_nonce"]


def page_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "style-src-attr 'unsafe-inline'",
            # The report form shrinks photos in a canvas (blob: URLs); Swagger UI uses data:.
            "img-src 'self' data: blob:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        )
    )


# What every answer carries unless its view set its own; pages get theirs in page_headers.
COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
DATA_HEADERS = (
    *COMMON_HEADERS,
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
)


def page_headers() -> tuple[tuple[str, str], ...]:
    return (
        *COMMON_HEADERS,
        ("Content-Security-Policy", page_policy(csp_nonce())),
        ("X-Frame-Options", "DENY"),
    )


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # One pass over the answer's headers, not one per header set (the JSON API's every answer).
    present = {name.lower() for name, _value in headers}
    wanted = page_headers() if response.mimetype == "text/html" else DATA_HEADERS
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    if request.query_string and any(name in request.args for name in KEY_PARAMETERS):
        headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)
