"""Reading the queue: one page of waiting reports, each with its suggestions and its claim."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, literal, or_, select, union_all

from app.accounts.models import User
from app.areas.models import Area
from app.categories.models import Category
from app.core.clock import now
from app.core.database import serial_plan
from app.core.pagination import decode_cursor, encode_cursor
from app.extensions import db
from app.mediation.grading import handling_for
from app.reports.models import Report
from app.triage.claims import RANK, claim_is_active, held_by, queue_query, unclaimed
from app.triage.models import ReportSuggestion
from app.triage.presort import before_queue_read
from app.triage.suggestions import STORED, SURVIVOR_STATES, ensure_fresh
from app.units.models import Unit

OUTSIDE_COVERAGE = "不在任何街道辖区内，请指定处置单位"
SNIPPET = 60


@dataclass
class QueueItem:
    report: Report
    claim: dict[str, Any] | None
    suggestions: dict[str, Any] = field(default_factory=dict)


def _after(cursor: str):
    rank, created, last_id = decode_cursor(cursor, ("int", "time", "int"))
    return or_(
        rank > RANK,
        and_(rank == RANK, Report.created_at > created),
        and_(rank == RANK, Report.created_at == created, Report.id > last_id),
    )


def list_queue(
    user: User,
    limit: int,
    cursor: str | None = None,
    claimed: str = "all",
    channel: str | None = None,
) -> tuple[list[QueueItem], str | None]:
    """A page of the caller's queue, most urgent first; `claimed` is all, mine or free."""
    before_queue_read(user)
    at = now()
    query = queue_query(user).add_columns(RANK)
    if claimed == "mine":
        query = query.where(held_by(user, at))
    elif claimed == "free":
        query = query.where(unclaimed(at))
    if channel:
        query = query.where(Report.channel == channel)
    if cursor:
        query = query.where(_after(cursor))
    serial_plan(db.session)
    rows = db.session.execute(query.limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        report, rank = rows[limit - 1]
        next_cursor = encode_cursor([rank, report.created_at.isoformat(), report.id])
    return items_for([r for r, _rank in rows[:limit]], user), next_cursor


def items_for(reports: list[Report], user: User) -> list[QueueItem]:
    """Queue items for these reports: suggestions made fresh, names looked up once per page."""
    suggestions = ensure_fresh(reports)
    at = now()
    duplicate_ids = {d["report_id"] for s in suggestions.values() for d in (s.duplicates or [])}
    others = _by_id(CANDIDATE_COLUMNS, duplicate_ids)
    survivors = _by_id(
        CANDIDATE_COLUMNS, {r.duplicate_of for r in others.values() if r.duplicate_of}
    )
    held = {r.claimed_by_user_id for r in reports if claim_is_active(r, at)}
    holders = _by_id(HOLDER_COLUMNS, held)
    areas, units, names = _names(
        (Area, {r.subdistrict_code for r in reports}),
        (Unit, {r.unit_code for r in reports}),
        (Category, {s.suggested_category_code for s in suggestions.values()}),
    )
    items = []
    for report in reports:
        suggestion = suggestions[report.id]
        items.append(
            QueueItem(
                report,
                _claim(report, user, holders, at),
                {
                    "duplicates": _duplicates(report, suggestion, others, survivors),
                    "category_code": suggestion.suggested_category_code,
                    "category_name": names.get(suggestion.suggested_category_code or ""),
                    "category_reasons": suggestion.category_reasons or [],
                    "risk_level": suggestion.suggested_risk,
                    "risk_reasons": suggestion.risk_reasons or [],
                    "junk_score": suggestion.junk_score,
                    "junk_reasons": suggestion.junk_reasons or [],
                    "routing": _routing(report, areas, units),
                    # The risk the cleaner set wins over the suggested one.
                    "handling": handling_for(report.risk_level or suggestion.suggested_risk),
                    "computed_at": suggestion.computed_at,
                },
            )
        )
    return items


def commit_keeping(items: list[QueueItem], *, only_if_stored: bool = False) -> None:
    """Commit, then load the items' reports back in one query.

    A commit expires every loaded object; serialising the page afterwards would otherwise
    reload each report on its own (one query per item). The rest of an item is plain values.
    `only_if_stored`: a read commits only when it recomputed some suggestions.
    """
    stored = db.session.info.pop(STORED, False)
    if only_if_stored and not stored:
        return
    ids = [item.report.id for item in items]
    db.session.commit()
    if ids:
        db.session.scalars(select(Report).where(Report.id.in_(ids))).all()


def _names(*wanted: tuple[Any, set[str | None]]) -> list[dict[str, str]]:
    """{code: name} for each (model, codes): one statement for all of them (each one a round
    trip of its own cost more than the rows)."""
    parts = [
        select(literal(i).label("kind"), model.code, model.name).where(
            model.code.in_({c for c in codes if c})
        )
        for i, (model, codes) in enumerate(wanted)
        if any(codes)
    ]
    found: list[dict[str, str]] = [{} for _ in wanted]
    if parts:
        for kind, code, name in db.session.execute(union_all(*parts)).tuples():
            found[kind][code] = name
    return found


# Only what a page shows of other reports and of claim holders: whole entities (sixty columns
# and two geometries a report, roles and areas a user) cost more to load than the page itself.
CANDIDATE_COLUMNS = (
    Report.id,
    Report.tracking_no,
    Report.status,
    Report.created_at,
    Report.description,
    Report.duplicate_of,
)
HOLDER_COLUMNS = (User.id, User.username, User.display_name)


def _by_id(columns: tuple, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    key = columns[0]
    return {row.id: row for row in db.session.execute(select(*columns).where(key.in_(ids)))}


def _claim(report: Report, user: User, holders: dict[int, User], at) -> dict[str, Any] | None:
    if not claim_is_active(report, at):
        return None
    holder = holders.get(report.claimed_by_user_id)
    return {
        "user_id": report.claimed_by_user_id,
        "display_name": (holder.display_name or holder.username) if holder else None,
        "expires_at": report.claim_expires_at,
        "mine": report.claimed_by_user_id == user.id,
    }


def _duplicates(
    report: Report,
    suggestion: ReportSuggestion,
    others: dict[int, Report],
    survivors: dict[int, Report],
) -> list[dict[str, Any]]:
    """Stored candidates as they stand now: merged ones show their survivor, closed ones go."""
    shown: dict[int, dict[str, Any]] = {}
    for candidate in suggestion.duplicates or []:
        other = others.get(candidate["report_id"])
        if other is not None and other.duplicate_of is not None:
            other = survivors.get(other.duplicate_of)
        if other is None or other.id == report.id or other.status not in SURVIVOR_STATES:
            continue
        if other.id in shown:
            continue
        shown[other.id] = {
            "report_id": other.id,
            "tracking_no": other.tracking_no,
            "status": other.status,
            "score": candidate["score"],
            "distance_m": candidate["distance_m"],
            # Stored before reasons existed: none to show.
            "reasons": candidate.get("reasons", []),
            "created_at": other.created_at,
            "description": other.description[:SNIPPET],
        }
    return list(shown.values())


def _routing(report: Report, areas: dict[str, str], units: dict[str, str]) -> dict[str, Any]:
    return {
        "in_coverage": bool(report.in_coverage),
        "subdistrict_code": report.subdistrict_code,
        "subdistrict_name": areas.get(report.subdistrict_code or ""),
        "unit_code": report.unit_code,
        "unit_name": units.get(report.unit_code or ""),
        "snapped_m": report.snapped_m,
        "note": None if report.unit_code else OUTSIDE_COVERAGE,
    }
