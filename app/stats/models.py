"""The statistics rollups: settled cases counted per day of receipt and sub-district.

Kept by triggers on `reports` (app/stats/rollup_sql.py), never written by the app; read by the
overview (app/stats/rollup.py) for the whole days of its window, beside a live count of the
rest.
"""

from datetime import date

from sqlalchemy import DDL, Date, Float, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base
from app.stats.rollup_sql import create_statements, drop_statements

SCOPE_LENGTH = 400  # as reports.area_path


class DailyTotals(Base):
    """Per day and scope: the overview's measures over the settled cases received that day."""

    __tablename__ = "stats_daily_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The area path cut to district and sub-district ('/510503/510503001/'); '' for none.
    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    settled: Mapped[int] = mapped_column(Integer, default=0)
    with_deadline: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    followed_up: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)


class DailyCounts(Base):
    """Per day and scope: settled cases per value of each dimension ('' for none). A count
    that fell to 0 stays as a row of 0."""

    __tablename__ = "stats_daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH), primary_key=True)
    dim: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyCounts(Base):
    """`stats_daily_counts` summed per month of receipt (`month`, its first day): what the
    overview reads for the whole months of its window."""

    __tablename__ = "stats_monthly_counts"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH), primary_key=True)
    dim: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class SettledSpans(Base):
    """Per settled case: receipt to dispatch and to resolution in seconds (NULL when not
    dispatched or not resolved) and their buckets (app.stats.rollup_sql.span_bucket), for
    exact percentiles: a percentile sorts the spans of one bucket, found by its index."""

    __tablename__ = "stats_settled_spans"
    __table_args__ = (
        Index("ix_stats_settled_spans_day", "day", "scope", "dispatch_s", "resolve_s"),
        Index("ix_stats_settled_spans_dispatch_b", "dispatch_b", "day", "scope", "dispatch_s"),
        Index("ix_stats_settled_spans_resolve_b", "resolve_b", "day", "scope", "resolve_s"),
    )

    report_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH))
    dispatch_s: Mapped[float | None] = mapped_column(Float(53))
    resolve_s: Mapped[float | None] = mapped_column(Float(53))
    dispatch_b: Mapped[int | None] = mapped_column(Integer)
    resolve_b: Mapped[int | None] = mapped_column(Integer)


class SpanBuckets(Base):
    """Per month of receipt, scope, span (`measure`: dispatch, resolve) and bucket: how many
    settled cases' spans fall in it. A percentile's rank is found here, not by sorting."""

    __tablename__ = "stats_span_buckets"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH), primary_key=True)
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


def _attach_triggers() -> None:
    """create_all (the test suite) makes the triggers too, once every table is there; the
    migration makes them for real databases."""
    metadata = Base.metadata
    for dialect in ("postgresql", "sqlite"):
        for statement in create_statements(dialect):
            event.listen(metadata, "after_create", DDL(statement).execute_if(dialect=dialect))
        for statement in drop_statements(dialect):
            event.listen(metadata, "before_drop", DDL(statement).execute_if(dialect=dialect))


_attach_triggers()
