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


def test_redact_text_hides_numbers_and_the_names_it_is_given():
    from app.core.privacy import REDACTED_NUMBER, redact_text

    said = "张三丰和张三吵架，张三电话+86 138-1234-5678，座机0830-1234567，身份证51050219900101123X"
    shown = redact_text(said, ["张三", "张三丰", " "])
    assert shown == (
        f"张某和张某吵架，张某电话{REDACTED_NUMBER}，座机{REDACTED_NUMBER}，身份证{REDACTED_NUMBER}"
    )
    # Amounts and dates stay readable.
    assert redact_text("拖欠工资120000元，2026年3月") == "拖欠工资120000元，2026年3月"


def test_public_position_rounds():
    from app.core.privacy import public_position

    assert public_position(105.32149, 28.72251, 3) == (105.321, 28.723)
