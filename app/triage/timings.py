"""Time from entering the queue to the cleaner's decision, per day, cleaner and channel."""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.accounts.models import User
from app.core.clock import SHANGHAI
from app.extensions import db
from app.lifecycle.policy import visible_clause
from app.reports.models import Report


@dataclass
class TimingRow:
    day: date
    cleaner_user_id: int | None
    cleaner_name: str | None
    channel: str
    triaged: int
    dispatched: int
    median_minutes: float
    mean_minutes: float
    max_minutes: float


def triage_timings(viewer: User, since: datetime, until: datetime) -> list[TimingRow]:
    """Reports triaged in [since, until) that the viewer may see, grouped; days in Shanghai.

    Each report keeps its latest pass through the queue (queued_at → triaged_at).
    """
    rows = db.session.execute(
        select(
            Report.triaged_at,
            Report.queued_at,
            Report.triaged_by_user_id,
            Report.channel,
            Report.dispatched_at,
        ).where(
            Report.triaged_at >= since,
            Report.triaged_at < until,
            Report.queued_at.is_not(None),
            visible_clause(viewer),
        )
    )
    groups: dict[tuple, list[tuple[float, bool]]] = defaultdict(list)
    for triaged_at, queued_at, cleaner_id, channel, dispatched_at in rows:
        if triaged_at < queued_at:
            continue
        minutes = (triaged_at - queued_at).total_seconds() / 60
        key = (triaged_at.astimezone(SHANGHAI).date(), cleaner_id, channel)
        groups[key].append((minutes, dispatched_at is not None and dispatched_at >= queued_at))
    names = {
        u.id: u.display_name or u.username
        for u in db.session.scalars(
            select(User).where(User.id.in_({k[1] for k in groups if k[1] is not None}))
        )
    }
    result = []
    for (day, cleaner_id, channel), values in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2])
    ):
        minutes = [m for m, _dispatched in values]
        result.append(
            TimingRow(
                day,
                cleaner_id,
                names.get(cleaner_id) if cleaner_id else None,
                channel,
                len(values),
                sum(1 for _m, dispatched in values if dispatched),
                round(statistics.median(minutes), 1),
                round(statistics.fmean(minutes), 1),
                round(max(minutes), 1),
            )
        )
    return result
