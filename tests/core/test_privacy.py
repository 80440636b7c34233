"""Phone numbers: mainland mobile format and masking."""

import pytest

from app.core.privacy import mask_phone, normalise_mobile


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("12812345678", None),
     ("1381234567", None), ("", None), ("0086 19912345678", "19912345678")],
)  # fmt: skip
def test_normalise_mobile(raw, expected):
    assert normalise_mobile(raw) == expected


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) is None and mask_phone("12345") == "*****"
