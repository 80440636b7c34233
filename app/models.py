"""Imports every model module so the metadata (and Alembic) sees every table."""

from app.accounts.models import AuthToken, User, UserArea, UserRole
from app.areas.models import Area
from app.categories.models import Category
from app.photos.models import Photo
from app.reports.models import Report, ReportEvent
from app.units.models import Unit
from app.workflow.models import CalendarDay, DeadlinePolicy

__all__ = [
    "Area",
    "AuthToken",
    "CalendarDay",
    "Category",
    "DeadlinePolicy",
    "Photo",
    "Report",
    "ReportEvent",
    "Unit",
    "User",
    "UserArea",
    "UserRole",
]
