"""Site codes: (site id, rotation) plus a truncated HMAC, in Crockford base32.

A code is short enough for a small QR symbol, survives being typed in either case, and
cannot be made up or edited: without the server key the 40-bit tag is a guess.
"""

import hashlib
import hmac

# Crockford's base32: no I, L, O, U, so nothing is read as 1, 0 or another letter.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
# What people (and autocorrect) type instead of the real characters.
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
TAG_BYTES = 5
MAX_CODE_LENGTH = 32


def _key(secret: str) -> bytes:
    # A key of its own, so a tag made here can never be replayed as another kind of signature.
    return hmac.new(secret.encode(), b"jiefen/qr-site-code/v1", hashlib.sha256).digest()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, start: int) -> tuple[int, int] | None:
    value = shift = 0
    for index in range(start, min(len(data), start + 5)):
        value |= (data[index] & 0x7F) << shift
        shift += 7
        if not data[index] & 0x80:
            return value, index + 1
    return None


def _encode(data: bytes) -> str:
    bits = int.from_bytes(data, "big") << (-len(data) * 8 % 5)
    length = -(-len(data) * 8 // 5)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(length)))


def _decode(text: str) -> bytes | None:
    if not text or any(c not in _VALUES for c in text):
        return None
    bits = 0
    for char in text:
        bits = bits << 5 | _VALUES[char]
    size, padding = divmod(len(text) * 5, 8)
    if padding >= 5 or bits & ((1 << padding) - 1):
        return None  # only one spelling per code
    return (bits >> padding).to_bytes(size, "big")


def _tag(secret: str, body: bytes) -> bytes:
    return hmac.new(_key(secret), body, hashlib.sha256).digest()[:TAG_BYTES]


def make_code(site_id: int, rotation: int, secret: str) -> str:
    body = _varint(site_id) + _varint(rotation)
    return _encode(body + _tag(secret, body))


def normalise_code(code: str) -> str:
    return (code or "").strip().upper().translate(_TYPOS)


def read_code(code: str, secret: str) -> tuple[int, int] | None:
    """(site id, rotation) of a code this server signed, or None (constant-time tag check)."""
    code = normalise_code(code)
    if len(code) > MAX_CODE_LENGTH:
        return None
    data = _decode(code)
    if data is None or len(data) <= TAG_BYTES:
        return None
    body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(secret, body)):
        return None
    site = _read_varint(body, 0)
    rotation = site and _read_varint(body, site[1])
    if not site or not rotation or rotation[1] != len(body):
        return None
    return site[0], rotation[0]
