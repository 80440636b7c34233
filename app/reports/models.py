"""The report (one case) and its timeline of events."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

if TYPE_CHECKING:
    from app.photos.models import Photo

STATUSES = (
    "received",
    "needs_info",
    "dispatched",
    "accepted",
    "in_progress",
    "resolved",
    "closed",
    "archived",
    "rejected",
    "merged",
)
CHANNELS = (
    "qr_scan",
    "grid_worker",
    "walk_in",
    "hotline_12345",
    "video_patrol",
    "import",
    "open311",
)
RISK_LEVELS = ("low", "medium", "high", "critical")
LOCATION_SOURCES = ("qr_site", "device", "photo_exif", "manual")
TIERS = ("community", "subdistrict", "district")
CARDS = ("none", "yellow", "red")
# Who a party (当事人) of a dispute is, as a grid worker records them for a walk-in.
PARTY_ROLES = ("申请人", "被申请人", "当事人", "第三人", "证人")
OUTCOMES = ("mediated", "agreement", "referred_to_court", "unresolvable", "withdrawn")
SATISFACTIONS = ("satisfied", "basically_satisfied", "dissatisfied")


# States in which a report can still be the one a new report duplicates (merged ones stand for
# their survivor): app.triage.suggestions looks for candidates among them.
DUPLICATE_CANDIDATE_STATES = (
    "received", "needs_info", "dispatched", "accepted", "in_progress", "resolved", "merged",
)  # fmt: skip


# What the statistics overview reads of a case besides `created_at` (filters and visibility
# included): kept in ix_reports_created_overview. Migration 0008 spells the same list out.
OVERVIEW_COLUMNS = (
    "status", "channel", "category_code", "risk_level", "subdistrict_code", "outcome",
    "due_at", "dispatched_at", "resolved_at", "followed_up_at", "satisfaction", "reopen_count",
    "area_path", "reporter_user_id", "unit_code",
)  # fmt: skip


# Foreign keys a new report leaves NULL (no claimant, no survivor, no QR site unless scanned);
# every lookup asks for a value, so their indexes hold only the rows that have one and a report
# filed writes no entry to them (issue 19). Migration 0033 spells the same list out.
SELDOM_SET_KEYS = ("claimed_by_user_id", "duplicate_of", "qr_site_id")


def _index_where_set(column: str) -> Index:
    present = text(f"{column} IS NOT NULL")
    return Index(f"ix_reports_{column}", column, postgresql_where=present, sqlite_where=present)


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index(
            "ix_reports_area_path", "area_path", postgresql_ops={"area_path": "text_pattern_ops"}
        ),
        Index("ix_reports_status_created", "status", "created_at"),
        # A phone's reports, and the flooding check's one day of them (not all it ever sent).
        Index("ix_reports_reporter_phone", "reporter_phone", "created_at"),
        # Reading at scale (#8, bench/RESULTS.md): lists filtered by category (and status and
        # date), a unit's cases by status, the carded open cases (by unit).
        Index("ix_reports_category_status_created", "category_code", "status", "created_at"),
        Index("ix_reports_unit_status", "unit_code", "status"),
        Index("ix_reports_card_status_unit", "card", "status", "unit_code"),
        # Duplicate candidates near a new report: only the reports still in play, so a place
        # with years of closed cases is as quick to search as a new one; and by time as well
        # as place (btree_gist), so only the window's are read — a market gate's poster had
        # 4,143 open reports within 300 m at 1M, 13 of them in the last week (9 ms → 0.2 ms).
        # PostgreSQL only (SpatiaLite's R*Tree has no partial form; its districts are small).
        Index(
            "ix_reports_candidate_location",
            "location",
            "created_at",
            postgresql_using="gist",
            postgresql_where=text(
                "status IN (" + ", ".join(f"'{s}'" for s in DUPLICATE_CANDIDATE_STATES) + ")"
            ),
            info={"dialects": ("postgresql",)},
        ).ddl_if(dialect="postgresql"),
        # The statistics overview of a year of a district reads half a million cases: from
        # this narrow copy of the columns it counts (an index-only scan) rather than the
        # wide heap. It takes the place of the plain index on created_at on PostgreSQL, which
        # the planner would otherwise prefer (the heap is in created_at order, so reading it
        # through the small index looks cheaper, yet is slower). SQLite has no INCLUDE.
        Index(
            "ix_reports_created_overview",
            "created_at",
            postgresql_include=list(OVERVIEW_COLUMNS),
            info={"dialects": ("postgresql",)},
        ).ddl_if(dialect="postgresql"),
        Index("ix_reports_created_at", "created_at", info={"dialects": ("sqlite",)}).ddl_if(
            dialect="sqlite"
        ),
        *(_index_where_set(column) for column in SELDOM_SET_KEYS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    tracking_key_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="received")
    # Not indexed (issue 19): a channel is a seventh of the reports; the lists filter it on
    # their id or status walk.
    channel: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    # Not indexed alone: ix_reports_category_status_created leads with it (issue 19: an index
    # costs every report filed, and this one answered no read the composite does not).
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    risk_level: Mapped[str | None] = mapped_column(String(10))

    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    location_source: Mapped[str | None] = mapped_column(String(16))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    # Routing, computed by areas.locate when the report arrives.
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    area_path: Mapped[str | None] = mapped_column(String(400))
    # Not indexed (issue 19): counted from the status index or the overview's, never looked up.
    subdistrict_code: Mapped[str | None] = mapped_column(String(32))
    # Not indexed alone: ix_reports_unit_status leads with it.
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    in_coverage: Mapped[bool] = mapped_column(Boolean, default=False)
    snapped_m: Mapped[float | None] = mapped_column(Float)

    tier: Mapped[str | None] = mapped_column(String(16))
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    card: Mapped[str] = mapped_column(String(8), default="none")
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))

    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(60))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    client_uuid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A filing keyed by its client_uuid is its own retry record: the keyed hash of the request
    # (app.core.idempotency.fingerprint) beside the unique key, instead of a second row.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))

    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The cleaner's queue: when the report (re-)entered it, who holds it, when it was triaged.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_count: Mapped[int] = mapped_column(Integer, default=0)

    # The loop after dispatch.
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(24))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    # Optimistic locking: a stale writer's UPDATE matches no row and fails (see workflow).
    version: Mapped[int] = mapped_column(Integer, default=1)

    # QR channel (issue 3): the scanned site, and where the phone said it was, kept beside the
    # site's location; a phone far from the site is flagged for the cleaner.
    qr_site_id: Mapped[int | None] = mapped_column(ForeignKey("qr_sites.id"))
    device_location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    device_accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_distance_m: Mapped[float | None] = mapped_column(Float)
    far_from_site: Mapped[bool | None] = mapped_column(Boolean)
    # Deadlines and cards (app.workflow): when the current unit got the case, when each
    # deadline turns the card yellow, when the card last changed, when contact data was removed.
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_yellow_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    yellow_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    card_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Answers to the category's questions (app.open311.definitions), e.g. {"danger_now": "yes"}:
    # shown to the cleaner, read by the risk suggestion (app.triage.answers).
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The reporter asked that the report not be published: public listings (Open311 GET)
    # leave it out entirely.
    do_not_publish: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )

    __mapper_args__ = {"version_id_col": version}

    events: Mapped[list["ReportEvent"]] = relationship(
        back_populates="report", order_by="ReportEvent.id"
    )
    # Grid workers and walk-ins (#4): the people involved, and the photos, for the detail view.
    parties: Mapped[list["ReportParty"]] = relationship(
        back_populates="report", order_by="ReportParty.id"
    )
    photos: Mapped[list["Photo"]] = relationship(order_by="Photo.id", viewonly=True)


# The whole-table spatial index GeoAlchemy makes for `location` serves SpatiaLite only (its
# R*Tree is how app.core.spatial.in_bbox finds anything). On PostgreSQL every spatial read of
# reports is the duplicate search, which ix_reports_candidate_location (partial, open cases)
# answers; a second GiST over a million points cost every report filed and answered nothing.
for _index in Report.__table__.indexes:
    if _index.name == "idx_reports_location":
        _index.info["dialects"] = ("sqlite",)
        _index.ddl_if(dialect="sqlite")


# A report's row is updated over its life (triage, dispatch, acceptance, cards …), and VACUUM
# leaves the old versions' space all over the table; at fillfactor 100 every new report went
# into one such gap, a different old page each time, so each filing wrote a full-page image of
# it to the WAL after a checkpoint, and its low-cardinality index entries (sorted by the row's
# place) landed on random leaves too: at 1M, 1.0 heap full-page image and 2.8 buffer reads per
# report, against 0.04 and 0.07 at 10k (bench/intake_counters.py). At 90 an insert needs a
# tenth of a page free besides its row, so new reports fill new pages at the table's end, as
# at 10k, and the gaps (and the reserve) are left to the updates, which keep a row's new
# version on its own page. PostgreSQL only (SQLite has no fillfactor); migration 0032.
REPORTS_FILLFACTOR = 90
event.listen(
    Report.__table__,
    "after_create",
    DDL(f"ALTER TABLE reports SET (fillfactor = {REPORTS_FILLFACTOR})").execute_if(
        dialect="postgresql"
    ),
)


class ReportEvent(Base):
    """One step on a report's timeline. Rows are only ever inserted."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_unit_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Shown to the reporter on the tracking page (in plain words, without staff names).
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    report: Mapped[Report] = relationship(back_populates="events")


class ReportParty(Base):
    """A party to the dispute (当事人), recorded at intake; the phone is masked like reporters'."""

    __tablename__ = "report_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # 11 digits as normalise_mobile gives them, so a search by number finds every spelling.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    report: Mapped[Report] = relationship(back_populates="parties")


# The candidates' index keys a timestamp in a GiST beside the point: btree_gist gives GiST the
# ordering of plain types. It is a trusted extension (a database's owner may create it); the
# migration (0030) makes it for real databases, this for create_all (the test suite).
event.listen(
    Base.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)
