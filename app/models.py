"""Imports every model module so the metadata (and Alembic) sees every table."""

from app.accounts.models import AuthToken, User, UserArea, UserRole
from app.admin_console.models import AdminUpload
from app.areas.models import Area, RoutingVersion
from app.audit.models import AdminChange
from app.categories.models import Category
from app.console.models import ConsoleSeen
from app.core.idempotency import IdempotencyRecord
from app.mediation.models import CasePart, MediationPolicy, MediationSession
from app.open311.models import Open311Key, Open311Request
from app.photos.models import Photo
from app.qr_sites.models import QrSite
from app.reports.models import Report, ReportEvent, ReportParty
from app.stats.models import DailyCounts, DailyTotals, SettledSpans
from app.triage.models import ReportSuggestion, TriageRule
from app.units.models import Unit
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.workflow.models import CalendarDay, DeadlinePolicy

__all__ = [
    "AdminChange",
    "AdminUpload",
    "Area",
    "AuthToken",
    "CalendarDay",
    "CasePart",
    "Category",
    "ConsoleSeen",
    "DailyCounts",
    "DailyTotals",
    "DeadlinePolicy",
    "IdempotencyRecord",
    "MediationPolicy",
    "MediationSession",
    "Open311Key",
    "Open311Request",
    "OutboxEvent",
    "Photo",
    "QrSite",
    "Report",
    "ReportEvent",
    "ReportParty",
    "ReportSuggestion",
    "RoutingVersion",
    "SettledSpans",
    "TriageRule",
    "Unit",
    "User",
    "UserArea",
    "UserRole",
    "WebhookDelivery",
    "WebhookSubscription",
]
