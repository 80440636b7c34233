"""The one source of "now", so tests can freeze time and deadlines can be checked."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator["_Ticker"]:
    """Freeze now() at an aware moment; the ticker moves it forward."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("freeze the clock with an aware datetime")
    previous, _frozen = _frozen, moment.astimezone(UTC)
    try:
        yield _Ticker()
    finally:
        _frozen = previous


class _Ticker:
    def advance(self, delta: timedelta) -> datetime:
        global _frozen
        assert _frozen is not None
        _frozen = _frozen + delta
        return _frozen


def in_shanghai(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)
