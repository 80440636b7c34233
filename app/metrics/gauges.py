"""What operators watch besides requests, read from the database at each scrape, so every app
server and background process is counted and nothing is kept in memory between scrapes."""

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.core.clock import now
from app.extensions import db
from app.lifecycle.states import CARDED, overdue_clause
from app.reports.models import Report
from app.triage.models import ReportSuggestion
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)


def _age_seconds(moment: datetime | None) -> float:
    return max((now() - moment).total_seconds(), 0.0) if moment else 0.0


class DatabaseGauges(Collector):
    """Queue length by scope, overdue cases, outbox backlog and failures, pre-sort lag."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # Request metrics still go out when the database does not answer; this one says so.
        try:
            families = list(self._from_database())
        except SQLAlchemyError as error:
            db.session.rollback()
            log.warning("metrics: database gauges failed: %s", type(error).__name__)
            families = []
        yield GaugeMetricFamily(
            "jiefen_database_up",
            "1 when the database answered this scrape",
            value=int(bool(families)),
        )
        yield from families

    def _from_database(self) -> Iterator[GaugeMetricFamily]:
        session = db.session
        queue = GaugeMetricFamily(
            "jiefen_queue_reports",
            "Reports waiting in the cleaners' queue (received), by sub-district",
            labels=["subdistrict"],
        )
        for code, count in session.execute(
            select(Report.subdistrict_code, func.count())
            .where(Report.status == "received")
            .group_by(Report.subdistrict_code)
        ):
            queue.add_metric([code or "outside_coverage"], count)
        yield queue

        overdue = GaugeMetricFamily(
            "jiefen_overdue_reports", "Open cases under a yellow or red card", labels=["card"]
        )
        counts = dict.fromkeys(CARDED, 0) | dict(
            session.execute(
                select(Report.card, func.count()).where(overdue_clause()).group_by(Report.card)
            ).all()
        )
        for card, count in counts.items():
            overdue.add_metric([card], count)
        yield overdue

        deliveries = GaugeMetricFamily(
            "jiefen_webhook_deliveries",
            "Webhook deliveries by state (pending: the outbox backlog; failed: given up)",
            labels=["status"],
        )
        by_status = {"pending": 0, "delivered": 0, "failed": 0} | dict(
            session.execute(
                select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
            ).all()
        )
        # Events the deliverer has not fanned out yet: one pending delivery per named receiver.
        waiting, oldest_waiting = session.execute(
            select(
                func.coalesce(func.sum(func.json_array_length(OutboxEvent.receivers)), 0),
                func.min(OutboxEvent.created_at),
            ).where(OutboxEvent.fanned_out_at.is_(None))
        ).one()
        by_status["pending"] += int(waiting)
        for status, count in by_status.items():
            deliveries.add_metric([status], count)
        yield deliveries

        oldest_pending = session.scalar(
            select(func.min(WebhookDelivery.created_at)).where(WebhookDelivery.status == "pending")
        )
        if oldest_waiting is not None:
            oldest_pending = min(filter(None, (oldest_pending, oldest_waiting)))
        yield GaugeMetricFamily(
            "jiefen_webhook_oldest_pending_seconds",
            "Age of the oldest delivery not yet made (0: none waiting)",
            value=_age_seconds(oldest_pending),
        )
        yield GaugeMetricFamily(
            "jiefen_webhook_retrying_deliveries",
            "Pending deliveries whose last attempt failed",
            value=session.scalar(
                select(func.count()).where(
                    WebhookDelivery.status == "pending", WebhookDelivery.attempts > 0
                )
            ),
        )
        yield GaugeMetricFamily(
            "jiefen_webhook_failing_subscriptions",
            "Subscriptions paused after consecutive failures",
            value=session.scalar(
                select(func.count()).where(WebhookSubscription.status == "failing")
            ),
        )

        unsorted = (
            select(func.count(), func.min(Report.created_at))
            .outerjoin(ReportSuggestion, ReportSuggestion.report_id == Report.id)
            .where(Report.status == "received", ReportSuggestion.report_id.is_(None))
        )
        waiting, oldest = session.execute(unsorted).one()
        yield GaugeMetricFamily(
            "jiefen_presort_waiting_reports", "Received reports not yet pre-sorted", value=waiting
        )
        yield GaugeMetricFamily(
            "jiefen_presort_lag_seconds",
            "Age of the oldest report waiting to be pre-sorted (0: none waiting)",
            value=_age_seconds(oldest),
        )
        session.rollback()
