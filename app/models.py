"""Imports every model module so the metadata (and Alembic) sees every table."""

from app.accounts.models import AuthToken, User, UserArea, UserRole
from app.areas.models import Area
from app.categories.models import Category
from app.photos.models import Photo
from app.reports.models import Report, ReportEvent
from app.units.models import Unit
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookSubscription

__all__ = [
    "Area",
    "AuthToken",
    "Category",
    "OutboxEvent",
    "Photo",
    "Report",
    "ReportEvent",
    "Unit",
    "User",
    "UserArea",
    "UserRole",
    "WebhookDelivery",
    "WebhookSubscription",
]
