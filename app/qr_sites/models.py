"""A QR site: a named place with a point, its area, and the rotation counter behind its code."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

# Kinds of place a code hangs at, with the words printed and shown to staff.
KINDS = {
    "building": "楼栋",
    "estate_gate": "小区门口",
    "market": "市场",
    "school": "学校周边",
    "bus_stop": "公交站",
    "square": "广场公园",
    "street": "街巷",
    "shop": "商铺",
    "village": "村组",
    "other": "其他",
}


class QrSite(Base):
    __tablename__ = "qr_sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    area_path: Mapped[str | None] = mapped_column(String(400))
    subdistrict_code: Mapped[str | None] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the signed code: bumping it makes every poster printed before unusable.
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    last_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def kind_name(self) -> str:
        return KINDS.get(self.kind, self.kind)
