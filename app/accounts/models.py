"""Users, their roles and area scopes, and the tokens they hold."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.areas.models import Area
from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

ROLES = ("admin", "supervisor", "cleaner", "responder", "grid_worker")

# Roles that must be able to ring the reporter back; everyone else sees 138****5678.
ROLES_SEEING_PHONES = frozenset({"admin", "supervisor", "cleaner", "grid_worker"})


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin's reset (and for users made on the admin screens): the password was
    # handed over, so until the user picks their own only changing it is allowed.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    area_rows: Mapped[list["UserArea"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    @property
    def area_codes(self) -> list[str]:
        return sorted(a.area_code for a in self.area_rows)

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class UserArea(Base):
    __tablename__ = "user_areas"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True)
    # Loaded with the row (a subquery in the same SELECT): scopes need the path on every
    # staff request, and a separate query for it cost a round trip each time.
    area_path: Mapped[str | None] = column_property(
        select(Area.path).where(Area.code == area_code).scalar_subquery()
    )


class AuthToken(Base):
    """An opaque bearer token, stored only as its SHA-256, so a database leak reveals no token.

    Refresh tokens of one login share a `family`: using a rotated one again revokes the family.
    """

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship(lazy="joined")
