"""One row per admin change: written in the same transaction as the change itself."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime


class AdminChange(Base):
    __tablename__ = "admin_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    # The user may be deleted or renamed later: their username then is kept beside the link.
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    actor_name: Mapped[str] = mapped_column(String(150), default="")
    via: Mapped[str] = mapped_column(String(10), default="console")  # console | api | cli
    kind: Mapped[str] = mapped_column(String(40))  # e.g. qr_site.rotate
    target_type: Mapped[str] = mapped_column(String(30), index=True)  # a KIND_GROUPS key
    target_id: Mapped[str] = mapped_column(String(80), default="")  # code or id
    target_label: Mapped[str] = mapped_column(String(200), default="")  # its name, for people
    summary: Mapped[str] = mapped_column(Text, default="")
    # {field: [before, after]}; secrets never, phone numbers masked (see record.scrub).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
