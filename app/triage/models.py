"""What the machine suggests for each queued report, and the rules admins edit to steer it."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

RULE_KINDS = ("category", "risk")
# keyword: a substring; regex: Python syntax; the two numeric ones read counts out of the text.
RULE_MATCHES = ("keyword", "regex", "people_at_least", "amount_at_least")
NUMERIC_MATCHES = ("people_at_least", "amount_at_least")


class ReportSuggestion(Base):
    """Pre-sorting for one report, computed when it arrives so the queue reads cheaply."""

    __tablename__ = "report_suggestions"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    # [{report_id, score, distance_m}], best first.
    duplicates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    suggested_category_code: Mapped[str | None] = mapped_column(String(40))
    category_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    suggested_risk: Mapped[str] = mapped_column(String(10), default="low")
    # 1 low … 4 critical: the queue orders by this, so urgent reports never wait behind noise.
    risk_rank: Mapped[int] = mapped_column(Integer, default=1, index=True)
    risk_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    junk_score: Mapped[float] = mapped_column(Float, default=0.0)
    junk_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The report's words as the duplicate finder weighs them ({"w": {word: weight}, "s": {word:
    # as written}}): later reports nearby compare with this instead of segmenting it again.
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The report's sentence vector (app/triage/semantic.py: 384 float16, 768 bytes), embedded
    # once: a later report nearby compares with it by a dot product.
    meaning_vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A hash of the sender's network address when the channel knows it (flooding check).
    client_key: Mapped[str | None] = mapped_column(String(32))
    # The report's (UTC) day and a hash of the exact description (app/triage/suggestions.text_key):
    # the same-text flooding check finds the day's equal texts by an index instead of comparing
    # every report of the day; the day first, so new keys share the index's last few leaves.
    text_key: Mapped[str | None] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    # The flooding check reads one sender's last day, not all they ever sent (a shared address
    # behind a carrier's NAT sends without end): see suggestions._earlier_counts.
    __table_args__ = (
        Index("ix_report_suggestions_client_key", "client_key", "computed_at"),
        Index("ix_report_suggestions_text_key", "text_key", "computed_at"),
    )


class TriageRule(Base):
    """One editable rule: a pattern in the text suggests a category or a risk level."""

    __tablename__ = "triage_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    match: Mapped[str] = mapped_column(String(20), default="keyword")
    pattern: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(40))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
