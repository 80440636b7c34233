"""Open311 client keys, and what an Open311 client sent with a report beyond the report itself."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime


class Open311Key(Base):
    """One client application's api_key: only its hash is kept; revoking keeps the row."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so an admin can tell keys apart without the secret.
    key_prefix: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Limiter's notation, e.g. "60 per minute;1000 per day".
    rate_limit: Mapped[str] = mapped_column(String(100))
    # Reports through this key must lie inside this area (None: the whole jurisdiction).
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    # Answer POSTs with a token instead of the id (GeoReport's asynchronous mode).
    asynchronous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Open311Request(Base):
    """The client's side of a report filed through Open311: its key, token and its own ids.

    Names and phone go to the report's reporter columns; the e-mail, the client's own ids,
    the typed address and the media link stay here, never published. Anonymising an archived
    case (app.reports.anonymise) clears both; the token and the key stay (they name no one).
    """

    __tablename__ = "open311_requests"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    jurisdiction_id: Mapped[str | None] = mapped_column(String(32))
    account_id: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    address_string: Mapped[str | None] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
