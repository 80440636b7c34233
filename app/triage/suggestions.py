"""Pre-sorting a report as it arrives: duplicates, category, risk, junk (routing is read live)."""

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import Float, Integer, Text, bindparam, cast, func, select, true, union_all
from sqlalchemy.exc import IntegrityError

from app.core.clock import now
from app.core.coords import haversine_m
from app.core.database import driver_savepoint, insert_now
from app.core.spatial import bbox_around, in_bbox, to_shapely, xy
from app.extensions import db
from app.lifecycle.states import QUEUED
from app.reports.models import DUPLICATE_CANDIDATE_STATES, Report
from app.triage.answers import raise_risk_by_answers
from app.triage.duplicates import Side
from app.triage.finder import chosen as finder_named
from app.triage.finder import finder, min_score
from app.triage.meaning import reading_from_text, stored, terms
from app.triage.models import ReportSuggestion
from app.triage.rules import RISK_RANK, RuleSet, rule_text

log = logging.getLogger(__name__)
UNSORTED = "自动建议暂不可用，请人工判断"
# A report may be merged into one in these states: the matter is still being handled.
SURVIVOR_STATES = tuple(s for s in DUPLICATE_CANDIDATE_STATES if s != "merged")
# Inline in the SQL, not parameters: the planner can then use the index of candidates only.
CANDIDATE_STATES = bindparam(
    "candidate_states", DUPLICATE_CANDIDATE_STATES, expanding=True, literal_execute=True
)
MAX_DUPLICATES = 5
# Set in the session when a read recomputed suggestions: there is something to commit.
STORED = "jiefen.suggestions_stored"
FLOOD_WINDOW = timedelta(hours=24)
PHONE_FLOOD_AT = 5  # earlier reports from one phone in a day
CLIENT_FLOOD_AT = 10  # from one network address (higher: offices and estates share one)
SAME_TEXT_FLOOD_AT = 3
# Each flood count stops here: past it the cleaner learns nothing more, and one address behind
# a carrier's NAT (or a script) can send thousands in a day, each of which would be counted
# again for every report it sends.
FLOOD_COUNT_CAP = 50
TEST_TEXTS = frozenset({"测试", "test", "ceshi", "试一下", "试试", "测试一下", "asdf", "hello"})


@dataclass(frozen=True)
class Candidate:
    report_id: int
    score: float
    distance_m: float
    reasons: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "score": self.score,
            "distance_m": self.distance_m,
            "reasons": list(self.reasons),
        }


def find_duplicates(
    report: Report, category_code: str | None, vector=None, likely=None, rows=None
) -> list[Candidate]:
    """Earlier open reports nearby within the window, scored by the chosen finder
    (app/triage/finder.py); the best few above its minimum. `vector`: the report's sentence
    vector when the embedding finder has it already; `likely`: its likeliest categories
    (None: the hard category term); `rows`: the candidates, read already (`presort_reads`)."""
    if report.location is None:
        return []
    config = current_app.config
    chosen = finder()
    radius = float(config["DUPLICATE_RADIUS_M"])
    window = timedelta(days=float(config["DUPLICATE_WINDOW_DAYS"]))
    here = to_shapely(report.location)
    if rows is None:
        query = _candidates_query(db.engine.dialect.name, chosen.name, candidate_limit())
        rows = _candidate_rows(_read(query, candidate_params(report)))
    # Its reading once, not looked up again for each of the candidates it is scored against.
    mine = Side(
        report.description,
        category_code,
        report.qr_site_id,
        report.reporter_phone,
        terms(report.description),
        given(report.category_code) or likely,
    )
    window_hours = window.total_seconds() / 3600
    nearby = _within(rows, here.x, here.y, radius)
    if not nearby:
        return []
    closeness = chosen.closeness(report, vector, [near.row for near in nearby])
    best = _best_per_target(report, chosen, mine, nearby, closeness, radius, window_hours)
    ranked = sorted(
        best.items(), key=lambda kept: (-kept[1][0], nearby[kept[1][1]].metres, kept[0])
    )
    return [
        _candidate(chosen, mine, target, nearby, closeness, kept)
        for target, kept in ranked[:MAX_DUPLICATES]
    ]


# What the scoring loop reads of each candidate row, by position: a Row's attribute costs ten
# times its index, and a flooded poster's 200 rows are read a dozen times each.
_FIELDS = (
    "id",
    "description",
    "created_at",
    "x",
    "y",
    "category_code",
    "suggested_category_code",
    "status",
    "duplicate_of",
    "reporter_phone",
    "qr_site_id",
    "reading",
)


class Near(NamedTuple):
    row: Any  # the Row itself, for the finder's closeness (the embedding reads its vector)
    fields: tuple  # _FIELDS' values
    distance: float
    metres: float  # the distance as shown, rounded


def _read(query, params):
    """A statement of plain columns on the session's connection: the ORM's per-row result
    machinery is not needed. Flushed first, as the session would before a query (what this
    transaction changed must be seen)."""
    if db.session.autoflush:
        db.session.flush()
    return db.session.connection().execute(query, params)


def _candidate_rows(result, rows=None) -> list[tuple[Any, tuple]]:
    """(row, its _FIELDS) of the candidates `result` names (its `rows`, fetched already, or
    all of it fetched at once: psycopg otherwise fetches row by row)."""
    positions = {name: index for index, name in enumerate(result.keys())}
    pick = itemgetter(*(positions[name] for name in _FIELDS))
    return [(row, pick(row)) for row in (result.all() if rows is None else rows)]


def _within(rows, lon: float, lat: float, radius: float) -> list[Near]:
    """The candidate rows within `radius`. A flooded poster's hundreds of reports share its
    one point: each distinct point is measured once, by the same function."""
    measured: dict[tuple[float, float], tuple[float, float]] = {}
    nearby = []
    for row, fields in rows:
        point = fields[3:5]
        known = measured.get(point)
        if known is None:
            distance = haversine_m(lon, lat, *point)
            known = measured[point] = (distance, round(distance, 1))
        if known[0] <= radius:
            nearby.append(Near(row, fields, *known))
    return nearby


def _best_per_target(
    report: Report, chosen, mine: Side, nearby: list[Near], closeness: list, radius, window_hours
) -> dict[int, tuple[float, int, float]]:
    """Per report a candidate would be merged into: (score, its index in `nearby`, hours
    apart) of its best-scoring row, the first of equals.

    The words' and categories' part of a score is worked out once per distinct text, category
    and reading (`_side_of`: a flood repeats a few texts hundreds of times) and closeness; the
    rest, the neighbour's own, per row, in the same order of operations as score()."""
    shared: dict[tuple[int, Any], tuple[Side, float]] = {}
    best: dict[int, tuple[float, int, float]] = {}
    minimum = min_score(chosen)
    pair_value, placed = chosen.pair_value, chosen.placed
    created_at, own_id = report.created_at, report.id
    for index, (near, close) in enumerate(zip(nearby, closeness, strict=True)):
        (rid, text, created, _, _, code, suggested, status, survivor, phone, site, reading) = (
            near.fields
        )
        # Without its poster and caller, which pair_value does not read (placed adds them from
        # the row): at a poster, residents with their own phones sending one text share one
        # value, where each phone made its own Side and the words were compared again.
        theirs = _side_of(text, code, suggested, None, None, reading)
        key = (id(theirs), close)  # the Side is kept alive in the value: its id stays its own
        known = shared.get(key)
        if known is None:
            known = shared[key] = (theirs, pair_value(mine, theirs, close))
        hours = max(0.0, (created_at - created).total_seconds() / 3600)
        value = placed(known[1], mine, site, phone, near.distance, radius, hours, window_hours)
        if value < minimum:
            continue
        # A merged report stands for its survivor: that is what the cleaner would merge into.
        target = survivor if status == "merged" else rid
        if target is None or target == own_id:
            continue
        kept = best.get(target)
        if kept is None or value > kept[0]:
            best[target] = (value, index, hours)
    return best


def _candidate(chosen, mine: Side, target: int, nearby: list[Near], closeness, kept) -> Candidate:
    """A kept candidate with its reasons: worked out for the few shown, not every row scored."""
    value, index, hours = kept
    near = nearby[index]
    _, text, _, _, _, code, suggested, _, _, phone, site, reading = near.fields
    theirs = _side_of(text, code, suggested, site, phone, reading)
    why = chosen.reasons(mine, theirs, near.distance, hours, closeness[index])
    return Candidate(target, value, near.metres, tuple(why))


@lru_cache(maxsize=4096)
def _side_of(description, category_code, suggested_code, qr_site_id, phone, reading_text) -> Side:
    """What the finder knows of a candidate (its reading as stored with its suggestions), kept
    per process by the values it is made of: each report filed at a busy place is scored
    against the same few hundred neighbours, and a Side never changes."""
    reading = reading_from_text(reading_text)
    return Side(
        description,
        category_code or suggested_code,
        qr_site_id,
        phone,
        reading,
        given(category_code) or (reading.likely if reading is not None else None),
    )


def candidate_limit() -> int:
    return int(current_app.config["DUPLICATE_MAX_CANDIDATES"])


def candidate_params(report: Report) -> dict[str, Any]:
    """The candidate query's values for a report with a location."""
    config = current_app.config
    here = to_shapely(report.location)
    minx, miny, maxx, maxy = bbox_around(here.x, here.y, float(config["DUPLICATE_RADIUS_M"]))
    return {
        # A report not stored yet (the resident's hint asks before filing) has no id; bound as
        # NULL, `id != :report_id` would exclude every row. No report's id is 0.
        "report_id": report.id or 0,
        "since": report.created_at - timedelta(days=float(config["DUPLICATE_WINDOW_DAYS"])),
        "until": report.created_at,
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
    }


def given(category_code: str | None):
    """A category a person set is a certainty for the duplicate score, whatever was guessed."""
    return ((category_code, 1.0),) if category_code else None


@cache
def _candidates_query(dialect: str, finder_name: str, limit: int):
    """The candidate query, built once per process for each database kind, finder and limit:
    building it is a tenth of a millisecond, paid by every report (the values are bound).

    Columns, not entities, and coordinates rather than geometries: a busy estate can have
    dozens of reports in the window, a flooded poster hundreds. Only the newest few hundred
    are scored, so one place's flood cannot make every report filed there slow. The reading
    comes as the database's text of it, which is what app.triage.meaning keeps its decoded
    form by."""
    box = tuple(bindparam(name, type_=Float) for name in ("minx", "miny", "maxx", "maxy"))
    in_window = (
        in_bbox(Report.location, Report.id, *box),
        Report.id != bindparam("report_id"),
        Report.created_at >= bindparam("since"),
        Report.created_at <= bindparam("until"),
        Report.status.in_(CANDIDATE_STATES),
    )
    # The newest `limit` first, then their suggestions: joined before the LIMIT, every report
    # of the window near the point had its suggestions read (780 at the QR benchmark's poster
    # for 200 kept, bench/RESULTS.md h21b).
    columns = (
        Report.id,
        Report.description,
        Report.created_at,
        *xy(Report.location),
        Report.category_code,
        Report.status,
        Report.duplicate_of,
        Report.reporter_phone,
        Report.qr_site_id,
    )
    rows = (
        select(*columns).where(*in_window)
        if dialect == "sqlite"
        else select(_newest_by_index(columns, in_window, limit))
    )
    kept = rows.selected_columns
    newest = rows.order_by(kept.created_at.desc(), kept.id.desc()).limit(limit).subquery("newest")
    return (
        select(
            newest,
            ReportSuggestion.suggested_category_code,
            cast(ReportSuggestion.reading, Text).label("reading"),
            *finder_named(finder_name).candidate_columns(),
        )
        .outerjoin(ReportSuggestion, ReportSuggestion.report_id == newest.c.id)
        .order_by(newest.c.created_at.desc(), newest.c.id.desc())
    )


def _newest_by_index(columns, in_window, limit: int):
    """On PostgreSQL, the window's newest `limit` near the point and every row tied in time
    with the oldest of them: a superset of the rows the candidate query's ORDER BY (time, id)
    and LIMIT keep from the whole window, so they keep the same ones. The candidate index
    (location, created_at, btree_gist) walks the window newest first by the distance of
    created_at to `until` (every candidate is no later) and stops at `limit`; the window's
    bounds alone made it return every report of the week near the point, each read from the
    table and sorted: 3,000 at a poster piled with 3,000, the cost growing with the pile. The
    distance does not order equal times by id, so the rows of the last one's time that the
    walk left out are looked up by it. SQLite's R*Tree has no such order: there the window
    alone bounds them."""
    until = bindparam("until", type_=Report.created_at.type)
    walked = (
        select(*columns)
        .where(*in_window)
        .order_by(Report.created_at.op("<->")(until))
        .limit(limit)
        .cte("walked")
    )
    last = select(func.min(walked.c.created_at)).scalar_subquery()
    tied = select(*columns).where(
        *in_window, Report.created_at == last, Report.id.not_in(select(walked.c.id))
    )
    return union_all(select(walked), tied).subquery()


def _content(description: str) -> str:
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", rule_text(description))


def junk(
    report: Report, client_key: str | None, counts: tuple[int, int, int] | None = None
) -> tuple[float, list[str]]:
    """0…1 with reasons: nothing said, too short, key-mashing, tests, or one sender flooding.
    `counts`: the earlier reports by phone, address and text, read already (`presort_reads`)."""
    content = _content(report.description)
    score, reasons = 0.0, []

    def flag(weight: float, reason: str) -> None:
        nonlocal score
        score += weight
        reasons.append(reason)

    if not content:
        flag(0.8, "没有文字内容")
    elif len(content) < 5:
        flag(0.4, f"内容过短（{len(content)}字）")
    if len(content) >= 4 and (
        re.search(r"(.)\1{4,}", content) or len(set(content)) / len(content) < 0.3
    ):
        flag(0.4, "大量重复字符")
    if content in TEST_TEXTS:
        flag(0.4, "疑似测试内容")
    phone, client, text = counts if counts is not None else _earlier_counts(report, client_key)
    if phone >= PHONE_FLOOD_AT:
        flag(0.3, f"同一号码24小时内已提交{_counted(phone, '条')}")
    if client >= CLIENT_FLOOD_AT:
        flag(0.3, f"同一来源24小时内已提交{_counted(client, '条')}")
    if text >= SAME_TEXT_FLOOD_AT:
        flag(0.3, f"相同内容24小时内已出现{_counted(text, '次')}")
    return round(min(1.0, score), 2), reasons


def _counted(count: int, unit: str) -> str:
    """「6条」, or 「100条以上」 where the count stopped at its cap."""
    return f"{count}{unit}" if count < FLOOD_COUNT_CAP else f"{FLOOD_COUNT_CAP}{unit}以上"


def _earlier_counts(report: Report, client_key: str | None) -> tuple[int, int, int]:
    """Reports in the last day from the same phone, the same address, with the same text:
    one query (three counts) rather than one round trip each."""
    names = flood_checks(report, client_key)
    row = db.session.execute(_flood_counts_query(names), flood_params(report, client_key)).one()
    return counted_floods(names, row)


def flood_checks(report: Report, client_key: str | None) -> tuple[str, ...]:
    """Which flood counts apply: the text always, the phone and the address when known."""
    same = ["text"]
    if report.reporter_phone:
        same.append("phone")
    if client_key:
        same.append("client")
    return tuple(same)


def flood_params(report: Report, client_key: str | None) -> dict[str, Any]:
    # Its own window's start, not "since": the duplicate candidates' window is longer, and
    # both are bound in the one statement of presort_reads.
    since = report.created_at - FLOOD_WINDOW
    return {
        "report_id": report.id or 0,  # as in find_duplicates: never bound as NULL
        "flood_since": since,
        "until": report.created_at,
        "text": report.description,
        "text_keys": text_keys_between(report.description, since, report.created_at),
        "phone": report.reporter_phone,
        "client": client_key,
        "cap": FLOOD_COUNT_CAP,
    }


def counted_floods(names: tuple[str, ...], row) -> tuple[int, int, int]:
    """(phone, address, text) from a row of the counts in `names`' order; 0 where not asked."""
    counts = dict(zip(names, row, strict=True))
    return counts.get("phone", 0), counts.get("client", 0), counts["text"]


def text_key(description: str, created_at: datetime) -> str:
    """What the same-text check looks a description up by: equal texts of one (UTC) day, equal
    keys. Not a secret (md5 is here only a short, even spread of the text); the query compares
    the texts too.

    The day comes first (issue 19, h21b): a bare hash put every report on a random leaf of an
    index over every report ever sorted, a whole page in the WAL after each checkpoint (0.9 per
    report at 1M); keyed by day, a day's reports share a few leaves at the index's end."""
    return keyed_on_day(description, created_at.astimezone(UTC).date())


def keyed_on_day(description: str, day: date) -> str:
    digest = hashlib.md5(description.encode(), usedforsecurity=False).hexdigest()
    return f"{day:%y%m%d}{digest[:26]}"


def text_keys_between(description: str, since: datetime, until: datetime) -> list[str]:
    """The keys a text has on each day of [since, until]: two for a day's window."""
    first, last = since.astimezone(UTC).date(), until.astimezone(UTC).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [keyed_on_day(description, day) for day in days]


@cache
def _flood_counts_query(names: tuple[str, ...]):
    """The flood counts' query for these checks, built once per process (the values are bound).

    Each count reads only its own matches of the day, by an index that starts with what it
    matches (text key, phone, address key) and goes on with the time: comparing every report
    of the day cost 3 ms per report at a district's volume, more as the day filled."""
    earlier = (
        Report.id != bindparam("report_id"),
        # Earlier only: sorted later (the pre-sorter, a recompute), later ones must not count.
        Report.created_at >= bindparam("flood_since"),
        Report.created_at <= bindparam("until"),
    )

    def capped_count(rows):
        # Reads at most `cap` rows of a sender who sends without end.
        limited = rows.limit(bindparam("cap", type_=Integer)).subquery()
        return select(func.count()).select_from(limited).scalar_subquery()

    def sorted_with(matches, *more):
        # Bounded by the window: a report sent in it was sorted no earlier than it was sent.
        # So a report not sorted yet (the pre-sorter beside intake is behind) is not counted.
        return capped_count(
            select(Report.id)
            .select_from(ReportSuggestion)
            .join(Report, Report.id == ReportSuggestion.report_id)
            .where(
                matches,
                ReportSuggestion.computed_at >= bindparam("flood_since"),
                *earlier,
                *more,
            )
        )

    counts = {
        # The texts are compared too: two texts with one key must not count as one.
        "text": lambda: sorted_with(
            ReportSuggestion.text_key.in_(bindparam("text_keys", expanding=True)),
            Report.description == bindparam("text"),
        ),
        "phone": lambda: capped_count(
            select(Report.id).where(Report.reporter_phone == bindparam("phone"), *earlier)
        ),
        "client": lambda: sorted_with(ReportSuggestion.client_key == bindparam("client")),
    }
    # Labelled: presort_reads reads them beside the candidates' columns.
    return select(*(counts[name]().label(f"flood_{name}") for name in names))


@cache
def _presort_query(dialect: str, finder_name: str, limit: int, names: tuple[str, ...]):
    """The duplicate candidates and the flood counts in one round trip: the counts' one row
    LEFT JOINed to the candidates, so that row comes back even where no report is near.
    Each part keeps its own plan and bounds (the candidate cap, FLOOD_COUNT_CAP): the counts
    are scalar subqueries, each evaluated once, and the candidates a LIMITed subquery."""
    counts = _flood_counts_query(names).subquery("floods")
    candidates = _candidates_query(dialect, finder_name, limit).subquery("candidates")
    return (
        select(counts, candidates)
        .select_from(counts.outerjoin(candidates, true()))
        .order_by(candidates.c.created_at.desc(), candidates.c.id.desc())
    )


def presort_reads(report: Report, client_key: str | None) -> tuple[list | None, tuple]:
    """What pre-sorting reads of earlier reports, in one statement: the duplicate candidates
    (None without a location: there are none to look for) and the flood counts (`junk`)."""
    names = flood_checks(report, client_key)
    params = flood_params(report, client_key)
    if report.location is None:
        row = db.session.execute(_flood_counts_query(names), params).one()
        return None, counted_floods(names, row)
    query = _presort_query(db.engine.dialect.name, finder().name, candidate_limit(), names)
    result = _read(query, {**params, **candidate_params(report)})
    rows = result.all()
    counts = counted_floods(names, tuple(rows[0])[: len(names)])
    # The counts' one row comes back alone (its candidate columns NULL) when none is near.
    candidates = _candidate_rows(result, rows)
    return [(row, fields) for row, fields in candidates if fields[0] is not None], counts


def client_key_for(address: str | None) -> str | None:
    """A sender's network address as a keyed hash: enough to count one sender's reports, not
    enough to learn the address. The public intake stores it on the created event."""
    if not address:
        return None
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}:{address}".encode()).hexdigest()[:32]


def client_key_of(report: Report) -> str | None:
    """The sender's hashed address, from the created event (None for staff channels)."""
    created = next((e for e in report.events if e.action == "created"), None)
    return (created.payload or {}).get("client_key") if created else None


def apply_text_rules(
    suggestion: ReportSuggestion, report: Report, rules: RuleSet, vector=None
) -> None:
    """Category (by the chosen finder) and risk from the text. The likeliest categories ride
    in the stored reading (key "c") for later reports' duplicate scores, so `suggestion.reading`
    is set before this is called."""
    category, category_reasons, likely = finder().category(
        rules, report.description, suggestion, vector
    )
    if suggestion.reading is not None:
        # A new dict, not changed in place: the JSON column notices an assignment only.
        kept = {key: value for key, value in suggestion.reading.items() if key != "c"}
        suggestion.reading = kept if likely is None else {**kept, "c": [list(x) for x in likely]}
    risk, risk_reasons = rules.risk(report.description)
    suggestion.suggested_category_code = category
    suggestion.category_reasons = category_reasons
    suggestion.suggested_risk = risk
    suggestion.risk_rank = RISK_RANK[risk]
    suggestion.risk_reasons = risk_reasons
    raise_risk_by_answers(suggestion, report.attributes)


def compute(report: Report, rules: RuleSet | None = None, *, new: bool = False) -> ReportSuggestion:
    """(Re)compute every suggestion for `report` and store it in the caller's transaction.

    `new`: the report was filed just now, so it has no suggestion to look up yet.
    """
    suggestion = None if new else db.session.get(ReportSuggestion, report.id)
    if suggestion is None:
        suggestion = ReportSuggestion(report_id=report.id, client_key=client_key_of(report))
    suggestion.text_key = text_key(report.description, report.created_at)
    vector = finder().embed(report, suggestion)  # the embedding finder's one embedding, or None
    suggestion.reading = stored(terms(report.description))
    apply_text_rules(suggestion, report, rules or RuleSet.load(), vector)
    own_category = report.category_code or suggestion.suggested_category_code
    kept = suggestion.reading.get("c")
    likely = tuple((code, p) for code, p in kept) if kept is not None else None
    candidates, counts = presort_reads(report, suggestion.client_key)
    suggestion.duplicates = [
        c.as_json() for c in find_duplicates(report, own_category, vector, likely, candidates)
    ]
    suggestion.junk_score, suggestion.junk_reasons = junk(report, suggestion.client_key, counts)
    suggestion.computed_at = now()
    return suggestion


def on_report_created(report: Report) -> None:
    """Receiver of the `report_created` signal: every channel's report is pre-sorted as it arrives.

    Pre-sorting must never cost a resident their report: if it fails (a rule an admin wrote
    badly), the report is stored without suggestions and the queue shows it as unsorted.
    With PRESORT_AT_INTAKE off it is left to the pre-sorter (app.triage.presort).
    """
    if current_app.config["PRESORT_AT_INTAKE"]:
        # Each intake path files one report per transaction (a request) or per savepoint (an
        # offline sync's item): what encloses it ends the pre-sort's savepoint.
        presort(report, release=False)


def presort(report: Report, rules: RuleSet | None = None, *, release: bool = True) -> bool:
    """Store a new report's suggestions in a savepoint; False (logged) when that failed, and
    the report stays in the queue unsorted. `release`: as for driver_savepoint (the pre-sorter
    sorts a batch in one transaction, so it releases each)."""
    try:
        # A savepoint below the session: nothing of the session's own is written inside it
        # (the suggestion is one INSERT, added to the session only once it succeeded), so
        # the session's heavier begin_nested (a flush, a snapshot) is not needed.
        with driver_savepoint(db.session, "presort", release=release):
            insert_now(db.session, compute(report, rules, new=True))
        return True
    except Exception:
        log.exception("suggestions failed for report %s; it is queued unsorted", report.id)
        return False


def carry_risk(survivor: Report, merged: Report) -> None:
    """A merged report's urgency passes to its survivor while that one still waits in the queue."""
    if survivor.status != "received":
        return
    ours = db.session.get(ReportSuggestion, survivor.id)
    theirs = db.session.get(ReportSuggestion, merged.id)
    if ours is None or theirs is None:
        return
    level, reasons = theirs.suggested_risk, list(theirs.risk_reasons or [])
    if merged.risk_level and RISK_RANK[merged.risk_level] > RISK_RANK[level]:
        level, reasons = merged.risk_level, ["清洗员定级"]
    if RISK_RANK[level] <= ours.risk_rank:
        return
    ours.suggested_risk, ours.risk_rank = level, RISK_RANK[level]
    carried = [f"{merged.tracking_no}：{reason}" for reason in reasons]
    ours.risk_reasons = [*(ours.risk_reasons or []), *carried]


def ensure_fresh(reports: Iterable[Report]) -> dict[int, ReportSuggestion]:
    """Suggestions for these reports, recomputed for any that re-entered the queue since.

    A report comes back after the reporter answers a question or a unit returns it; its text or
    its neighbours may have changed, so its suggestions are recomputed on first sight.
    """
    reports = list(reports)
    stored = {
        s.report_id: s
        for s in db.session.scalars(
            select(ReportSuggestion).where(ReportSuggestion.report_id.in_([r.id for r in reports]))
        )
    }
    rules: RuleSet | None = None
    for report in reports:
        current = stored.get(report.id)
        if current is not None and (
            report.queued_at is None or current.computed_at >= report.queued_at
        ):
            continue
        rules = rules or RuleSet.load()
        stored[report.id] = _recompute(report, rules)
    return stored


def _recompute(report: Report, rules: RuleSet) -> ReportSuggestion:
    """Compute and store in a savepoint: a failure or a race leaves the transaction usable."""
    try:
        with db.session.begin_nested():
            suggestion = compute(report, rules)
            db.session.add(suggestion)
        db.session.info[STORED] = True
        return suggestion
    except IntegrityError:
        pass  # another reader stored it first: theirs is as good as ours
    except Exception:
        log.exception("suggestions failed for report %s; shown unsorted", report.id)
    existing = db.session.get(ReportSuggestion, report.id, populate_existing=True)
    return existing if existing is not None else unsorted(report)


def unsorted(report: Report) -> ReportSuggestion:
    """A stand-in (never stored) when suggestions cannot be computed: a person must look."""
    return ReportSuggestion(
        report_id=report.id,
        duplicates=[],
        category_reasons=[],
        suggested_risk="medium",
        risk_rank=RISK_RANK["medium"],
        risk_reasons=[UNSORTED],
        junk_score=0.0,
        junk_reasons=[],
        computed_at=now(),
    )


def refresh_text_suggestions() -> int:
    """After a rule changes: re-run category and risk for every report still waiting."""
    rules = RuleSet.load()
    rows = db.session.execute(
        select(Report, ReportSuggestion)
        .join(ReportSuggestion, ReportSuggestion.report_id == Report.id)
        .where(Report.status.in_(QUEUED))
    )
    count = 0
    for report, suggestion in rows:
        apply_text_rules(suggestion, report, rules)
        count += 1
    db.session.flush()
    return count
