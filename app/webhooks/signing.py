"""Signing delivery bodies: X-Jiefen-Signature: sha256=<hex HMAC-SHA256 of the raw body>."""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Jiefen-Signature"
DELIVERY_HEADER = "X-Jiefen-Delivery"
EVENT_HEADER = "X-Jiefen-Event"


def new_secret() -> str:
    return secrets.token_hex(32)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute over the raw bytes and compare in constant time."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)
