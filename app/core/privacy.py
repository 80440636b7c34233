"""Personal data shown only to those who need it: masked phones, redacted text and positions."""

import re

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_mobile(raw: str) -> str | None:
    """A mainland mobile number as 11 digits, or None (+86, spaces and dashes are fine)."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if MAINLAND_MOBILE.match(digits) else None


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough to recognise a number, not enough to ring it."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


# Numbers in free text that reach a person or identify one: mainland mobiles (+86 allowed),
# landlines with an area code, ID-card numbers, and any other long run of digits (bank cards).
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")
_ID_CARD_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_LONG_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d(?:[\s-]?\d){10,}(?!\d)")
REDACTED_NUMBER = "［号码已隐去］"


def redact_text(text: str, names: list[str] | tuple[str, ...] = ()) -> str:
    """Free text fit to publish: numbers hidden, the given people's names as 张某.

    For what staff or residents wrote and the public may read; the names are those the case
    knows (reporter, parties): a name nobody recorded cannot be recognised and stays.
    """
    for pattern in (_ID_CARD_IN_TEXT, _MOBILE_IN_TEXT, _LANDLINE_IN_TEXT, _LONG_NUMBER_IN_TEXT):
        text = pattern.sub(REDACTED_NUMBER, text)
    # Longest first, so 张三丰 is not left as 张某丰 by the name 张三.
    known = {n.strip() for n in names if n and len(n.strip()) >= 2}
    for name in sorted(known, key=len, reverse=True):
        text = text.replace(name, f"{name[0]}某")
    return text


def public_position(lon: float, lat: float, decimals: int) -> tuple[float, float]:
    """A published position, rounded: 3 decimals is about 100 m — the estate, not the door."""
    return round(lon, decimals), round(lat, decimals)
