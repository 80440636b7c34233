"""Reading counts of people and sums of money out of Chinese text (二十几户, 5万元, 三十万)."""

import re
from dataclasses import dataclass

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}  # fmt: skip
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
# "几" is "a few": counted low (十几 = 10+, 几十 = 20+), since these figures only raise risk.
FEW = 2

_CN = "零〇一二两三四五六七八九十百千万亿几"
# A Chinese number starts with a digit or 十: 千万 (by all means) and 万达 are not numbers.
_NUMBER = rf"(?:\d+(?:\.\d+)?(?:[十百千万亿]+)?|[一二两三四五六七八九十几零〇][{_CN}]*)"
_APPROX = r"(?:多|余|来|几)?"
_PEOPLE = r"(?:个|名|位|户|家|人)?(?:人|户|家|名|位|村民|业主|居民|工人|农民工|群众|商户)"
_MONEY = r"(?:元|块钱|块|圆)"
_QUANTITY = re.compile(rf"({_NUMBER}){_APPROX}(?:([万千])({_APPROX}))?({_PEOPLE}|{_MONEY})?")


@dataclass(frozen=True)
class Quantities:
    people: int = 0
    amount_yuan: float = 0.0


def parse_chinese_number(text: str) -> float | None:
    """二十五 → 25, 三十万 → 300000, 1.5万 → 15000, 十几 → 10, 几十 → 20; None if not a number."""
    if not text:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([十百千万亿]*)", text)
    if match:
        value = float(match.group(1))
        for unit in match.group(2):
            value *= SMALL_UNITS.get(unit) or BIG_UNITS[unit]
        return value
    total, section, digit, seen = 0.0, 0.0, None, False
    for char in text:
        if char in DIGITS or char == "几":
            digit = DIGITS.get(char, FEW if char == "几" else 0)
            seen = True
        elif char in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[char]
            digit, seen = None, True
        elif char in BIG_UNITS:
            total = (total + section + (digit or 0)) * BIG_UNITS[char]
            section, digit, seen = 0.0, None, True
        else:
            return None
    if not seen:
        return None
    # A trailing 几 after a unit (十几) adds "a few" we do not count.
    trailing = 0 if text.endswith("几") and len(text) > 1 else (digit or 0)
    return total + section + trailing


def quantities(text: str) -> Quantities:
    """The largest number of people and the largest sum of money the text mentions."""
    people, amount = 0, 0.0
    for number, big_unit, _approx, unit in _QUANTITY.findall(text or ""):
        value = parse_chinese_number(number + (big_unit or ""))
        if value is None:
            continue
        if unit and re.fullmatch(_MONEY, unit):
            amount = max(amount, value)
        elif unit:
            people = max(people, int(value))
        elif "万" in number + big_unit or "亿" in number + big_unit:
            # "欠了三十万": a bare sum in 万 is money in practice.
            amount = max(amount, value)
    return Quantities(people, amount)
