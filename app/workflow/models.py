"""Deadline policies per category and risk level, and the working-day calendar admins keep."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

# A deadline counts wall-clock hours, or whole working days of the calendar below.
TIME_UNITS = ("hours", "working_days")
# A calendar entry turns a weekday into a rest day (holiday) or a weekend day into a working
# day (调休 make-up day).
DAY_KINDS = ("holiday", "workday")


class DeadlinePolicy(Base):
    """Time to accept and to resolve; a null category is the default for its risk level."""

    __tablename__ = "deadline_policies"
    __table_args__ = (UniqueConstraint("category_code", "risk_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    risk_level: Mapped[str] = mapped_column(String(10))
    accept_within: Mapped[int] = mapped_column(Integer)
    accept_unit: Mapped[str] = mapped_column(String(16))
    resolve_within: Mapped[int] = mapped_column(Integer)
    resolve_unit: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class CalendarDay(Base):
    """One exception to "Monday to Friday are working days" (Asia/Shanghai dates)."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
