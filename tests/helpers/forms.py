"""CSRF tokens for form posts made with Flask's test client (the browser tests use the page)."""

import hashlib
import os

from flask import current_app
from itsdangerous import URLSafeTimedSerializer


def csrf_token(client) -> str:
    """A token valid for this client's session, as Flask-WTF's csrf_token() would render it."""
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def with_csrf(client, data: dict) -> dict:
    return {**data, "csrf_token": csrf_token(client)}
