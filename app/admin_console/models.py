"""Files an admin uploaded for a preview, kept until confirmed (or a day passes): nothing of
them is applied before the admin confirms. Keyed by the content's SHA-256, so the same file
uploaded twice is one row, and a preview link names exactly the bytes that were checked."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime


class AdminUpload(Base):
    __tablename__ = "admin_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # areas
    filename: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
