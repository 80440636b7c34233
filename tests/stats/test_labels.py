"""One Chinese name per stored value, the same in the console, statistics, ledgers and pre-sort."""

from app.console import labels as console
from app.stats import labels as stats


def test_the_console_and_the_statistics_read_one_table():
    for name in ("RISK_NAMES", "STATUS_NAMES", "CHANNEL_NAMES", "OUTCOME_NAMES",
                 "SATISFACTION_NAMES", "CARD_NAMES"):  # fmt: skip
        assert getattr(console, name) is getattr(stats, name), name


def test_risk_grades_are_named_as_screens_md_fixes_them():
    assert stats.RISK_NAMES == {"low": "一般", "medium": "较大", "high": "重大", "critical": "紧急"}
