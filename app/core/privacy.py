"""Personal data shown only to those who need it: phone masking."""

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
