"""Tracking keys a reporter can read out over the phone: no 0/O or 1/I/l, any case, in groups.

A key is 16 characters from a 31-letter alphabet (about 79 bits) shown as `K7QF-2M9X-…`.
What is stored is the SHA-256 of its canonical form (capitals, no dashes or spaces), so
`k7qf 2m9x …` typed by hand finds the same case. Keys issued before (16 characters of
base64url, case-sensitive) were stored as the hash of the key exactly as issued; they are
checked that way too and keep working unchanged.
"""

import hashlib
import hmac
import re
import secrets

from flask import current_app

KEY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
KEY_LENGTH = 16
GROUP = 4
_SEPARATORS = re.compile(r"[\s\-_.]+")


def _grouped(chars: str) -> str:
    return "-".join(chars[i : i + GROUP] for i in range(0, len(chars), GROUP))


def new_tracking_key() -> str:
    return _grouped("".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH)))


def derived_tracking_key(label: bytes, value: str) -> str:
    """The same key for the same value (a retried form gets its first key back), unguessable
    without the SECRET_KEY."""
    secret = current_app.config["SECRET_KEY"].encode()
    number = int.from_bytes(hmac.new(secret, label + value.encode(), hashlib.sha256).digest())
    chars = []
    for _ in range(KEY_LENGTH):
        number, index = divmod(number, len(KEY_ALPHABET))
        chars.append(KEY_ALPHABET[index])
    return _grouped("".join(chars))


def canonical_key(key: str) -> str:
    return _SEPARATORS.sub("", key).upper()


def canonical_tracking_no(tracking_no: str) -> str:
    """Tracking numbers are capitals and digits: accepted in any case, with stray spaces."""
    return _SEPARATORS.sub("", tracking_no).upper()


def hash_tracking_key(key: str) -> str:
    """What is stored for a key issued now."""
    return hashlib.sha256(canonical_key(key).encode()).hexdigest()


def _hash_as_issued(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(stored_hash: str | None, key: str | None) -> bool:
    """Either kind of key: the readable kind in any case, or an older one exactly as issued."""
    if not stored_hash or not key:
        return False
    key = key.strip()
    readable = hmac.compare_digest(stored_hash, hash_tracking_key(key))
    as_issued = hmac.compare_digest(stored_hash, _hash_as_issued(key))
    return readable or as_issued
