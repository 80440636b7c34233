"""Sending deliveries: claim one under a lease, POST it signed, record the answer, back off.

Two deliverers never send the same delivery: a claim is a conditional UPDATE (on PostgreSQL
over a `FOR UPDATE SKIP LOCKED` pick) that only succeeds on a pending, unleased row, and the
answer is recorded only under the same claim token. The lease outlasts the HTTP timeout, so a
delivery is sent again only if its deliverer died before recording the answer; it is then sent
with the same X-Jiefen-Delivery id, which receivers use to drop the repeat.
"""

import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from app.core.clock import now
from app.extensions import db
from app.webhooks import destinations
from app.webhooks.fan_out import fan_out
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)

USER_AGENT = "Jiefen-Webhooks/1"
ERROR_TEXT_LIMIT = 500


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0
    max_attempts: int = 10
    retry_base: float = 30.0
    retry_max: float = 6 * 3600.0
    failing_after: int = 5

    @classmethod
    def from_config(cls, config: Any) -> "Settings":
        return cls(
            timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
            max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"]),
            retry_base=float(config["WEBHOOK_RETRY_BASE_SECONDS"]),
            retry_max=float(config["WEBHOOK_RETRY_MAX_SECONDS"]),
            failing_after=int(config["WEBHOOK_FAILING_AFTER"]),
        )

    @property
    def lease(self) -> timedelta:
        # Longer than any one attempt can take, so a live deliverer always records first.
        return timedelta(seconds=self.timeout + 60)


def backoff(failures: int, settings: Settings) -> timedelta:
    """The wait after the n-th failure in a row: base, 2×base, 4×base … up to the cap."""
    return timedelta(
        seconds=min(settings.retry_base * 2 ** max(failures - 1, 0), settings.retry_max)
    )


@dataclass(frozen=True)
class Claimed:
    id: int
    delivery_id: str
    token: str
    attempts: int
    subscription_id: int
    url: str
    secret: str
    event: str
    body: bytes


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def delivery_body(outbox_id: int, delivery_id: str, payload: dict) -> bytes:
    body = {"event": payload["event"], "event_id": outbox_id, "delivery_id": delivery_id}
    body.update((k, v) for k, v in payload.items() if k != "event")
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def claim_next(settings: Settings) -> Claimed | None:
    """Lease the next due delivery to this caller, or None when nothing is due. Commits.
    Events still waiting get their deliveries first (a look at an empty index when none)."""
    fan_out()
    moment = now()
    token = secrets.token_hex(16)
    claimable = and_(
        WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= moment,
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= moment),
    )
    pick = (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            claimable,
            or_(
                WebhookSubscription.paused_until.is_(None),
                WebhookSubscription.paused_until <= moment,
            ),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
        .scalar_subquery()
    )
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == pick, claimable)
        .values(claim_token=token, claimed_until=moment + settings.lease)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.commit()
        return None
    row = db.session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.delivery_id,
            WebhookDelivery.attempts,
            WebhookDelivery.subscription_id,
            WebhookSubscription.url,
            WebhookSubscription.secret,
            OutboxEvent.id.label("outbox_id"),
            OutboxEvent.event,
            OutboxEvent.payload,
        )
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
        .where(WebhookDelivery.claim_token == token)
    ).one()
    db.session.commit()
    return Claimed(
        id=row.id,
        delivery_id=row.delivery_id,
        token=token,
        attempts=row.attempts,
        subscription_id=row.subscription_id,
        url=row.url,
        secret=row.secret,
        event=row.event,
        body=delivery_body(row.outbox_id, row.delivery_id, row.payload),
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would drop the body or send it somewhere unknown."""

    def redirect_request(self, *args, **kwargs):
        return None


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = destinations.connect(self.host, self.port, self.timeout, self.source_address)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        sock = destinations.connect(self.host, self.port, self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


# No proxies from the environment: the connection goes to the address that was checked.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirects, _GuardedHTTPHandler, _GuardedHTTPSHandler
)


def post(claimed: Claimed, timeout: float) -> Answer:
    request = urllib.request.Request(
        claimed.url,
        data=claimed.body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: claimed.event,
            DELIVERY_HEADER: claimed.delivery_id,
            SIGNATURE_HEADER: sign(claimed.secret, claimed.body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Answer(response.status, None)
    except urllib.error.HTTPError as error:
        return Answer(error.code, f"delivery failed (HTTP {error.code})")
    except urllib.error.URLError as error:
        if isinstance(error.reason, destinations.DestinationRefused):
            return Answer(None, "refused: the address is not allowed for webhooks")
        return Answer(None, "could not connect")
    except destinations.DestinationRefused:
        return Answer(None, "refused: the address is not allowed for webhooks")
    # The receiver's own words (or the socket's) stay out: they would tell an admin whether
    # a port somewhere answers, and what it said.
    except (OSError, http.client.HTTPException, ValueError):
        return Answer(None, "could not connect")


def record(claimed: Claimed, answer: Answer, settings: Settings) -> str:
    """Store the answer under the claim, then the subscription's health. Returns the outcome:
    delivered, retry, failed, or lost (the lease ran out and another deliverer holds it).
    """
    moment = now()
    attempts = claimed.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": moment,
        "last_status_code": answer.status_code,
        "last_error": answer.error,
        "claim_token": None,
        "claimed_until": None,
    }
    if answer.ok:
        outcome = "delivered"
        values.update(status="delivered", delivered_at=moment)
    else:
        outcome = "failed" if attempts >= settings.max_attempts else "retry"
        values.update(
            status="failed" if outcome == "failed" else "pending",
            next_attempt_at=moment + backoff(attempts, settings),
        )
        log.warning(
            "webhook delivery %s to subscription %s failed (attempt %d): %s",
            claimed.delivery_id,
            claimed.subscription_id,
            attempts,
            answer.error,
        )
    stored = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == claimed.id, WebhookDelivery.claim_token == claimed.token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if stored.rowcount != 1:
        db.session.rollback()
        log.error("webhook delivery %s: lease lost before the answer", claimed.delivery_id)
        return "lost"
    subscription = db.session.get(
        WebhookSubscription, claimed.subscription_id, with_for_update=True, populate_existing=True
    )
    if subscription is not None:
        if answer.ok:
            subscription.status, subscription.consecutive_failures = "active", 0
            subscription.paused_until, subscription.last_success_at = None, moment
        else:
            _count_failure(subscription, answer, moment, settings)
    db.session.commit()
    return outcome


def _count_failure(subscription: WebhookSubscription, answer: Answer, moment, settings) -> None:
    subscription.consecutive_failures += 1
    subscription.last_failure_at, subscription.last_error = moment, answer.error
    over = subscription.consecutive_failures - settings.failing_after + 1
    if over > 0:
        # Circuit breaker: one probe per pause, the pause doubling while it keeps failing.
        subscription.status = "failing"
        subscription.paused_until = moment + backoff(over, settings)


def deliver_due(settings: Settings, limit: int | None = None) -> Counter:
    """Send every delivery that is due now (at most `limit`); counts of outcomes."""
    outcomes: Counter = Counter()
    while limit is None or sum(outcomes.values()) < limit:
        claimed = claim_next(settings)
        if claimed is None:
            break
        outcomes[record(claimed, post(claimed, settings.timeout), settings)] += 1
    return outcomes
