"""Areas: the administrative tree with polygons in WGS84."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import DDL, BigInteger, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

LEVELS = ("district", "subdistrict", "community", "grid", "micro_grid")
LEVEL_NAMES_ZH = {
    "district": "区县",
    "subdistrict": "镇/街道",
    "community": "村/社区",
    "grid": "网格",
    "micro_grid": "微网格",
}
# The level whose unit is responsible for a point (属地街道/乡镇).
ROUTING_LEVEL = "subdistrict"


def level_rank(level: str) -> int:
    return LEVELS.index(level)


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (
        # Prefix searches on the path answer "is this inside that area" for scopes.
        Index("ix_areas_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # Codes from the root down to this area, "/"-separated with a trailing "/".
    path: Mapped[str] = mapped_column(String(400))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    parent: Mapped["Area | None"] = relationship(remote_side=[id])

    @property
    def parent_code(self) -> str | None:
        return self.parent.code if self.parent else None


class RoutingVersion(Base):
    """One row per watched thing (routing: areas and units; triage rules; webhook
    subscriptions), its number changed by every write to it (app/core/version_sql.py)."""

    __tablename__ = "routing_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


def _attach_triggers() -> None:
    """create_all (the test suite) makes the triggers too, once every watched table is there;
    the migrations make them for real databases."""
    from app.core.version_sql import create_statements, drop_statements

    for dialect in ("postgresql", "sqlite"):
        for statement in create_statements(dialect):
            # DDL formats its text with %: the sign-ins' buckets are user_id % 64.
            ddl = DDL(statement.replace("%", "%%"))
            event.listen(Base.metadata, "after_create", ddl.execute_if(dialect=dialect))
        for statement in drop_statements(dialect):
            event.listen(Base.metadata, "before_drop", DDL(statement).execute_if(dialect=dialect))


_attach_triggers()
