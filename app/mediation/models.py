"""Mediation sessions held on a case, and the attempt rule (三级调解) per tier."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

# 达成协议 / 部分达成 / 未达成 / 当事人未到场
RESULTS = ("agreement", "partial", "no_agreement", "absent")
RESULT_NAMES = {
    "agreement": "达成协议",
    "partial": "部分达成",
    "no_agreement": "未达成",
    "absent": "当事人未到场",
}


class MediationSession(Base):
    """One meeting of parties and mediators on a case, with its result (a 调解笔录's content)."""

    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    # The tier and unit holding the case when the session was recorded: the attempt rule
    # counts a tier's own sessions, not those held before the case came up to it.
    tier: Mapped[str | None] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(default=False)
    # Names: staff of the unit or outside mediators (金牌调解员, 法律顾问 …).
    mediators: Mapped[list[str]] = mapped_column(JSON, default=list)
    parties_present: Mapped[list[str]] = mapped_column(JSON, default=list)
    proposal: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(16))
    terms: Mapped[str | None] = mapped_column(Text)
    # 履行方式、时限: how and by when the terms are carried out (for the agreement).
    performance: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("report_events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def as_dict(self) -> dict[str, Any]:
        return {c.key: getattr(self, c.key) for c in self.__table__.columns}


class MediationPolicy(Base):
    """At most `max_sessions` sessions within `within_days` days at a tier (null category: the
    tier's default; a category's row overrides it)."""

    __tablename__ = "mediation_policies"
    __table_args__ = (UniqueConstraint("tier", "category_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tier: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    max_sessions: Mapped[int] = mapped_column(Integer)
    within_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


# A part of a case another unit holds beside the one handling it: a co-unit's part (协办) in
# joint handling, or a summons (吹哨报到). Both are taken up (accept / 报到), then reported.
PART_KINDS = ("co_unit", "summons")
PART_STATES = ("open", "accepted", "reported", "released")


class CasePart(Base):
    __tablename__ = "case_parts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    # The unit that summoned (a summons) or led the case (a co-unit part) when it was created.
    by_unit_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="open")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    yellow_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    card: Mapped[str] = mapped_column(String(8), default="none")
    card_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_note: Mapped[str | None] = mapped_column(Text)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    @property
    def finished(self) -> bool:
        return self.state in ("reported", "released")
